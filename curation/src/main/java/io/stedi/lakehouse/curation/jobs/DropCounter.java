package io.stedi.lakehouse.curation.jobs;

import io.stedi.lakehouse.curation.config.CurationConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Counts the rows each privacy rule left out of each table, after the tables were rebuilt. */
final class DropCounter {
  private final SparkSession spark;
  private final boolean window;

  DropCounter(SparkSession spark, CurationConfig config) {
    this.spark = spark;
    this.window = config.get(CurationConfig.CONSENT) == CurationConfig.Consent.WINDOW;
  }

  Map<String, Long> count(Map<String, Long> written) {
    Map<String, Long> d = new LinkedHashMap<>();
    long customers = one("SELECT count(DISTINCT email) FROM stedi.customer_landing WHERE email IS NOT NULL");
    d.put("customer_trusted.no_consent", customers - written.get("customer_trusted"));

    long accel = one("SELECT count(*) FROM (SELECT DISTINCT user, timestamp, x, y, z FROM stedi.accelerometer_landing)");
    long accelUnknown = one("SELECT count(*) FROM (SELECT DISTINCT user, timestamp, x, y, z FROM stedi.accelerometer_landing) a"
        + " WHERE NOT EXISTS (SELECT 1 FROM stedi.customer_trusted c WHERE c.email = a.user)");
    d.put("accelerometer_trusted.unknown_customer", accelUnknown);
    d.put("accelerometer_trusted.before_consent", window ? accel - accelUnknown - written.get("accelerometer_trusted") : 0L);

    d.put("customers_curated.no_matching_reading", written.get("customer_trusted") - written.get("customers_curated"));

    long steps = one("SELECT count(*) FROM (SELECT DISTINCT sensorReadingTime, serialNumber, distanceFromObject"
        + " FROM stedi.step_trainer_landing)");
    long stepUnknown = one("SELECT count(*) FROM (SELECT DISTINCT sensorReadingTime, serialNumber, distanceFromObject"
        + " FROM stedi.step_trainer_landing) s WHERE NOT EXISTS"
        + " (SELECT 1 FROM stedi.customers_curated c WHERE c.serialNumber = s.serialNumber)");
    d.put("step_trainer_trusted.unknown_customer", stepUnknown);
    d.put("step_trainer_trusted.before_consent", window ? steps - stepUnknown - written.get("step_trainer_trusted") : 0L);

    d.put("machine_learning_curated.no_matching_reading", one("SELECT count(*) FROM stedi.step_trainer_trusted s"
        + " WHERE NOT EXISTS (SELECT 1 FROM stedi.machine_learning_curated m WHERE m.sensorReadingTime = s.sensorReadingTime"
        + " AND m.serialNumber = s.serialNumber AND m.distanceFromObject = s.distanceFromObject)"));
    return d;
  }

  private long one(String sql) {
    return spark.sql(sql).first().getLong(0);
  }
}
