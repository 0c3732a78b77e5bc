package io.stedi.lakehouse.curation.jobs;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.RecordAppender;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * {@code stedi.curation_runs}: one row per run, and the question "did anything change since the last run?".
 * Read and written through the Iceberg catalog, not through Spark SQL: the no-change check asks it before a
 * SparkSession exists, and a run saves two Spark jobs (seconds on a small run) by doing the same.
 */
final class RunHistory {
  static final String TABLE = "stedi.curation_runs";
  static final TableIdentifier ID = TableIdentifier.parse(TABLE);
  private static final Set<String> COMPLETE = Set.of("ok", "no_change", "incremental");
  private static final Types.StructType QUALITY = Types.StructType.of(
      optional(17, "table_name", Types.StringType.get()), optional(18, "check", Types.StringType.get()),
      optional(19, "level", Types.StringType.get()), optional(20, "status", Types.StringType.get()),
      optional(21, "message", Types.StringType.get()));
  /** The table's schema (the same columns the Spark DDL of earlier versions created). */
  static final Schema SCHEMA = new Schema(
      required(1, "run_id", Types.StringType.get()),
      optional(2, "started_at", Types.TimestampType.withZone()),
      optional(3, "ended_at", Types.TimestampType.withZone()),
      optional(4, "options", Types.StringType.get()),
      optional(5, "status", Types.StringType.get()),
      optional(6, "source_snapshots", Types.MapType.ofOptional(7, 8, Types.StringType.get(), Types.LongType.get())),
      optional(9, "rows_written", Types.MapType.ofOptional(10, 11, Types.StringType.get(), Types.LongType.get())),
      optional(12, "rows_dropped", Types.MapType.ofOptional(13, 14, Types.StringType.get(), Types.LongType.get())),
      optional(15, "quality", Types.ListType.ofOptional(16, QUALITY)),
      optional(22, "error", Types.StringType.get()));

  private final Catalog catalog;

  RunHistory(Catalog catalog) {
    this.catalog = catalog;
  }

  /** The history table, created empty if missing (by this run or a concurrent one). */
  Table table() {
    if (!catalog.tableExists(ID)) {
      try {
        catalog.buildTable(ID, SCHEMA).withProperty("format-version", "2").create();
      } catch (AlreadyExistsException e) {
        // created by another run in between: the same table
      }
    }
    return catalog.loadTable(ID);
  }

  /**
   * The landing snapshots the last complete run read, if it had these options and its outputs still exist;
   * null otherwise (then the next run must be a full one).
   */
  Map<String, Long> lastComplete(String options) {
    Record last = catalog.tableExists(ID) ? newestComplete() : null;
    if (last == null || !options.equals(last.getField("options")) || !outputsExist()) {
      return null;
    }
    return snapshots(last);
  }

  /** The newest run with a complete status, or null. */
  Record newestComplete() {
    Record newest = null;
    Table history = catalog.loadTable(ID);
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

  /** The source snapshots a run row read. */
  static Map<String, Long> snapshots(Record run) {
    Map<String, Long> read = new LinkedHashMap<>();
    ((Map<?, ?>) run.getField("source_snapshots")).forEach((k, v) -> read.put(k.toString(), (Long) v));
    return read;
  }

  /** Whether every curated table exists. */
  boolean outputsExist() {
    for (CurationJob job : CurationJob.values()) {
      if (!catalog.tableExists(TableIdentifier.of(LandingTables.NAMESPACE, job.table()))) {
        return false;
      }
    }
    return true;
  }

  /** Appends the run's row (one commit). */
  void record(RunReport r) {
    Table history = table();
    Record row = GenericRecord.create(history.schema());
    row.setField("run_id", r.runId());
    row.setField("started_at", OffsetDateTime.ofInstant(r.startedAt(), ZoneOffset.UTC));
    row.setField("ended_at", OffsetDateTime.ofInstant(r.endedAt(), ZoneOffset.UTC));
    row.setField("options", r.options());
    row.setField("status", r.status());
    row.setField("source_snapshots", new LinkedHashMap<>(r.sourceSnapshots()));
    row.setField("rows_written", new LinkedHashMap<>(r.rowsWritten()));
    row.setField("rows_dropped", new LinkedHashMap<>(r.rowsDropped()));
    Types.StructType quality = (Types.StructType) history.schema().findType("quality.element");
    List<Record> checks = new ArrayList<>();
    for (RunReport.QualityResult q : r.quality()) {
      Record c = GenericRecord.create(quality);
      c.setField("table_name", q.table());
      c.setField("check", q.check());
      c.setField("level", q.level());
      c.setField("status", q.status());
      c.setField("message", q.message());
      checks.add(c);
    }
    row.setField("quality", checks);
    row.setField("error", r.error());
    RecordAppender.append(history, List.of(row), Map.of());
  }
}
