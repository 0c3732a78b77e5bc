package io.stedi.lakehouse.curation.maintain;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one maintenance run did (or, for a dry run, would do), one {@link TableResult} per table.
 *
 * @param runId the run's id, also in {@code stedi.maintenance_runs}
 * @param dryRun true when nothing was changed
 * @param tables per-table results, in the order the tables were maintained
 */
public record MaintenanceReport(String runId, boolean dryRun, List<TableResult> tables) {
  /** Status of a table whose every step worked. */
  public static final String OK = "ok";
  /** Some compaction groups failed to commit (usually a conflict); the next run picks them up. */
  public static final String PARTIAL = "partial";
  /** A step failed; {@link TableResult#error()} says which and why. */
  public static final String FAILED = "failed";
  /** Nothing was changed: the numbers say what a real run would do. */
  public static final String DRY_RUN = "dry_run";

  /**
   * One table's maintenance.
   *
   * @param table qualified name, {@code stedi.<table>}
   * @param startedAt when work on the table started
   * @param finishedAt when it ended
   * @param dataFilesBefore data files in the current snapshot before
   * @param dataFilesAfter data files in the current snapshot after (including concurrent appends)
   * @param bytesBefore total file bytes of the current snapshot before
   * @param bytesAfter total file bytes after
   * @param filesRewritten small data files compaction replaced
   * @param filesAdded data files compaction wrote instead
   * @param snapshotsExpired snapshots removed from the table's metadata
   * @param orphanFilesDeleted unreferenced files deleted (older than maintain.orphan-min-age)
   * @param manifestsRewritten manifests replaced by the manifest rewrite (0 when below the threshold)
   * @param status {@link #OK}, {@link #PARTIAL}, {@link #FAILED} or {@link #DRY_RUN}
   * @param error the first line of the failure, or null
   */
  public record TableResult(String table, Instant startedAt, Instant finishedAt, long dataFilesBefore,
      long dataFilesAfter, long bytesBefore, long bytesAfter, long filesRewritten, long filesAdded,
      long snapshotsExpired, long orphanFilesDeleted, long manifestsRewritten, String status, String error) {}

  /** Whether any table failed. */
  public boolean failed() {
    return tables.stream().anyMatch(t -> FAILED.equals(t.status()));
  }

  /** Prints one line per table and a total line. */
  public void print(PrintWriter out) {
    out.printf("maintenance run %s%s: %d tables%n", runId, dryRun ? " (dry run: nothing changed)" : "", tables.size());
    String fmt = "  %-32s %9s %9s %10s %10s %9s %8s %9s %8s %9s  %s%n";
    out.printf(fmt, "table", "files", "after", "bytes", "after", "rewritten", "added", "snapshots", "orphans",
        "manifests", "status");
    long[] sum = new long[10];
    for (TableResult t : tables) {
      long[] v = {t.dataFilesBefore(), t.dataFilesAfter(), t.bytesBefore(), t.bytesAfter(), t.filesRewritten(),
          t.filesAdded(), t.snapshotsExpired(), t.orphanFilesDeleted(), t.manifestsRewritten()};
      for (int i = 0; i < v.length; i++) {
        sum[i] += v[i];
      }
      out.printf(fmt, t.table(), v[0], v[1], bytes(v[2]), bytes(v[3]), v[4], v[5], v[6], v[7], v[8],
          t.status() + (t.error() == null ? "" : ": " + t.error()));
    }
    out.printf(fmt, "total", sum[0], sum[1], bytes(sum[2]), bytes(sum[3]), sum[4], sum[5], sum[6], sum[7], sum[8], "");
    out.flush();
  }

  /** The report as one JSON object (for {@code maintain --json}). */
  public String json() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (TableResult t : tables) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("table", t.table());
      m.put("started_at", t.startedAt().toString());
      m.put("finished_at", t.finishedAt().toString());
      m.put("seconds", Duration.between(t.startedAt(), t.finishedAt()).toMillis() / 1000.0);
      m.put("data_files_before", t.dataFilesBefore());
      m.put("data_files_after", t.dataFilesAfter());
      m.put("bytes_before", t.bytesBefore());
      m.put("bytes_after", t.bytesAfter());
      m.put("files_rewritten", t.filesRewritten());
      m.put("files_added", t.filesAdded());
      m.put("snapshots_expired", t.snapshotsExpired());
      m.put("orphan_files_deleted", t.orphanFilesDeleted());
      m.put("manifests_rewritten", t.manifestsRewritten());
      m.put("status", t.status());
      m.put("error", t.error());
      rows.add(m);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("run_id", runId);
    root.put("dry_run", dryRun);
    root.put("tables", rows);
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot render the maintenance report as JSON", e);
    }
  }

  /** Bytes in a short human form (1.2 MB); the exact numbers are in stedi.maintenance_runs and --json. */
  static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    String[] units = {"KB", "MB", "GB", "TB"};
    double v = b;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
