package io.stedi.lakehouse.report;

import io.stedi.lakehouse.table.LandingTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * What {@code bin/stedi report} shows, read from the catalog alone (snapshot summaries and history, and the
 * small record tables), so it needs no Spark. It holds no identity: the records tables hold none, erasure
 * receipts are counted, quarantine rows are counted by reason.
 */
public record ReportData(Instant generatedAt, List<TableRow> tables, List<Landed> landed, List<CurationRun> curationRuns,
    List<MaintenanceRun> maintenanceRuns, Map<String, Long> receiptsByStatus, Map<String, Long> rowsErased,
    Map<String, Long> quarantineByReason) {

  /** One table: its zone, rows (current snapshot, deleted rows subtracted), files, bytes and last commit. */
  public record TableRow(String zone, String name, long rows, long files, long bytes, Instant lastCommit) {}

  /** Rows a landing table received in one commit. */
  public record Landed(String table, Instant at, long rows) {}

  /** A curation run: when, how long, how, and what each rule dropped and each check said. */
  public record CurationRun(Instant startedAt, Instant endedAt, String options, String status, Map<String, Long> written,
      Map<String, Long> dropped, List<Check> quality) {}

  /** One data-quality check's outcome. */
  public record Check(String table, String check, String level, String status) {}

  /** One table's maintenance in one run. */
  public record MaintenanceRun(Instant startedAt, Instant finishedAt, String table, long filesBefore, long filesAfter,
      long snapshotsExpired, String status) {}

  private static final Namespace NS = LandingTables.NAMESPACE;

  /** Reads everything from {@code catalog}; the runs lists hold the {@code lastRuns} most recent, newest first. */
  public static ReportData read(Catalog catalog, int lastRuns) {
    List<TableRow> tables = new ArrayList<>();
    List<Landed> landed = new ArrayList<>();
    Map<String, Table> byName = new TreeMap<>();
    if (!(catalog instanceof SupportsNamespaces n) || n.namespaceExists(NS)) {
      for (TableIdentifier id : catalog.listTables(NS)) {
        byName.put(id.name(), catalog.loadTable(id));
      }
    }
    for (Map.Entry<String, Table> e : byName.entrySet()) {
      Table t = e.getValue();
      Snapshot s = t.currentSnapshot();
      Map<String, String> sum = s == null ? Map.of() : s.summary();
      long rows = number(sum, SnapshotSummary.TOTAL_RECORDS_PROP) - number(sum, SnapshotSummary.TOTAL_POS_DELETES_PROP)
          - number(sum, SnapshotSummary.TOTAL_EQ_DELETES_PROP);
      tables.add(new TableRow(zone(e.getKey()), e.getKey(), rows, number(sum, SnapshotSummary.TOTAL_DATA_FILES_PROP),
          number(sum, SnapshotSummary.TOTAL_FILE_SIZE_PROP), s == null ? null : Instant.ofEpochMilli(s.timestampMillis())));
      if (e.getKey().endsWith("_landing")) {
        for (Snapshot h : t.snapshots()) {
          long added = number(h.summary(), SnapshotSummary.ADDED_RECORDS_PROP);
          if ("append".equals(h.operation()) && added > 0) {
            landed.add(new Landed(e.getKey(), Instant.ofEpochMilli(h.timestampMillis()), added));
          }
        }
      }
    }
    tables.sort(Comparator.comparing((TableRow r) -> zoneOrder(r.zone())).thenComparing(TableRow::name));
    landed.sort(Comparator.comparing(Landed::at));

    List<CurationRun> runs = new ArrayList<>();
    for (Record r : rows(byName.get("curation_runs"))) {
      List<Check> checks = new ArrayList<>();
      if (r.getField("quality") instanceof List<?> q) {
        for (Object o : q) {
          Record c = (Record) o;
          checks.add(new Check(str(c, "table_name"), str(c, "check"), str(c, "level"), str(c, "status")));
        }
      }
      runs.add(new CurationRun(instant(r.getField("started_at")), instant(r.getField("ended_at")), str(r, "options"),
          str(r, "status"), longs(r.getField("rows_written")), longs(r.getField("rows_dropped")), checks));
    }
    runs.sort(Comparator.comparing(CurationRun::startedAt, Comparator.nullsLast(Comparator.reverseOrder())));

    List<MaintenanceRun> maintenance = new ArrayList<>();
    for (Record r : rows(byName.get("maintenance_runs"))) {
      maintenance.add(new MaintenanceRun(instant(r.getField("started_at")), instant(r.getField("finished_at")),
          str(r, "table_name"), num(r, "data_files_before"), num(r, "data_files_after"), num(r, "snapshots_expired"),
          str(r, "status")));
    }
    maintenance.sort(Comparator.comparing(MaintenanceRun::startedAt, Comparator.nullsLast(Comparator.reverseOrder())));

    Map<String, Long> receipts = new TreeMap<>();
    Map<String, Long> erased = new TreeMap<>();
    for (Record r : rows(byName.get("erasure_receipts"))) {
      receipts.merge(str(r, "status"), 1L, Long::sum);
      longs(r.getField("rows_removed")).forEach((table, n) -> erased.merge(table, n, Long::sum));
    }
    Map<String, Long> quarantine = new TreeMap<>();
    Table q = byName.get("quarantine");
    if (q != null) {
      try (CloseableIterable<Record> it = IcebergGenerics.read(q).select("reason_code").build()) {
        it.forEach(r -> quarantine.merge(String.valueOf(r.getField("reason_code")), 1L, Long::sum));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new ReportData(Instant.now(), tables, landed, runs.subList(0, Math.min(lastRuns, runs.size())),
        maintenance.subList(0, Math.min(lastRuns, maintenance.size())), receipts, erased, quarantine);
  }

  /** The newest run that rebuilt or updated the tables (not a no_change or failed one), or null. */
  public CurationRun lastEffectiveRun() {
    return curationRuns.stream().filter(r -> "ok".equals(r.status()) || "incremental".equals(r.status())).findFirst()
        .orElse(null);
  }

  /** Rows of the table named {@code name}, or -1 when it does not exist. */
  public long rows(String name) {
    return tables.stream().filter(t -> t.name().equals(name)).mapToLong(TableRow::rows).findFirst().orElse(-1);
  }

  /** The zone of a table, by its name: landing, trusted, curated, or records (the product's own logs). */
  public static String zone(String table) {
    if (table.endsWith("_landing") || table.equals("quarantine")) {
      return "landing";
    }
    if (table.endsWith("_trusted")) {
      return "trusted";
    }
    return table.endsWith("_curated") ? "curated" : "records";
  }

  /** Where a zone comes in listings: landing, trusted, curated, records. */
  public static int zoneOrder(String zone) {
    return List.of("landing", "trusted", "curated", "records").indexOf(zone);
  }

  private static List<Record> rows(Table t) {
    List<Record> out = new ArrayList<>();
    if (t == null || t.currentSnapshot() == null) {
      return out;
    }
    try (CloseableIterable<Record> it = IcebergGenerics.read(t).build()) {
      it.forEach(r -> out.add(r.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static long number(Map<String, String> summary, String key) {
    String v = summary.get(key);
    return v == null ? 0 : Long.parseLong(v);
  }

  private static String str(Record r, String field) {
    Object v = r.getField(field);
    return v == null ? "" : v.toString();
  }

  private static long num(Record r, String field) {
    return r.getField(field) instanceof Number n ? n.longValue() : 0;
  }

  private static Map<String, Long> longs(Object map) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (map instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), v instanceof Number n ? n.longValue() : 0L));
    }
    return new TreeMap<>(out);
  }

  private static Instant instant(Object v) {
    if (v instanceof OffsetDateTime o) {
      return o.toInstant();
    }
    if (v instanceof java.time.LocalDateTime l) {
      return l.toInstant(java.time.ZoneOffset.UTC);
    }
    return null;
  }
}
