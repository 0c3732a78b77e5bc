package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.catalog.Retry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data files written from the write-ahead log but not yet committed, kept across failed cycles: while the catalog
 * is down the coordinator keeps them and retries the commit instead of rewriting the whole backlog into fresh files
 * on every attempt. Files are grouped by the log position their chunk reaches, so that after a commit whose outcome
 * was unknown, the groups the table already holds are dropped rather than appended twice.
 */
final class PendingCommit {
  private static final Logger LOG = LoggerFactory.getLogger(PendingCommit.class);

  /** Files of one table from one chunk, and how many rows they hold. */
  record Files(List<DataFile> files, long rows) {}

  private record Group(long upTo, Files files) {}

  private final Map<String, List<Group>> byTable = new LinkedHashMap<>();
  private long upTo = Long.MIN_VALUE;
  private long lastChunkMillis;

  boolean isEmpty() {
    return byTable.isEmpty() && upTo == Long.MIN_VALUE;
  }

  /** The highest log position the pending files (and the entries skipped with them) cover. */
  long upTo() {
    return upTo;
  }

  long lastChunkMillis() {
    return lastChunkMillis;
  }

  /** Adds a chunk that covers the log through {@code chunkUpTo}. */
  void add(Map<String, Files> chunk, long chunkUpTo) {
    chunk.forEach((t, f) -> byTable.computeIfAbsent(t, k -> new ArrayList<>()).add(new Group(chunkUpTo, f)));
    upTo = Math.max(upTo, chunkUpTo);
    lastChunkMillis = System.currentTimeMillis();
  }

  /**
   * Commits every table's pending files with position {@link #upTo()}. A table that commits leaves the pending set
   * at once; the first failure is thrown and the rest stay pending for the next attempt.
   */
  void commitAll(Map<String, Table> tables, Map<String, Long> positions, String instanceId, String commitId,
      int retries, CommitStats stats) {
    for (Iterator<Map.Entry<String, List<Group>>> it = byTable.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, List<Group>> e = it.next();
      Table table = tables.get(e.getKey());
      long start = System.nanoTime();
      long[] rows = {0};
      // Conflicts with other writers are retried here; an unreachable catalog fails the cycle at once, so that
      // the coordinator's back-off (and its health state) handles the outage.
      Retry.onConflict("commit " + commitId + " to " + table.name(), retries, () -> {
        rows[0] = commitOne(table, e.getValue(), instanceId, commitId);
        return null;
      });
      positions.put(e.getKey(), upTo);
      long ms = (System.nanoTime() - start) / 1_000_000;
      stats.recordCommit(e.getKey(), rows[0], ms);
      LOG.debug("writer {} commit {}: {} rows to {} through lsn {} in {} ms", instanceId, commitId, rows[0],
          table.name(), upTo, ms);
      it.remove();
    }
  }

  /** Forgets everything (after it was all committed). */
  void clear() {
    byTable.clear();
    upTo = Long.MIN_VALUE;
  }

  private long commitOne(Table table, List<Group> groups, String instanceId, String commitId) {
    long committed = CommitPositions.read(table, instanceId);
    groups.removeIf(g -> g.upTo() <= committed); // an earlier attempt whose outcome was unknown did land these
    if (groups.isEmpty() || committed >= upTo) {
      return 0;
    }
    String key = CommitPositions.key(instanceId);
    long rows = groups.stream().mapToLong(g -> g.files().rows()).sum();
    try {
      Transaction txn = table.newTransaction();
      var append = txn.newFastAppend();
      groups.forEach(g -> g.files().files().forEach(append::appendFile));
      append.set(key, Long.toString(upTo));
      append.set("stedi.source", "wal");
      append.set("stedi.writer", instanceId);
      append.set("stedi.commit-id", commitId);
      append.commit();
      txn.updateProperties().set(key, Long.toString(upTo)).commit();
      txn.commitTransaction();
      return rows;
    } catch (CommitStateUnknownException unknown) {
      // The catalog may or may not have taken it: look before trying again, or we could add it twice.
      LOG.warn("writer {} commit {} to {}: outcome unknown, checking the table: {}", instanceId, commitId, table.name(),
          unknown.getMessage());
      if (CommitPositions.read(table, instanceId) < upTo) {
        throw new CommitFailedException(unknown, "commit %s not found after unknown outcome", commitId);
      }
      return rows;
    }
  }
}
