package io.stedi.lakehouse.curation.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.curation.SparkTestBase;
import io.stedi.lakehouse.curation.config.CurationConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The time ranges that replace a global sort: the partition keys against Spark's own hash partitioning, the
 * quantile estimate from file bounds, and the data files of a full run, which must cover disjoint, ascending
 * stretches of time with their rows in time order.
 */
class TimeRangesTest extends SparkTestBase {

  @Test
  void eachKeyLandsInItsOwnPartitionUnderSparksHashPartitioning() {
    for (int n : new int[] {1, 2, 4, 7, 200}) {
      int[] keys = TimeRanges.partitionKeys(n);
      List<Row> rows = spark.createDataset(toList(keys), org.apache.spark.sql.Encoders.INT()).toDF("key")
          .repartition(n, org.apache.spark.sql.functions.col("key"))
          .selectExpr("key", "spark_partition_id() AS p").collectAsList();
      assertThat(rows).hasSize(n);
      for (Row r : rows) {
        assertThat(keys[r.getInt(1)]).as("key in partition %d of %d", r.getInt(1), n).isEqualTo(r.getInt(0));
      }
    }
  }

  @Test
  void boundariesSplitTheRowsEvenlyFromFileBounds() {
    // two files over 0..999 and 1000..1999, 1000 rows each: quartiles near 500, 1000, 1500
    assertThat(TimeRanges.boundaries(List.of(new long[] {0, 999, 1000}, new long[] {1000, 1999, 1000}), 4))
        .containsExactly(500, 1000, 1500);
    // skew: most rows in a narrow file, a few spread far; the ranges follow the rows, not the span
    long[] skewed = TimeRanges.boundaries(List.of(new long[] {0, 1_000_000, 100}, new long[] {500_000, 500_099, 9900}), 2);
    assertThat(skewed).hasSize(1);
    assertThat(skewed[0]).isBetween(500_000L, 500_099L);
    // nothing to split
    assertThat(TimeRanges.boundaries(List.of(), 4)).isEmpty();
    assertThat(TimeRanges.boundaries(List.of(new long[] {7, 7, 1000}), 4)).isEmpty();
    assertThat(TimeRanges.boundaries(List.of(new long[] {0, 99, 100}), 1)).isEmpty();
  }

  @Test
  void withoutBoundsTheTimeItselfIsTheKey() {
    assertThat(TimeRanges.expression("a.timestamp", new long[0], TimeRanges.partitionKeys(4))).isEqualTo("a.timestamp");
    int[] k = TimeRanges.partitionKeys(2);
    assertThat(TimeRanges.expression("t", new long[] {5}, k))
        .isEqualTo("CASE WHEN t < 5 THEN " + k[0] + " ELSE " + k[1] + " END");
    TimeRanges ranges = new TimeRanges(CurationRunner.icebergCatalog(spark, config), 4);
    assertThatThrownBy(() -> ranges.fill("SELECT ${time_range(customer_trusted, t)}"))
        .hasMessageContaining("not a landing table");
  }

  @Test
  void aFullRunWritesOneStretchOfTimePerFileInTimeOrder() {
    LandingRows.reset(spark, config);
    LandingRows rows = new LandingRows(spark);
    rows.customer("alice@x.com", "S-A", 100, 1L);
    // two landing commits (two data files), the second's times first, so that landing order is not time order;
    // and exact duplicates, one of them -0.0 against 0.0, which count once as DISTINCT counted them
    for (int batch = 1; batch >= 0; batch--) {
      for (long t = batch * 1000L + 999; t >= batch * 1000L; t--) {
        rows.accel("alice@x.com", t, t % 3);
        rows.step("S-A", t);
      }
      rows.flush();
    }
    rows.accel("alice@x.com", 10, 1).accel("alice@x.com", 11, -0.0).accel("alice@x.com", 11, 0.0).step("S-A", 10);
    rows.flush();
    // as at tens of millions of rows: no partitions merged, and joins shuffled instead of broadcast (a shuffled join
    // scatters time over its tasks, which the tables' own time-range shuffle must undo)
    spark.conf().set("spark.sql.adaptive.coalescePartitions.enabled", "false");
    spark.conf().set("spark.sql.autoBroadcastJoinThreshold", "-1");
    try {
      CurationConfig c = CurationConfig.embedded(config.home(), Map.of("curation.customer-key-secret",
          "test-secret-of-at-least-16", "curation.incremental", "false"));
      RunReport r = new CurationRunner(spark, c).run();
      assertThat(r.error()).isNull();
    } finally {
      spark.conf().unset("spark.sql.adaptive.coalescePartitions.enabled");
      spark.conf().unset("spark.sql.autoBroadcastJoinThreshold");
    }
    assertThat(sql("SELECT count(*), count(DISTINCT timestamp) FROM stedi.accelerometer_trusted"))
        .containsExactly(row(2001L, 2000L));
    assertThat(sql("SELECT x FROM stedi.accelerometer_trusted WHERE timestamp = 11"))
        .containsExactlyInAnyOrder(row(2.0), row(0.0));
    assertThat(sql("SELECT count(*) FROM stedi.step_trainer_trusted")).containsExactly(row(2000L));
    assertThat(sql("SELECT count(*) FROM stedi.machine_learning_curated")).containsExactly(row(2001L));
    assertStretches("accelerometer_trusted", "timestamp", 3);
    assertStretches("step_trainer_trusted", "sensorReadingTime", 3);
    assertStretches("machine_learning_curated", "sensorReadingTime", 3);
  }

  /** At least {@code minFiles} data files, disjoint ascending time ranges, and each file's rows in time order. */
  private static void assertStretches(String table, String time, int minFiles) {
    List<Row> files = sql("SELECT readable_metrics." + time + ".lower_bound, readable_metrics." + time
        + ".upper_bound FROM stedi." + table + ".files ORDER BY 1");
    assertThat(files).as(table + " data files").hasSizeGreaterThanOrEqualTo(minFiles);
    for (int i = 1; i < files.size(); i++) {
      assertThat(files.get(i).getLong(0)).as(table + " file %d starts after file %d ends", i, i - 1)
          .isGreaterThan(files.get(i - 1).getLong(1));
    }
    assertThat(sql("SELECT count(*) FROM (SELECT " + time + " < lag(" + time + ") OVER (PARTITION BY _file ORDER BY _pos)"
        + " AS back FROM stedi." + table + ") WHERE back")).as(table + " rows out of time order").containsExactly(row(0L));
  }

  private static List<Integer> toList(int[] keys) {
    List<Integer> l = new ArrayList<>();
    for (int k : keys) {
      l.add(k);
    }
    return l;
  }
}
