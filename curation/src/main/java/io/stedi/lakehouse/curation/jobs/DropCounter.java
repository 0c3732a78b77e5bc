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

  /**
   * The rows the rules left out of one job's table, right after it was rebuilt: each count reads only that table,
   * the tables built before it and the landing tables, so it can run while the next job builds.
   *
   * @param written the rows written to the tables rebuilt so far, this job's included
   */
  Map<String, Long> count(CurationJob job, Map<String, Long> written) {
    Map<String, Long> d = new LinkedHashMap<>();
    switch (job) {
      case CUSTOMER_TRUSTED -> d.put("customer_trusted.no_consent",
          one("SELECT count(DISTINCT email) FROM stedi.customer_landing WHERE email IS NOT NULL")
              - written.get("customer_trusted"));
      case ACCELEROMETER_TRUSTED -> readingDrops(d, "accelerometer_trusted", Zone.ACCELEROMETER,
          "SELECT 1 FROM stedi.customer_trusted c WHERE c.email = r.user",
          () -> accelerometer("stedi.accelerometer_landing"), written.get("accelerometer_trusted"));
      case CUSTOMERS_CURATED -> d.put("customers_curated.no_matching_reading",
          written.get("customer_trusted") - written.get("customers_curated"));
      case STEP_TRAINER_TRUSTED -> readingDrops(d, "step_trainer_trusted", Zone.STEP_TRAINER,
          "SELECT 1 FROM stedi.customers_curated c WHERE c.serialNumber = r.serialNumber",
          () -> stepTrainer("stedi.step_trainer_landing"), written.get("step_trainer_trusted"));
      // Every machine_learning_curated row comes from one step_trainer_trusted row, whose rows are distinct in
      // (sensorReadingTime, serialNumber, distanceFromObject), and deviceKey is a keyed hash of the serial: the
      // step readings that found a partner are the distinct triples of machine_learning_curated. Counting them
      // there reads one table instead of joining both.
      case MACHINE_LEARNING_CURATED -> d.put("machine_learning_curated.no_matching_reading",
          written.get("step_trainer_trusted") - one("SELECT count(DISTINCT sensorReadingTime, deviceKey, "
              + "distanceFromObject) FROM stedi.machine_learning_curated"));
    }
    return d;
  }

  /**
   * A reading table's {@code unknown_customer} and {@code before_consent} counts. Without the consent window a
   * distinct landing reading is either trusted or unknown, so only the unknown ones are counted (those with no
   * owner by {@code ownerQuery}, a subquery on the landing row {@code r}, filtered before the deduplication, which is
   * most of the cost); with it, {@code bothCounts} gives the distinct and the unknown readings in one pass.
   */
  private void readingDrops(Map<String, Long> d, String table, Zone zone, String ownerQuery,
      java.util.function.Supplier<long[]> bothCounts, long written) {
    if (window) {
      long[] c = bothCounts.get();
      d.put(table + ".unknown_customer", c[1]);
      d.put(table + ".before_consent", c[0] - c[1] - written);
    } else {
      d.put(table + ".unknown_customer", one("SELECT count(*) FROM " + distinctReadings(zone, "stedi." + zone.landingTable()
          + " r WHERE NOT EXISTS (" + ownerQuery + ")")));
      d.put(table + ".before_consent", 0L);
    }
  }

  /**
   * Distinct accelerometer readings in {@code relation}, and how many belong to no customer_trusted customer,
   * in one pass (customer_trusted holds one row per email, so the outer join adds no rows).
   */
  long[] accelerometer(String relation) {
    return two("SELECT count(*), count_if(c.email IS NULL) FROM " + distinctReadings(Zone.ACCELEROMETER, relation)
        + " a LEFT JOIN stedi.customer_trusted c ON c.email = a.user");
  }

  /** Distinct Step Trainer readings in {@code relation}, and how many belong to no customers_curated serial. */
  long[] stepTrainer(String relation) {
    // a serial may be shared by several curated customers: join its distinct serials, one row each
    return two("SELECT count(*), count_if(c.serialNumber IS NULL) FROM " + distinctReadings(Zone.STEP_TRAINER, relation)
        + " s LEFT JOIN (SELECT DISTINCT serialNumber FROM stedi.customers_curated) c ON c.serialNumber = s.serialNumber");
  }

  /**
   * A subquery with one row per distinct reading of {@code from} (a relation, optionally with alias and WHERE): a
   * reading is its zone's dedup columns, two rows equal in them are one reading. The rows are shuffled by their
   * event time and numbered within groups of equal rows after a sort, as the trusted tables' own SQL removes
   * duplicates: at millions of mostly distinct rows that costs less than a DISTINCT's two hash aggregations.
   */
  private static String distinctReadings(Zone zone, String from) {
    String time = "`" + zone.eventTimeColumn() + "`";
    // the time first: the sort's prefix, which orders most rows without comparing the rest
    String columns = String.join(", ", java.util.stream.Stream.concat(java.util.stream.Stream.of(zone.eventTimeColumn()),
        zone.dedupColumns().stream().filter(c -> !c.equals(zone.eventTimeColumn()))).map(c -> "`" + c + "`").toList());
    return "(SELECT " + columns + " FROM (SELECT *, row_number() OVER (PARTITION BY " + columns + " ORDER BY " + time
        + ") AS copy FROM (SELECT " + columns + " FROM " + from + " DISTRIBUTE BY " + time + ")) WHERE copy = 1)";
  }

  private long one(String sql) {
    return spark.sql(sql).first().getLong(0);
  }

  private long[] two(String sql) {
    org.apache.spark.sql.Row r = spark.sql(sql).first();
    return new long[] {r.getLong(0), r.getLong(1)};
  }
}
