package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.catalog.Retry;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import io.stedi.lakehouse.wal.WriteAheadLog;
import java.io.Closeable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the write-ahead log into the landing and quarantine tables: one Iceberg append per table per
 * interval (or sooner once {@code commit.max-records} wait), each carrying the WAL position it covers.
 *
 * <p>Exactly once: a WAL entry with LSN {@code l} for table {@code t} is written iff {@code l} is above the
 * position committed to {@code t} by this instance. On start the positions are read back from the tables and
 * the rest of the log is replayed; segments are deleted only after every table holding their entries has
 * committed them. A crash at any point therefore neither loses an acknowledged record nor adds one twice.
 */
public final class CommitCoordinator implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(CommitCoordinator.class);

  private final LakehouseConfig config;
  private final String instanceId;
  private final WriteAheadLog wal;
  private final Map<String, Table> tables = new LinkedHashMap<>();
  private final Map<String, Long> positions = new LinkedHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final Thread loop;
  private final AtomicLong appendedSinceCycle = new AtomicLong();
  private final AtomicLong oldestUncommittedAckMillis = new AtomicLong();
  private final CommitStats stats = new CommitStats();
  private volatile boolean closing;
  private volatile boolean lastCycleOk = true;
  private volatile long flushRequested;
  private volatile long cyclesDone;
  private long drainedLsn;

  private final SideEntrySink sideSink;
  private final EntryFilter filter;

  private CommitCoordinator(Catalog catalog, LakehouseConfig config, SideEntrySink sideSink, EntryFilter filter) {
    this.config = config;
    this.sideSink = sideSink;
    this.filter = filter;
    this.instanceId = config.get(LakehouseConfig.INSTANCE_ID);
    int retries = config.get(LakehouseConfig.COMMIT_RETRIES);
    long target = config.get(LakehouseConfig.TARGET_FILE_BYTES);
    Map<Zone, Table> landing = LandingTables.ensureAll(catalog, target, retries);
    landing.forEach((z, t) -> tables.put(z.name(), t));
    tables.put(CycleWriter.QUARANTINE, catalog.loadTable(LandingTables.quarantineId()));
    long max = -1;
    long min = Long.MAX_VALUE;
    for (Map.Entry<String, Table> e : tables.entrySet()) {
      long p = Retry.onTransient("read position of " + e.getValue().name(), retries,
          () -> CommitPositions.read(e.getValue(), instanceId));
      positions.put(e.getKey(), p);
      max = Math.max(max, p);
      min = Math.min(min, p);
    }
    this.wal = WriteAheadLog.open(config.walDir(), config.get(LakehouseConfig.WAL_MAX_BYTES),
        config.get(LakehouseConfig.WAL_SEGMENT_BYTES), max + 1);
    this.drainedLsn = min;
    LOG.info("writer {}: committed positions {}; replaying the write-ahead log after lsn {}", instanceId, positions, min);
    this.loop = new Thread(this::run, "commit-coordinator-" + instanceId);
    this.loop.setDaemon(true);
  }

  /**
   * Opens the tables and this instance's write-ahead log, replays what was not committed, and starts the
   * commit loop.
   */
  public static CommitCoordinator start(Catalog catalog, LakehouseConfig config) {
    return start(catalog, config, SideEntrySink.NONE);
  }

  /** Like {@link #start(Catalog, LakehouseConfig)}, handing side entries to {@code sideSink}. */
  public static CommitCoordinator start(Catalog catalog, LakehouseConfig config, SideEntrySink sideSink) {
    return start(catalog, config, sideSink, EntryFilter.NONE);
  }

  /**
   * Like {@link #start(Catalog, LakehouseConfig, SideEntrySink)}; entries {@code filter} rejects at commit time
   * (readings of a forgotten identity that waited in the log) are dropped instead of written.
   */
  public static CommitCoordinator start(Catalog catalog, LakehouseConfig config, SideEntrySink sideSink,
      EntryFilter filter) {
    CommitCoordinator c = new CommitCoordinator(catalog, config, sideSink, filter);
    c.cycle();
    c.loop.start();
    return c;
  }

  /**
   * Appends a batch durably. The future completes (with the record's LSN) once the batch is on disk; it is
   * then guaranteed to reach its tables exactly once. Fails at once with {@code WAL_FULL} under back-pressure.
   */
  public CompletableFuture<Long> append(List<WalEntry> entries) {
    return wal.append(WalEntry.encode(entries)).thenApply(lsn -> {
      oldestUncommittedAckMillis.compareAndSet(0, System.currentTimeMillis());
      if (appendedSinceCycle.addAndGet(entries.size()) >= config.get(LakehouseConfig.COMMIT_MAX_RECORDS)) {
        signal();
      }
      return lsn;
    });
  }

  /** Commits everything durable now and waits for it (used on shutdown and by tools). */
  public void flush() {
    long target = cyclesDone + 2;
    flushRequested = target;
    signal();
    lock.lock();
    try {
      while (cyclesDone < target && loop.isAlive()) {
        wake.await(100, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private void signal() {
    lock.lock();
    try {
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    long intervalMs = config.get(LakehouseConfig.COMMIT_INTERVAL).toMillis();
    long failures = 0;
    while (!closing) {
      lock.lock();
      try {
        if (appendedSinceCycle.get() < config.get(LakehouseConfig.COMMIT_MAX_RECORDS) && flushRequested <= cyclesDone) {
          wake.await(failures == 0 ? intervalMs : Math.min(30_000, intervalMs << Math.min(failures, 5)),
              TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        lock.unlock();
      }
      failures = cycle() ? 0 : failures + 1;
    }
  }

  /** One drain-and-commit cycle; returns false when it failed and should be retried later. */
  private boolean cycle() {
    appendedSinceCycle.set(0);
    boolean ok;
    try (CycleWriter w = new CycleWriter(tables, positions, config, instanceId, stats, sideSink, filter)) {
      long upTo = w.drain(wal, drainedLsn);
      w.commitAll(upTo);
      if (upTo > drainedLsn) {
        drainedLsn = upTo;
        wal.truncateThrough(upTo);
      }
      if (wal.durableLsn() <= drainedLsn) {
        oldestUncommittedAckMillis.set(0);
      }
      ok = true;
      lastCycleOk = true;
    } catch (RuntimeException e) {
      lastCycleOk = false;
      LOG.error("writer {}: commit cycle failed, the write-ahead log keeps the data and the cycle will be retried: {}",
          instanceId, e.toString());
      stats.failedCycles.incrementAndGet();
      ok = false;
    }
    lock.lock();
    try {
      cyclesDone++;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
    return ok;
  }

  /** Whether the most recent commit cycle reached the catalog and storage (for readiness checks). */
  public boolean healthy() {
    return lastCycleOk;
  }

  /** Whether the write-ahead log has room for {@code bytes} more (false means back-pressure). */
  public boolean walHasRoom(long bytes) {
    return wal.liveBytes() + bytes <= wal.maxBytes();
  }

  /** Counters and gauges for metrics. */
  public CommitStats stats() {
    return stats;
  }

  /** Bytes in the write-ahead log. */
  public long walBytes() {
    return wal.liveBytes();
  }

  /** The write-ahead log's budget. */
  public long walMaxBytes() {
    return wal.maxBytes();
  }

  /** Age in ms of the oldest acknowledged record not yet committed to its table (0 when all are). */
  public long freshnessLagMillis() {
    long t = oldestUncommittedAckMillis.get();
    return t == 0 ? 0 : System.currentTimeMillis() - t;
  }

  /** The instance id this coordinator commits as. */
  public String instanceId() {
    return instanceId;
  }

  /** Stops accepting appends, commits what is durable, and closes the log. */
  @Override
  public void close() {
    flush();
    closing = true;
    signal();
    try {
      loop.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    wal.close();
    cycle();
    LOG.info("writer {}: closed; committed positions {}", instanceId, positions);
  }
}
