package io.stedi.lakehouse.commit;

import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * Where a writer instance's committed data ends in its write-ahead log, per table. Each commit records the
 * highest LSN it covers both in its snapshot summary and (atomically, in the same metadata update) in a
 * table property, so the position survives snapshot expiry.
 */
final class CommitPositions {
  private CommitPositions() {}

  static String key(String instanceId) {
    return "stedi.wal." + instanceId + ".lsn";
  }

  /** The highest LSN of this instance committed to the table, or -1. */
  static long read(Table table, String instanceId) {
    table.refresh();
    String k = key(instanceId);
    long best = -1;
    String prop = table.properties().get(k);
    if (prop != null) {
      best = Long.parseLong(prop);
    }
    for (Snapshot s = table.currentSnapshot(); s != null;
        s = s.parentId() == null ? null : table.snapshot(s.parentId())) {
      String v = s.summary().get(k);
      if (v != null) {
        return Math.max(best, Long.parseLong(v));
      }
    }
    return best;
  }

  /** Whether a commit covering {@code lsn} for this instance is already in the table (after an unknown outcome). */
  static boolean committed(Table table, String instanceId, long lsn) {
    return read(table, instanceId) >= lsn;
  }
}
