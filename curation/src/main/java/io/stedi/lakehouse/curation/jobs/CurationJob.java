package io.stedi.lakehouse.curation.jobs;

import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.table.Zone;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** The curation jobs, in the order they run; each writes one table from its own SQL file. */
public enum CurationJob {
  CUSTOMER_TRUSTED("customer_trusted", Zone.CUSTOMER),
  ACCELEROMETER_TRUSTED("accelerometer_trusted", Zone.ACCELEROMETER),
  CUSTOMERS_CURATED("customers_curated", Zone.CUSTOMER),
  STEP_TRAINER_TRUSTED("step_trainer_trusted", Zone.STEP_TRAINER),
  MACHINE_LEARNING_CURATED("machine_learning_curated", null);

  private final String table;
  private final Zone source;

  CurationJob(String table, Zone source) {
    this.table = table;
    this.source = source;
  }

  /**
   * The landing zone whose records (a subset of them, same columns) this table holds, or null for a table that
   * joins zones. Erasure, identity resolution and quality checks read the zone's descriptor for such a table.
   */
  public Zone source() {
    return source;
  }

  /**
   * The column this table's rows are written in order of, so that each data file covers one stretch of time and
   * incremental runs read only the files (and Parquet row groups) they need; null for a table in no order. Maintenance
   * keeps that order when it compacts.
   */
  public String timeColumn() {
    if (this == MACHINE_LEARNING_CURATED) {
      return "sensorReadingTime";
    }
    return source.registration() ? null : source.eventTimeColumn();
  }

  /** The job that writes {@code table} (a name inside namespace {@code stedi}), if one does. */
  public static java.util.Optional<CurationJob> writing(String table) {
    return java.util.Arrays.stream(values()).filter(j -> j.table.equals(table)).findFirst();
  }

  /** The table name inside namespace {@code stedi}. */
  public String table() {
    return table;
  }

  /** The statement of {@code sql/<table>.sql} with the run's options and the time ranges filled in. */
  String statement(CurationConfig config, TimeRanges ranges) {
    return ranges.fill(sql("/sql/" + table + ".sql", config));
  }

  /** The text of {@code sql/incremental/<table>.sql} (several statements) with the run's options filled in. */
  String incrementalSql(CurationConfig config) {
    return sql("/sql/incremental/" + table + ".sql", config);
  }

  private static String sql(String path, CurationConfig config) {
    try (InputStream in = CurationJob.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing " + path);
      }
      String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return sql.replace("${consent_window}",
              Boolean.toString(config.get(CurationConfig.CONSENT) == CurationConfig.Consent.WINDOW))
          .replace("${ml_join}", config.get(CurationConfig.ML_JOIN).name().toLowerCase(Locale.ROOT))
          .replace("${ml_tolerance_ms}", Long.toString(config.mlToleranceMillis()))
          // time buckets of the tolerance's width: a partner within it is in the reading's bucket or a neighbour
          .replace("${ml_bucket_ms}", Long.toString(Math.max(1, config.mlToleranceMillis())))
          .replace("${ml_neighbour_buckets}", config.mlToleranceMillis() == 0 ? "0" : "1");
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + path, e);
    }
  }
}
