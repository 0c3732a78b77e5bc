package io.stedi.lakehouse.curation.jobs;

import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;

/**
 * "Is there anything new since the last complete run?", answered from the catalog alone, before a SparkSession
 * exists (starting Spark costs seconds): the landing tables' current snapshot ids against those the newest complete
 * run in {@code stedi.curation_runs} read, with the same options, and every output table still there. The same
 * question {@link CurationRunner} asks, so either answers alike; when nothing is new this records the
 * {@code no_change} run itself.
 */
public final class NoChangeCheck {
  private NoChangeCheck() {}

  /**
   * What the next run has to do, from the catalog alone.
   *
   * @param noChange the recorded no-change run, or null when there is something to do
   * @param workRows the size of the run's work: the readings appended since the last complete run when the run can
   *     be incremental (it reads them and the time ranges of the trusted tables they fall in), else every landing row
   */
  public record Preflight(RunReport noChange, long workRows) {}

  /**
   * The recorded no-change run when nothing is new (null when there is something to do, or no earlier run to compare
   * with), and the number of landing rows.
   */
  public static Preflight preflight(Catalog catalog, CurationConfig config) {
    Instant start = Instant.now();
    Map<String, Snapshot> current = new LinkedHashMap<>();
    boolean landingExists = true;
    for (Zone z : Zone.values()) {
      boolean exists = catalog.tableExists(LandingTables.id(z));
      landingExists &= exists;
      current.put(z.landingTable(), exists ? catalog.loadTable(LandingTables.id(z)).currentSnapshot() : null);
    }
    RunHistory history = new RunHistory(catalog);
    Record last = catalog.tableExists(RunHistory.ID) ? history.newestComplete() : null;
    if (last == null || !config.optionsText().equals(last.getField("options"))) {
      return new Preflight(null, totalRows(current.values()));
    }
    Map<String, Long> read = RunHistory.snapshots(last);
    Map<String, Long> ids = new LinkedHashMap<>();
    current.forEach((table, s) -> ids.put(table, s == null ? -1L : s.snapshotId()));
    if (!landingExists || !history.outputsExist()) {
      return new Preflight(null, totalRows(current.values()));
    }
    if (!read.equals(ids)) {
      long appended = config.get(CurationConfig.INCREMENTAL) ? IncrementalRun.appendedRows(catalog, config, read, ids) : -1;
      return new Preflight(null, appended >= 0 ? appended : totalRows(current.values()));
    }
    RunReport report = new RunReport(UUID.randomUUID().toString(), start, Instant.now(), config.optionsText(),
        "no_change", ids, Map.of(), Map.of(), List.of(), null);
    history.record(report);
    return new Preflight(report, 0);
  }

  private static long totalRows(Iterable<Snapshot> snapshots) {
    long total = 0;
    for (Snapshot s : snapshots) {
      total += rows(s);
    }
    return total;
  }

  /** Rows in a snapshot (its summary's records less position deletes; an estimate when equality deletes exist). */
  private static long rows(Snapshot s) {
    return s == null ? 0 : number(s, SnapshotSummary.TOTAL_RECORDS_PROP) - number(s, SnapshotSummary.TOTAL_POS_DELETES_PROP);
  }

  private static long number(Snapshot s, String property) {
    String v = s.summary().get(property);
    return v == null ? 0 : Long.parseLong(v);
  }
}
