package io.stedi.lakehouse.curation.jobs;

import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.table.Zone;
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

    long[] accelCounts = accelerometer("stedi.accelerometer_landing");
    long accel = accelCounts[0];
    long accelUnknown = accelCounts[1];
    d.put("accelerometer_trusted.unknown_customer", accelUnknown);
    d.put("accelerometer_trusted.before_consent", window ? accel - accelUnknown - written.get("accelerometer_trusted") : 0L);

    d.put("customers_curated.no_matching_reading", written.get("customer_trusted") - written.get("customers_curated"));

    long[] stepCounts = stepTrainer("stedi.step_trainer_landing");
    long steps = stepCounts[0];
    long stepUnknown = stepCounts[1];
    d.put("step_trainer_trusted.unknown_customer", stepUnknown);
    d.put("step_trainer_trusted.before_consent", window ? steps - stepUnknown - written.get("step_trainer_trusted") : 0L);

    d.put("machine_learning_curated.no_matching_reading", one("SELECT count(*) FROM stedi.step_trainer_trusted s"
        + " WHERE NOT EXISTS (SELECT 1 FROM stedi.machine_learning_curated m WHERE m.sensorReadingTime = s.sensorReadingTime"
        + " AND m.deviceKey = stedi_device_key(s.serialNumber) AND m.distanceFromObject = s.distanceFromObject)"));
    return d;
  }

  /** Distinct accelerometer readings in {@code relation}, and how many belong to no customer_trusted customer. */
  long[] accelerometer(String relation) {
    String distinct = "(SELECT DISTINCT " + dedupColumns(Zone.ACCELEROMETER) + " FROM " + relation + ")";
    return new long[] {one("SELECT count(*) FROM " + distinct),
        one("SELECT count(*) FROM " + distinct + " a"
            + " WHERE NOT EXISTS (SELECT 1 FROM stedi.customer_trusted c WHERE c.email = a.user)")};
  }

  /** Distinct Step Trainer readings in {@code relation}, and how many belong to no customers_curated serial. */
  long[] stepTrainer(String relation) {
    String distinct = "(SELECT DISTINCT " + dedupColumns(Zone.STEP_TRAINER) + " FROM " + relation + ")";
    return new long[] {one("SELECT count(*) FROM " + distinct),
        one("SELECT count(*) FROM " + distinct + " s WHERE NOT EXISTS"
            + " (SELECT 1 FROM stedi.customers_curated c WHERE c.serialNumber = s.serialNumber)")};
  }

  /** A reading is its zone's dedup columns: two rows equal in them are one reading, counted once. */
  private static String dedupColumns(Zone zone) {
    return String.join(", ", zone.dedupColumns().stream().map(c -> "`" + c + "`").toList());
  }

  private long one(String sql) {
    return spark.sql(sql).first().getLong(0);
  }
}
