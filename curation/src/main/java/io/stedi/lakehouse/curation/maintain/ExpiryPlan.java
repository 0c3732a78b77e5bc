package io.stedi.lakehouse.curation.maintain;

import java.util.HashSet;
import java.util.Set;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * Which snapshots {@code expireOlderThan(cutoff).retainLast(n)} removes, computed without committing anything:
 * for a dry run, and to skip the expiry action (and its file listing) when it would remove nothing. Mirrors
 * Iceberg's rule: every ref's head stays; along each branch the newest {@code n} ancestors and every ancestor
 * not older than the cutoff stay; a snapshot no branch reaches (left behind by CREATE OR REPLACE) stays while it
 * is not older than the cutoff.
 */
final class ExpiryPlan {
  private ExpiryPlan() {}

  static Set<Long> expired(Table table, long cutoffMillis, int retainLast) {
    Set<Long> keep = new HashSet<>();
    for (SnapshotRef ref : table.refs().values()) {
      keep.add(ref.snapshotId());
      if (ref.isBranch()) {
        int kept = 0;
        for (Snapshot s : SnapshotUtil.ancestorsOf(ref.snapshotId(), table::snapshot)) {
          if (kept < retainLast || s.timestampMillis() >= cutoffMillis) {
            keep.add(s.snapshotId());
            kept++;
          } else {
            break;
          }
        }
      }
    }
    Set<Long> expired = new HashSet<>();
    for (Snapshot s : table.snapshots()) {
      boolean reachable = keep.contains(s.snapshotId());
      if (!reachable && s.timestampMillis() < cutoffMillis) {
        expired.add(s.snapshotId());
      }
    }
    return expired;
  }
}
