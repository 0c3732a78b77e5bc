package io.stedi.lakehouse.curation.jobs;

import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.RecordAppender;
import io.stedi.lakehouse.table.Zone;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * "Is there anything new since the last complete run?", answered from the catalog alone, before a SparkSession
 * exists (starting Spark costs seconds): the landing tables' current snapshot ids against those the newest complete
 * run in {@code stedi.curation_runs} read, with the same options, and every output table still there. The same
 * question {@link CurationRunner} asks, so either answers alike; when nothing is new this records the
 * {@code no_change} run itself.
 */
public final class NoChangeCheck {
  private static final Set<String> COMPLETE = Set.of("ok", "no_change", "incremental");

  private NoChangeCheck() {}

  /** The recorded no-change run, or null when there is something to do (or no earlier run to compare with). */
  public static RunReport check(Catalog catalog, CurationConfig config) {
    Instant start = Instant.now();
    TableIdentifier runs = TableIdentifier.parse(RunHistory.TABLE);
    if (!catalog.tableExists(runs)) {
      return null;
    }
    for (CurationJob job : CurationJob.values()) {
      if (!catalog.tableExists(TableIdentifier.of(LandingTables.NAMESPACE, job.table()))) {
        return null;
      }
    }
    Map<String, Long> current = new LinkedHashMap<>();
    for (Zone z : Zone.values()) {
      if (!catalog.tableExists(LandingTables.id(z))) {
        return null;
      }
      Snapshot s = catalog.loadTable(LandingTables.id(z)).currentSnapshot();
      current.put(z.landingTable(), s == null ? -1L : s.snapshotId());
    }
    Table history = catalog.loadTable(runs);
    Record last = newestComplete(history);
    if (last == null || !config.optionsText().equals(last.getField("options"))) {
      return null;
    }
    Map<String, Long> read = new LinkedHashMap<>();
    ((Map<?, ?>) last.getField("source_snapshots")).forEach((k, v) -> read.put(k.toString(), (Long) v));
    if (!read.equals(current)) {
      return null;
    }
    RunReport report = new RunReport(UUID.randomUUID().toString(), start, Instant.now(), config.optionsText(),
        "no_change", current, Map.of(), Map.of(), List.of(), null);
    record(history, report);
    return report;
  }

  private static Record newestComplete(Table history) {
    Record newest = null;
    try (CloseableIterable<Record> rows = IcebergGenerics.read(history)
        .select("started_at", "options", "status", "source_snapshots").build()) {
      for (Record r : rows) {
        if (COMPLETE.contains(r.getField("status")) && (newest == null
            || ((OffsetDateTime) r.getField("started_at")).isAfter((OffsetDateTime) newest.getField("started_at")))) {
          newest = r.copy();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + history.name() + ": " + e.getMessage(), e);
    }
    return newest;
  }

  /** The run's row, as {@link RunHistory#record} writes it. */
  private static void record(Table history, RunReport r) {
    Record row = GenericRecord.create(history.schema());
    row.setField("run_id", r.runId());
    row.setField("started_at", OffsetDateTime.ofInstant(r.startedAt(), ZoneOffset.UTC));
    row.setField("ended_at", OffsetDateTime.ofInstant(r.endedAt(), ZoneOffset.UTC));
    row.setField("options", r.options());
    row.setField("status", r.status());
    row.setField("source_snapshots", r.sourceSnapshots());
    row.setField("rows_written", Map.of());
    row.setField("rows_dropped", Map.of());
    row.setField("quality", List.of());
    row.setField("error", null);
    RecordAppender.append(history, List.of(row), Map.of());
  }
}
