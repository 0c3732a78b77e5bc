package io.stedi.lakehouse.curation.jobs;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.spark.SparkCatalog;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the curation jobs in order on a given session, each replacing its table atomically (an Iceberg
 * {@code CREATE OR REPLACE TABLE ... AS SELECT} is one commit), then checks data quality and records the run
 * in {@code stedi.curation_runs}. When no landing table has a new snapshot since the last complete run with
 * the same options, nothing is recomputed.
 */
public final class CurationRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CurationRunner.class);

  private final SparkSession spark;
  private final CurationConfig config;

  public CurationRunner(SparkSession spark, CurationConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /** One run. Never throws for a failed job: the failure is recorded and returned with status failed. */
  public RunReport run() {
    String runId = UUID.randomUUID().toString();
    Instant start = Instant.now();
    RunHistory history = new RunHistory(icebergCatalog(spark, config.lakehouse()));
    Map<String, Long> sources = new LinkedHashMap<>();
    Map<String, Long> written = new LinkedHashMap<>();
    Map<String, Long> dropped = new LinkedHashMap<>();
    List<RunReport.QualityResult> quality = List.of();
    String status = "ok";
    String error = null;
    try {
      sources = landingSnapshots();
      Map<String, Long> previous = history.lastComplete(config.optionsText());
      IncrementalRun incremental = new IncrementalRun(spark, config);
      if (sources.equals(previous)) {
        LOG.info("curation run {}: no landing table changed since the last run, nothing to do", runId);
        status = "no_change";
      } else if (config.get(CurationConfig.INCREMENTAL) && incremental.possible(previous, sources)) {
        LOG.info("curation run {}: only readings were appended since the last run: incremental", runId);
        CustomerKey.register(spark, config);
        dropped = incremental.run(previous, sources);
        for (CurationJob job : CurationJob.values()) {
          written.put(job.table(), count(job.table()));
        }
        status = "incremental";
        quality = incremental.quality;
      } else {
        CustomerKey.register(spark, config);
        FullRun full = fullRun(runId);
        written = full.written();
        dropped = full.dropped();
        quality = full.quality();
      }
    } catch (RuntimeException e) {
      status = "failed";
      error = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(e.toString());
      LOG.error("curation run {} failed: {}", runId, error, e);
    }
    RunReport report = new RunReport(runId, start, Instant.now(), config.optionsText(), status, sources, written, dropped,
        quality, error);
    history.record(report);
    return report;
  }

  private record FullRun(Map<String, Long> written, Map<String, Long> dropped, List<RunReport.QualityResult> quality) {}

  /**
   * Rebuilds every table in job order. As soon as a table is built, its quality checks and drop counts start on a
   * second thread while the next job builds: they read only tables already built, and on a small run most of each
   * Spark job is driver-side planning on one thread, which leaves a core idle.
   */
  private FullRun fullRun(String runId) {
    Map<String, Long> written = new LinkedHashMap<>();
    QualityChecks checks = new QualityChecks(spark);
    DropCounter drops = new DropCounter(spark, config);
    TimeRanges ranges = new TimeRanges(icebergCatalog(spark, config.lakehouse()),
        spark.sessionState().conf().numShufflePartitions());
    ExecutorService second = Executors.newSingleThreadExecutor(r -> new Thread(r, "stedi-checks"));
    try {
      List<Future<List<RunReport.QualityResult>>> quality = new ArrayList<>();
      List<Future<Map<String, Long>>> dropped = new ArrayList<>();
      for (CurationJob job : CurationJob.values()) {
        long t0 = System.nanoTime();
        spark.sql(job.statement(config, ranges));
        written.put(job.table(), count(job.table()));
        LOG.info("curation run {}: {} rebuilt with {} rows in {} ms", runId, job.table(), written.get(job.table()),
            (System.nanoTime() - t0) / 1_000_000);
        Map<String, Long> soFar = Map.copyOf(written);
        quality.add(second.submit(() -> checks.run(job)));
        dropped.add(second.submit(() -> drops.count(job, soFar)));
      }
      long t0 = System.nanoTime();
      FullRun run = new FullRun(written, new LinkedHashMap<>(), new ArrayList<>());
      for (int i = 0; i < quality.size(); i++) {
        run.quality().addAll(quality.get(i).get());
        run.dropped().putAll(dropped.get(i).get());
      }
      LOG.info("curation run {}: waited {} ms for the last quality checks and drop counts", runId,
          (System.nanoTime() - t0) / 1_000_000);
      return run;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking the rebuilt tables", e);
    } finally {
      second.shutdownNow();
    }
  }

  /**
   * Rows in a table just rebuilt: its snapshot summary's {@code total-records} when no delete file can hide
   * rows from it (a rebuilt table has none), else a count query.
   */
  private long count(String table) {
    Table t = icebergCatalog(spark, config.lakehouse()).loadTable(TableIdentifier.of("stedi", table));
    t.refresh();
    Snapshot s = t.currentSnapshot();
    Map<String, String> summary = s == null ? Map.of() : s.summary();
    String total = summary.get(SnapshotSummary.TOTAL_RECORDS_PROP);
    if (s != null && total != null && "0".equals(summary.get(SnapshotSummary.TOTAL_DELETE_FILES_PROP))) {
      return Long.parseLong(total);
    }
    return spark.sql("SELECT count(*) FROM stedi." + table).first().getLong(0);
  }

  /** Current snapshot id of each landing table (creating missing ones empty), -1 when a table has none. */
  private Map<String, Long> landingSnapshots() {
    Catalog catalog = icebergCatalog(spark, config.lakehouse());
    Map<Zone, Table> tables = LandingTables.ensureAll(catalog, config.lakehouse().get(LakehouseConfig.TARGET_FILE_BYTES),
        config.lakehouse().get(LakehouseConfig.COMMIT_RETRIES));
    Map<String, Long> m = new LinkedHashMap<>();
    for (Map.Entry<Zone, Table> e : tables.entrySet()) {
      e.getValue().refresh();
      Snapshot s = e.getValue().currentSnapshot();
      m.put(e.getKey().landingTable(), s == null ? -1L : s.snapshotId());
    }
    return m;
  }

  /** The Iceberg catalog behind the session's default catalog. */
  static Catalog icebergCatalog(SparkSession spark, LakehouseConfig config) {
    return ((SparkCatalog) spark.sessionState().catalogManager().catalog(config.get(LakehouseConfig.CATALOG_NAME)))
        .icebergCatalog();
  }
}
