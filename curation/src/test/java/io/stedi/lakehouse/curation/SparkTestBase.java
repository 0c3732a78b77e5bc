package io.stedi.lakehouse.curation;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.spark.SparkSessionFactory;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of Spark tests: ONE local[2] session per test class (a session costs seconds and ~0.7 GB), on a
 * fresh embedded lakehouse (SQLite catalog and warehouse) in a temporary {@code stedi.home}.
 *
 * <p>Compare results with {@code assertThat(sql("SELECT ...")).containsExactlyInAnyOrder(row(1, "a"))}:
 * values must have Spark's Java types (int column: Integer, bigint: Long, string: String).
 */
public abstract class SparkTestBase {
  @TempDir
  protected static Path tempDir;

  /** The lakehouse of this test class: {@code LakehouseConfig.embedded(tempDir/stedi-home)}. */
  protected static LakehouseConfig config;

  /** The session shared by every test of the class. */
  protected static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    config = LakehouseConfig.embedded(tempDir.resolve("stedi-home"));
    spark = SparkSessionFactory.create(config, "local[2]");
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  /** The lakehouse home folder of this test class. */
  protected static Path home() {
    return config.home();
  }

  /**
   * Runs a statement and collects its rows.
   *
   * @param query Spark SQL; {@code ?} markers are bound to {@code args} in order (Spark positional parameters)
   */
  protected static List<Row> sql(String query, Object... args) {
    return (args.length == 0 ? spark.sql(query) : spark.sql(query, args)).collectAsList();
  }

  /** A row to compare with collected rows. */
  protected static Row row(Object... values) {
    return RowFactory.create(values);
  }
}
