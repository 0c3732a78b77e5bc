package io.stedi.lakehouse.curation.maintain;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.curation.maintain.MaintenanceReport.TableResult;
import io.stedi.lakehouse.table.LandingTables;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.spark.SparkCatalog;
import org.apache.iceberg.spark.actions.SparkActions;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Table maintenance over every table in namespace {@code stedi} (landing, quarantine, trusted, curated and the
 * run-history tables): compaction of small files, manifest rewrite, snapshot expiry and orphan file removal
 * with Iceberg's Spark actions, each table's outcome recorded in {@code stedi.maintenance_runs}.
 *
 * <p>Safe to run while the gateway and curation write: see {@link TableMaintainer}.
 */
public final class MaintenanceJob {
  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceJob.class);

  private final SparkSession spark;
  private final CurationConfig config;
  private final Consumer<String> progress;

  /**
   * A job on {@code spark}, which must be a session on the lakehouse {@code config} describes.
   *
   * @param progress receives one line per step of long work (the CLI prints them on stderr)
   */
  public MaintenanceJob(SparkSession spark, CurationConfig config, Consumer<String> progress) {
    this.spark = spark;
    this.config = config;
    this.progress = progress;
  }

  /**
   * Maintains the given tables, or every table when {@code tables} is empty, and records the run unless it is
   * a dry run. A failure on one table is recorded and the other tables are still maintained.
   *
   * @param tables table names, with or without the {@code stedi.} prefix
   * @param dryRun report what would be done and change nothing (not even stedi.maintenance_runs)
   * @throws IllegalArgumentException when a named table does not exist
   */
  public MaintenanceReport run(Collection<String> tables, boolean dryRun) {
    String runId = UUID.randomUUID().toString();
    if (!dryRun) {
      MaintenanceRuns.ensure(spark);
    }
    Catalog catalog = icebergCatalog();
    List<String> names = select(existing(catalog), tables);
    MaintenanceSettings settings = MaintenanceSettings.from(config);
    TableMaintainer maintainer = new TableMaintainer(SparkActions.get(spark), settings, dryRun, runId, progress);
    progress.accept("maintenance run " + runId + (dryRun ? " (dry run)" : "") + ": " + names.size() + " tables");
    List<TableResult> results = new ArrayList<>();
    for (String name : names) {
      String qualified = LandingTables.NAMESPACE.level(0) + "." + name;
      Instant start = Instant.now();
      try {
        Table table = catalog.loadTable(TableIdentifier.of(LandingTables.NAMESPACE, name));
        results.add(maintainer.maintain(qualified, table));
      } catch (RuntimeException e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(e.toString());
        LOG.warn("maintenance of {} failed: {}", qualified, msg, e);
        results.add(new TableResult(qualified, start, Instant.now(), 0, 0, 0, 0, 0, 0, 0, 0, 0,
            MaintenanceReport.FAILED, msg));
      }
    }
    MaintenanceReport report = new MaintenanceReport(runId, dryRun, results);
    if (!dryRun) {
      MaintenanceRuns.record(spark, report);
    }
    return report;
  }

  /** When the last recorded maintenance run finished (any process), if any; {@code curate --every} uses it. */
  public static Optional<Instant> lastRun(SparkSession spark) {
    return MaintenanceRuns.lastFinished(spark);
  }

  private Catalog icebergCatalog() {
    return ((SparkCatalog) spark.sessionState().catalogManager()
        .catalog(config.lakehouse().get(LakehouseConfig.CATALOG_NAME))).icebergCatalog();
  }

  private static TreeSet<String> existing(Catalog catalog) {
    TreeSet<String> names = new TreeSet<>();
    try {
      for (TableIdentifier id : catalog.listTables(LandingTables.NAMESPACE)) {
        names.add(id.name());
      }
    } catch (NoSuchNamespaceException e) {
      // nothing was ever written: no tables to maintain
    }
    return names;
  }

  /** The requested tables (all when none were named), failing on a name that does not exist. */
  static List<String> select(TreeSet<String> existing, Collection<String> requested) {
    if (requested == null || requested.isEmpty()) {
      return new ArrayList<>(existing);
    }
    List<String> out = new ArrayList<>();
    String prefix = LandingTables.NAMESPACE.level(0) + ".";
    for (String r : requested) {
      String n = r.trim().startsWith(prefix) ? r.trim().substring(prefix.length()) : r.trim();
      if (!existing.contains(n)) {
        throw new IllegalArgumentException("--table " + r + ": no table " + prefix + n + " (tables: "
            + (existing.isEmpty() ? "none" : String.join(", ", existing)) + ")");
      }
      if (!out.contains(n)) {
        out.add(n);
      }
    }
    return out;
  }
}
