package io.stedi.lakehouse.curation.jobs;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
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
    if (appendedRows(CurationRunner.icebergCatalog(spark, config.lakehouse()), config, previous, current) < 0) {
      return false;
    }
    if (spark.catalog().tableExists("stedi.machine_learning_curated")
        && !java.util.Arrays.asList(spark.table("stedi.machine_learning_curated").columns()).contains("deviceKey")) {
      LOG.info("machine_learning_curated was built by a version that kept raw serial numbers: full run");
      return false;
    }
    return true;
  }

  /**
   * The rows appended to the reading tables from the {@code previous} to the {@code current} snapshots when, as far as
   * the catalog tells, the change can be processed incrementally; -1 when it needs a full run. Needs no SparkSession:
   * the preflight sizes a run's work with it.
   */
  static long appendedRows(Catalog catalog, CurationConfig config, Map<String, Long> previous, Map<String, Long> current) {
    if (previous == null || !previous.keySet().equals(current.keySet())) {
      LOG.info("no complete earlier run with these options: full run");
      return -1;
    }
    if (config.mlToleranceMillis() > 0) {
      // a new phone reading may be nearer to an old step reading than the partner it has: pairs would have to
      // be replaced, not only added
      LOG.info("machine_learning_curated pairs nearest readings (ml-tolerance): full run");
      return -1;
    }
    for (Zone z : Zone.values()) {
      if (z.registration() && !previous.get(z.landingTable()).equals(current.get(z.landingTable()))) {
        LOG.info("{} changed since the last run (consent may have changed): full run", z.landingTable());
        return -1;
      }
    }
    long appended = 0;
    for (Zone z : readingZones()) {
      long prev = previous.get(z.landingTable());
      long cur = current.get(z.landingTable());
      if (prev == cur) {
        continue;
      }
      if (prev < 0) {
        LOG.info("{} was empty at the last run: full run", z.landingTable());
        return -1;
      }
      Table t = catalog.loadTable(LandingTables.id(z));
      if (!SnapshotUtil.isAncestorOf(t, cur, prev)) {
        LOG.info("{}: the last run's snapshot {} is no longer an ancestor: full run", z.landingTable(), prev);
        return -1;
      }
      for (Snapshot s : SnapshotUtil.ancestorsBetween(cur, prev, t::snapshot)) {
        if (!APPEND_ONLY.contains(s.operation())) {
          LOG.info("{} had a {} since the last run: full run", z.landingTable(), s.operation());
          return -1;
        }
        appended += Long.parseLong(s.summary().getOrDefault(SnapshotSummary.ADDED_RECORDS_PROP, "0"));
      }
    }
    return appended;
  }

  /** The zones of readings, which only ever grow; a registration zone's change (consent) means a full run. */
  private static List<Zone> readingZones() {
    return Zone.values().stream().filter(z -> !z.registration()).toList();
  }

  /** The data-quality results of the last {@link #run} (checked on the rows it added). */
  List<RunReport.QualityResult> quality = List.of();

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
    // The drop counts and quality checks read only what is already built: a second thread runs them while the next
    // statements build, as in a full run (most of a small Spark job is planning on one thread, which leaves a core
    // idle). The executor runs them in order, so a check finds the count submitted before it done.
    ExecutorService second = Executors.newSingleThreadExecutor(r -> new Thread(r, "stedi-checks"));
    try {
      DropCounter counter = new DropCounter(spark, config);
      QualityChecks checks = new QualityChecks(spark, INCREMENTS);
      Future<long[]> accelDrops = second.submit(() -> counter.accelerometer("new_accelerometer_landing"));
      List<Future<List<RunReport.QualityResult>>> results = new ArrayList<>();
      results.add(second.submit(() -> checks.run(CurationJob.CUSTOMER_TRUSTED))); // unchanged, checked as before
      Future<Long> accelTrusted = null;
      Future<long[]> stepDrops = null;
      Future<Long> stepTrustedOfNew = null;
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
          String view = INCREMENTS.get(job.table());
          if (view == null || !statement.startsWith("CACHE TABLE " + view + " ")) {
            continue;
          }
          Future<Long> rows = second.submit(() -> one("SELECT count(*) FROM " + view));
          if (job == CurationJob.ACCELEROMETER_TRUSTED) {
            timeBounds(bounds, "new_accel", view, job.timeColumn());
            accelTrusted = rows;
          } else if (job == CurationJob.STEP_TRAINER_TRUSTED) {
            timeBounds(bounds, "new_step", view, job.timeColumn());
            // customers_curated, which these read, got this run's new customers in the job before
            stepDrops = second.submit(() -> counter.stepTrainer("new_step_trainer_landing"));
            stepTrustedOfNew = second.submit(() -> one("SELECT count(*) FROM new_step_trainer_trusted s WHERE EXISTS"
                + " (SELECT 1 FROM new_step_trainer_landing l WHERE l.sensorReadingTime = s.sensorReadingTime"
                + " AND l.serialNumber = s.serialNumber)"));
          }
          // Deequ fails every check of an empty relation ("Empty state for analyzer"): a table that got no new rows
          // is not checked, or a run with only readings of unknown devices would report errors
          results.add(second.submit(() -> rows.get() > 0 ? checks.run(job) : List.of()));
        }
      }
      Map<String, Long> d = new LinkedHashMap<>();
      long[] accel = accelDrops.get();
      d.put("accelerometer_trusted.unknown_customer", accel[1]);
      d.put("accelerometer_trusted.before_consent", accel[0] - accel[1] - accelTrusted.get());
      long[] step = stepDrops.get();
      d.put("step_trainer_trusted.unknown_customer", step[1]);
      d.put("step_trainer_trusted.before_consent", Math.max(0, step[0] - step[1] - stepTrustedOfNew.get()));
      List<RunReport.QualityResult> q = new ArrayList<>();
      for (Future<List<RunReport.QualityResult>> f : results) {
        q.addAll(f.get());
      }
      quality = q;
      return d;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while counting and checking the new rows", e);
    } finally {
      second.shutdownNow();
      dropViews();
    }
  }

  /** The reading tables' views of the rows a run adds, which stand in for the tables in its quality checks. */
  private static final Map<String, String> INCREMENTS = Map.of("accelerometer_trusted", "new_accelerometer_trusted",
      "step_trainer_trusted", "new_step_trainer_trusted", "machine_learning_curated", "new_machine_learning_curated");

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
