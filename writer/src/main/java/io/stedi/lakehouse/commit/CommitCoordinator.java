package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.catalog.Retry;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.dedup.DedupWindow;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import io.stedi.lakehouse.wal.WriteAheadLog;
import java.io.Closeable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.iceberg.SerializableTable;
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
 * committed them. A landing row whose content identity is in the {@link DedupWindow} (the same reading delivered
 * again) is acknowledged without being appended ({@link #append}). A crash at any point therefore neither loses an
 * acknowledged record nor adds one twice.
 *
 * <p>The log is the buffer: while the catalog or the object store is unreachable, appends go on (until
 * {@code wal.max-bytes}); the coordinator keeps the data files it wrote and retries the commit with back-off up to
 * {@code commit.max-backoff}, then commits the backlog at once when the catalog is back.
 */
public final class CommitCoordinator implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(CommitCoordinator.class);
  /** While commits fail, a new chunk of files is written from the log at most this often. */
  private static final long OUTAGE_CHUNK_MILLIS = 30_000;

  private final LakehouseConfig config;
  private final String instanceId;
  private final WriteAheadLog wal;
  private final DedupWindow dedup;
  private final DedupGate gate;
  private final InstanceLease lease;
  private final Map<String, Table> tables = new LinkedHashMap<>();
  /**
   * Read-only copies of the tables' metadata (schema, spec, location, file IO) for writing data files: a table
   * object refreshes itself from the catalog after every commit, so writing with it would fail while the catalog
   * is down; these copies let the log keep turning into files during an outage. Renewed after each good cycle.
   */
  private final Map<String, Table> writeViews = new LinkedHashMap<>();
  /** (lsn, acknowledged at) samples, at most one per 100 ms, of records not yet committed: for the freshness lag. */
  private final java.util.concurrent.ConcurrentLinkedDeque<long[]> ackTimes = new java.util.concurrent.ConcurrentLinkedDeque<>();
  private final Map<String, Long> positions = new LinkedHashMap<>();
  private final PendingCommit pending = new PendingCommit();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final Thread loop;
  private final AtomicLong appendedSinceCycle = new AtomicLong();
  private final CommitStats stats = new CommitStats();
  private final SideEntrySink sideSink;
  private final EntryFilter filter;
  /** Parquet writer threads (null: the commit thread writes everything itself). */
  private final WriterPool writers;
  private volatile boolean closing;
  private volatile long failingSince;
  private volatile ErrorCode lastError;
  private volatile long flushRequested;
  private volatile long cyclesDone;
  private volatile long drainedLsn;

  private CommitCoordinator(Catalog catalog, LakehouseConfig config, SideEntrySink sideSink, EntryFilter filter) {
    this.config = config;
    this.sideSink = sideSink;
    this.filter = filter;
    this.instanceId = config.get(LakehouseConfig.INSTANCE_ID);
    int retries = config.get(LakehouseConfig.COMMIT_RETRIES);
    long target = config.get(LakehouseConfig.TARGET_FILE_BYTES);
    Map<Zone, Table> landing = LandingTables.ensureAll(catalog, target, retries);
    landing.forEach((z, t) -> tables.put(z.landingTable(), t));
    tables.put(CycleWriter.QUARANTINE, catalog.loadTable(LandingTables.quarantineId()));
    tables.forEach((k, t) -> writeViews.put(k, SerializableTable.copyOf(t)));
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
        config.get(LakehouseConfig.WAL_SEGMENT_BYTES), max + 1, config.get(LakehouseConfig.WAL_SYNC_INTERVAL).toNanos());
    try {
      this.lease = InstanceLease.acquire(catalog, instanceId, config.walDir(),
          config.get(LakehouseConfig.LEASE_TTL).toMillis());
      this.dedup = DedupWindow.open(config.dedupDir(), config.get(LakehouseConfig.DEDUP_WINDOW),
          config.get(LakehouseConfig.DEDUP_MAX_ENTRIES));
    } catch (RuntimeException e) {
      wal.close();
      throw e;
    }
    this.gate = new DedupGate(wal, dedup);
    int threads = config.get(LakehouseConfig.COMMIT_THREADS) == 0 ? Runtime.getRuntime().availableProcessors()
        : config.get(LakehouseConfig.COMMIT_THREADS);
    this.writers = threads <= 1 ? null : new WriterPool(instanceId, threads);
    long replayed = gate.rebuildFromLog();
    this.drainedLsn = min;
    LOG.info("writer {}: committed positions {}; replaying the write-ahead log after lsn {} ({} landing rows in it)",
        instanceId, positions, min, replayed);
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
   * Appends a batch durably. The future completes (with the record's LSN) once every entry is on disk; it is then
   * guaranteed to reach its table exactly once. A landing row already taken within the dedup window is not written
   * again: its future waits for that earlier delivery instead. Fails at once with {@code WAL_FULL} under
   * back-pressure, or with {@code STORAGE_UNAVAILABLE} when the log's disk failed (nothing of the batch counts).
   */
  public CompletableFuture<Long> append(List<WalEntry> entries) {
    return gate.append(entries).thenApply(lsn -> {
      long now = System.currentTimeMillis();
      long[] last = ackTimes.peekLast();
      if (last == null || now - last[1] >= 100) {
        ackTimes.addLast(new long[] {lsn, now});
      }
      if (appendedSinceCycle.addAndGet(entries.size()) >= config.get(LakehouseConfig.COMMIT_MAX_RECORDS)) {
        signal();
      }
      return lsn;
    });
  }

  /** Commits everything durable now and waits for it (used on shutdown and by tools). */
  /**
   * Leaves no uncommitted copy of anything already appended in the log: closes the current segment, commits
   * everything durable (the erasure filter drops forgotten identities' entries on the way), and deletes every
   * segment that is now committed. Called by the gateway when a new erasure request appears.
   */
  public void scrubLog() {
    try {
      wal.rollSegment().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new StediException(ErrorCode.STORAGE_UNAVAILABLE, "could not start a new wal segment: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    flush();
    // the commit loop synced the dedup identities of everything through drainedLsn before it moved drainedLsn
    // (dedup is the loop's alone); the segments it could not delete then were the active one, closed just now
    wal.truncateThrough(drainedLsn);
  }

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
    long maxBackoff = config.get(LakehouseConfig.COMMIT_MAX_BACKOFF).toMillis();
    long failures = 0;
    while (!closing) {
      lock.lock();
      try {
        long wait = failures == 0 ? intervalMs : Math.min(maxBackoff, intervalMs << Math.min(failures, 10));
        if (failures > 0 || appendedSinceCycle.get() < config.get(LakehouseConfig.COMMIT_MAX_RECORDS)
            && flushRequested <= cyclesDone) {
          wake.await(wait, TimeUnit.MILLISECONDS);
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
    try {
      if (lease != null && lease.lost()) {
        throw new StediException(ErrorCode.INSTANCE_IN_USE, "another writer took the lease of " + instanceId);
      }
      long from = pending.isEmpty() ? drainedLsn : pending.upTo();
      // While commits fail, do not write the same backlog into new files every attempt: add a chunk only now and then.
      boolean drainNow = failingSince == 0 || pending.isEmpty()
          || System.currentTimeMillis() - pending.lastChunkMillis() >= OUTAGE_CHUNK_MILLIS;
      if (drainNow) {
        CycleWriter w = new CycleWriter(writeViews, positions, config, instanceId, sideSink, filter, dedup, writers);
        long upTo;
        Map<String, PendingCommit.Files> chunk;
        try {
          upTo = w.drain(wal, from);
          chunk = w.finish();
        } catch (RuntimeException e) {
          w.abandon();
          throw e;
        }
        stats.poisoned.addAndGet(w.poisoned());
        if (upTo > from || !chunk.isEmpty()) {
          pending.add(chunk, upTo);
        }
      }
      if (!pending.isEmpty()) {
        pending.commitAll(tables, positions, instanceId, UUID.randomUUID().toString(),
            config.get(LakehouseConfig.COMMIT_RETRIES), stats);
        long upTo = pending.upTo();
        pending.clear();
        renewWriteViews();
        if (upTo > drainedLsn) {
          drainedLsn = upTo;
          dedup.sync(); // the identities of what was committed must outlive the segments about to go
          wal.truncateThrough(upTo);
        }
      }
      for (long[] head; (head = ackTimes.peekFirst()) != null && head[0] <= drainedLsn; ) {
        ackTimes.pollFirst();
      }
      if (failingSince != 0) {
        LOG.info("writer {}: commits work again after {} s; the backlog is committed", instanceId,
            (System.currentTimeMillis() - failingSince) / 1000);
      }
      failingSince = 0;
      lastError = null;
      ok = true;
    } catch (RuntimeException e) {
      ErrorCode code = Retry.classify(e);
      if (failingSince == 0) {
        failingSince = System.currentTimeMillis();
      }
      lastError = code;
      if (code.retryable()) {
        LOG.warn("writer {}: commit cycle failed ({}); the write-ahead log keeps accepting ({} bytes buffered) and the "
            + "commit is retried: {}", instanceId, code.code(), wal.liveBytes(), e.toString());
      } else {
        LOG.error("writer {}: commit cycle failed ({}), which retrying is not expected to fix; still retrying with "
            + "back-off, the write-ahead log keeps the data", instanceId, code.code(), e);
      }
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

  private void renewWriteViews() {
    try {
      tables.forEach((k, t) -> writeViews.put(k, SerializableTable.copyOf(t)));
    } catch (RuntimeException e) {
      LOG.debug("writer {}: keeping the previous table metadata for writing: {}", instanceId, e.toString());
    }
  }

  /** Whether the most recent commit cycle reached the catalog and storage. */
  public boolean healthy() {
    return failingSince == 0;
  }

  /** Since when (epoch ms) commits have been failing, or 0 while they work. */
  public long failingSinceMillis() {
    return failingSince;
  }

  /** The error code of the failing commits, or null while they work. */
  public ErrorCode lastError() {
    return lastError;
  }

  /**
   * Whether the log has room for {@code bytes} more within {@code wal.max-bytes}. A catalog outage does not count:
   * the log buffers it. (A failing disk shows as failed appends and {@link #walFailedWrites()}.)
   */
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

  /** Bytes acknowledged since start and not committed yet (the commit backlog; see WriteAheadLog#pendingBytes). */
  public long walPendingBytes() {
    return wal.pendingBytes();
  }

  /** The write-ahead log's budget. */
  public long walMaxBytes() {
    return wal.maxBytes();
  }

  /** Group commits of the log whose write or fsync failed. */
  public long walFailedWrites() {
    return wal.failedWrites();
  }

  /** The dedup window (for metrics). */
  public DedupWindow dedup() {
    return dedup;
  }

  /**
   * Age in ms of the oldest acknowledged record not yet committed to its table (0 when all are), to within 100 ms:
   * how far the tables lag behind what devices were told is stored.
   */
  public long freshnessLagMillis() {
    if (wal.durableLsn() <= drainedLsn) {
      return 0;
    }
    for (long[] s : ackTimes) {
      if (s[0] > drainedLsn) {
        return System.currentTimeMillis() - s[1];
      }
    }
    return 0;
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
    if (writers != null) {
      writers.close();
    }
    dedup.close();
    if (lease != null) {
      lease.close();
    }
    LOG.info("writer {}: closed; committed positions {}", instanceId, positions);
  }
}
