package io.stedi.lakehouse.commit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of the commit coordinator, read by metrics. */
public final class CommitStats {
  final AtomicLong commits = new AtomicLong();
  final AtomicLong failedCycles = new AtomicLong();
  final AtomicLong lastCommitMillis = new AtomicLong();
  final AtomicLong poisoned = new AtomicLong();
  final AtomicLong lastCommitAtMillis = new AtomicLong();
  private final Map<String, AtomicLong> rowsByTable = new ConcurrentHashMap<>();
  private final java.util.ArrayDeque<Commit> recent = new java.util.ArrayDeque<>();

  /** One commit: its table, rows, when it finished (epoch ms) and how long it took. */
  public record Commit(String table, long rows, long atMillis, long millis) {}

  /** How many commits {@link #recent()} keeps. */
  static final int RECENT = 10;

  void recordCommit(String table, long rows, long millis) {
    synchronized (recent) {
      if (recent.size() == RECENT) {
        recent.removeFirst();
      }
      recent.addLast(new Commit(table, rows, System.currentTimeMillis(), millis));
    }
    commits.incrementAndGet();
    lastCommitMillis.set(millis);
    lastCommitAtMillis.set(System.currentTimeMillis());
    rowsByTable.computeIfAbsent(table, k -> new AtomicLong()).addAndGet(rows);
  }

  /** Successful Iceberg commits. */
  public long commits() {
    return commits.get();
  }

  /** Cycles that failed (and were retried). */
  public long failedCycles() {
    return failedCycles.get();
  }

  /** Entries that could not be written to their table and went to quarantine instead. */
  public long poisoned() {
    return poisoned.get();
  }

  /** When (epoch ms) the most recent commit finished, or 0. */
  public long lastCommitAtMillis() {
    return lastCommitAtMillis.get();
  }

  /** Duration of the most recent commit in ms. */
  public long lastCommitMillis() {
    return lastCommitMillis.get();
  }

  /** The most recent commits (at most {@value #RECENT}), newest first. */
  public java.util.List<Commit> recent() {
    synchronized (recent) {
      java.util.List<Commit> l = new java.util.ArrayList<>(recent);
      java.util.Collections.reverse(l);
      return l;
    }
  }

  /** Rows committed so far, by table (zone name or QUARANTINE). */
  public Map<String, Long> rowsByTable() {
    Map<String, Long> m = new java.util.TreeMap<>();
    rowsByTable.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }
}
