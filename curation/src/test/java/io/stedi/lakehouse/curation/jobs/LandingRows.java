package io.stedi.lakehouse.curation.jobs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Hand-written landing rows for the curation tests, inserted with one INSERT (one Iceberg commit) per table on
 * {@link #flush} instead of one per row.
 */
final class LandingRows {
  private final SparkSession spark;
  private final Map<String, List<String>> pending = new LinkedHashMap<>();
  private int seq;

  LandingRows(SparkSession spark) {
    this.spark = spark;
  }

  /** Empty landing tables (created if missing) and no run history: every test starts from nothing. */
  static void reset(SparkSession spark, io.stedi.lakehouse.config.LakehouseConfig config) {
    io.stedi.lakehouse.table.LandingTables.ensureAll(CurationRunner.icebergCatalog(spark, config), 128L << 20, 5);
    for (String t : List.of("customer_landing", "accelerometer_landing", "step_trainer_landing")) {
      spark.sql("DELETE FROM stedi." + t);
    }
    spark.sql("DROP TABLE IF EXISTS stedi.curation_runs");
  }

  /** A customer record; {@code consent} null: no research consent. */
  LandingRows customer(String email, String serial, long lastUpdate, Long consent) {
    return add("customer_landing", "'" + email.substring(0, email.indexOf('@')) + "', '" + email + "', '555', '1990-01-01', '"
        + serial + "', 50L, " + lastUpdate + "L, " + (consent == null ? "CAST(NULL AS BIGINT)" : consent + "L")
        + ", CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)");
  }

  /** A phone reading (y 0.5, z -0.5). */
  LandingRows accel(String user, long t, double x) {
    return add("accelerometer_landing", "'" + user + "', " + t + "L, " + x + "D, 0.5D, -0.5D");
  }

  /** A Step Trainer reading (distance 42). */
  LandingRows step(String serial, long t) {
    return add("step_trainer_landing", t + "L, '" + serial + "', 42");
  }

  void flush() {
    pending.forEach((table, rows) -> spark.sql("INSERT INTO stedi." + table + " VALUES " + String.join(", ", rows)));
    pending.clear();
  }

  private LandingRows add(String table, String values) {
    pending.computeIfAbsent(table, t -> new ArrayList<>()).add("(" + values + ", current_timestamp(), 'load', 'k"
        + (seq++) + "')");
    return this;
  }
}
