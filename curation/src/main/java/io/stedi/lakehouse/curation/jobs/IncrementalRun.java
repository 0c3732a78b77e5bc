package io.stedi.lakehouse.curation.jobs;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The incremental path: when customer_landing did not change since the last complete run and the reading
 * tables only received appends, only the appended readings are processed (sql/incremental/*.sql). A consent
 * change, a deletion (erasure) or changed options make the run a full one instead.
 */
final class IncrementalRun {
  private static final Logger LOG = LoggerFactory.getLogger(IncrementalRun.class);
  private static final Set<String> APPEND_ONLY = Set.of("append", "replace");

  private final SparkSession spark;
  private final CurationConfig config;

  IncrementalRun(SparkSession spark, CurationConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /** Whether the change from {@code previous} to {@code current} snapshots can be processed incrementally. */
  boolean possible(Map<String, Long> previous, Map<String, Long> current) {
    if (previous == null || !previous.keySet().equals(current.keySet())) {
      LOG.info("no complete earlier run with these options: full run");
      return false;
    }
    if (config.mlToleranceMillis() > 0) {
      // a new phone reading may be nearer to an old step reading than the partner it has: pairs would have to
      // be replaced, not only added
      LOG.info("machine_learning_curated pairs nearest readings (ml-tolerance): full run");
      return false;
    }
    for (Zone z : Zone.values()) {
      if (z.registration() && !previous.get(z.landingTable()).equals(current.get(z.landingTable()))) {
        LOG.info("{} changed since the last run (consent may have changed): full run", z.landingTable());
        return false;
      }
    }
    if (spark.catalog().tableExists("stedi.machine_learning_curated")
        && !java.util.Arrays.asList(spark.table("stedi.machine_learning_curated").columns()).contains("deviceKey")) {
      LOG.info("machine_learning_curated was built by a version that kept raw serial numbers: full run");
      return false;
    }
    Catalog catalog = CurationRunner.icebergCatalog(spark, config.lakehouse());
    for (Zone z : readingZones()) {
      long prev = previous.get(z.landingTable());
      long cur = current.get(z.landingTable());
      if (prev == cur) {
        continue;
      }
      if (prev < 0) {
        LOG.info("{} was empty at the last run: full run", z.landingTable());
        return false;
      }
      Table t = catalog.loadTable(LandingTables.id(z));
      if (!SnapshotUtil.isAncestorOf(t, cur, prev)) {
        LOG.info("{}: the last run's snapshot {} is no longer an ancestor: full run", z.landingTable(), prev);
        return false;
      }
      for (Snapshot s : SnapshotUtil.ancestorsBetween(cur, prev, t::snapshot)) {
        if (!APPEND_ONLY.contains(s.operation())) {
          LOG.info("{} had a {} since the last run: full run", z.landingTable(), s.operation());
          return false;
        }
      }
    }
    return true;
  }

  /** The zones of readings, which only ever grow; a registration zone's change (consent) means a full run. */
  private static java.util.List<Zone> readingZones() {
    return Zone.values().stream().filter(z -> !z.registration()).toList();
  }

  /** The data-quality results of the last {@link #run} (checked on the rows it added). */
  java.util.List<RunReport.QualityResult> quality = java.util.List.of();

  /** Processes the appended readings; returns the rows each reading rule left out of them. */
  Map<String, Long> run(Map<String, Long> previous, Map<String, Long> current) {
    dropViews(); // left over if an earlier run in this session failed half-way
    String catalogName = config.lakehouse().get(LakehouseConfig.CATALOG_NAME);
    for (Zone z : readingZones()) {
      String view = "new_" + z.landingTable();
      long prev = previous.get(z.landingTable());
      long cur = current.get(z.landingTable());
      if (prev == cur) {
        spark.sql("CREATE OR REPLACE TEMPORARY VIEW " + view + " AS SELECT * FROM stedi." + z.landingTable() + " WHERE false");
      } else {
        spark.read().format("iceberg").option("start-snapshot-id", Long.toString(prev))
            .option("end-snapshot-id", Long.toString(cur)).load(catalogName + ".stedi." + z.landingTable())
            .createOrReplaceTempView(view);
      }
    }
    Map<String, String> bounds = new LinkedHashMap<>();
    for (CurationJob job : CurationJob.values()) {
      if (job == CurationJob.CUSTOMER_TRUSTED) {
        continue; // customers did not change
      }
      for (String statement : statements(job)) {
        String sql = statement;
        for (Map.Entry<String, String> b : bounds.entrySet()) {
          sql = sql.replace("${" + b.getKey() + "}", b.getValue());
        }
        spark.sql(sql);
        if (statement.startsWith("CACHE TABLE new_accelerometer_trusted")) {
          timeBounds(bounds, "new_accel", "new_accelerometer_trusted", "timestamp");
        } else if (statement.startsWith("CACHE TABLE new_step_trainer_trusted")) {
          timeBounds(bounds, "new_step", "new_step_trainer_trusted", "sensorReadingTime");
        }
      }
    }
    Map<String, Long> d = new LinkedHashMap<>();
    DropCounter counter = new DropCounter(spark, config);
    long[] accelCounts = counter.accelerometer("new_accelerometer_landing");
    long newAccel = accelCounts[0];
    long accelUnknown = accelCounts[1];
    d.put("accelerometer_trusted.unknown_customer", accelUnknown);
    d.put("accelerometer_trusted.before_consent", newAccel - accelUnknown - one("SELECT count(*) FROM new_accelerometer_trusted"));
    long[] stepCounts = counter.stepTrainer("new_step_trainer_landing");
    long newSteps = stepCounts[0];
    long stepUnknown = stepCounts[1];
    d.put("step_trainer_trusted.unknown_customer", stepUnknown);
    d.put("step_trainer_trusted.before_consent", Math.max(0, newSteps - stepUnknown - one("SELECT count(*) FROM"
        + " new_step_trainer_trusted s WHERE EXISTS (SELECT 1 FROM new_step_trainer_landing l WHERE"
        + " l.sensorReadingTime = s.sensorReadingTime AND l.serialNumber = s.serialNumber)")));
    quality = new QualityChecks(spark, Map.of("accelerometer_trusted", "new_accelerometer_trusted",
        "step_trainer_trusted", "new_step_trainer_trusted", "machine_learning_curated", "new_machine_learning_curated"))
        .run();
    dropViews();
    return d;
  }

  private static final String[] CACHED = {"new_accelerometer_trusted", "newly_curated", "new_step_trainer_trusted",
      "new_machine_learning_curated"};

  /** Releases this run's cached views, so the next run (same session, e.g. --every) starts clean. */
  private void dropViews() {
    for (String v : CACHED) {
      spark.catalog().dropTempView(v); // also drops its cached data
    }
  }

  /**
   * The time range of the new rows, as literals for the statements that read the big tables. No new rows: an empty
   * range from the largest to the smallest time, which also leaves the other side's range alone where the two are
   * combined with least() and greatest() (0..-1 did not: least(0, t) made machine_learning_curated's anti join read
   * the whole table whenever one side had nothing new). The smallest is Long.MIN_VALUE + 1, whose literal is a
   * BIGINT (Long.MIN_VALUE's would be a DECIMAL).
   */
  private void timeBounds(Map<String, String> bounds, String prefix, String view, String column) {
    org.apache.spark.sql.Row r = spark.sql("SELECT min(" + column + "), max(" + column + ") FROM " + view).first();
    bounds.put(prefix + "_min", Long.toString(r.isNullAt(0) ? Long.MAX_VALUE : r.getLong(0)));
    bounds.put(prefix + "_max", Long.toString(r.isNullAt(1) ? Long.MIN_VALUE + 1 : r.getLong(1)));
  }

  private long one(String sql) {
    return spark.sql(sql).first().getLong(0);
  }

  private String[] statements(CurationJob job) {
    // the files hold a few statements separated by ';' at a line end (no ';' inside literals)
    return java.util.Arrays.stream(job.incrementalSql(config).split(";\\s*\\n")).map(String::strip)
        .filter(s -> !s.isEmpty()).map(IncrementalRun::stripComments).filter(s -> !s.isBlank()).toArray(String[]::new);
  }

  private static String stripComments(String s) {
    StringBuilder b = new StringBuilder();
    for (String line : s.split("\n")) {
      if (!line.strip().startsWith("--")) {
        b.append(line).append('\n');
      }
    }
    return b.toString().strip();
  }
}
