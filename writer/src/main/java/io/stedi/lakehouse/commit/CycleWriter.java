package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.dedup.DedupWindow;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.io.DataFileSink;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Quarantine;
import io.stedi.lakehouse.wal.WalRecord;
import io.stedi.lakehouse.wal.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads new write-ahead log records into Parquet data files, one set per table (a "chunk"). Nothing is committed
 * here: the coordinator adds the chunk to its {@link PendingCommit}. An entry that cannot be written (it no longer
 * decodes or validates, say after an upgrade tightened a rule) becomes a quarantine row with the reason; a whole
 * record that does not decode is also copied byte for byte to {@code <wal.dir>/poison/} so nothing is lost.
 */
final class CycleWriter {
  private static final Logger LOG = LoggerFactory.getLogger(CycleWriter.class);
  static final String QUARANTINE = "quarantine";

  private final Map<String, Table> tables;
  private final Map<String, Long> positions;
  private final LakehouseConfig config;
  private final String instanceId;
  private final SideEntrySink sideSink;
  private final EntryFilter filter;
  private final DedupWindow dedup;
  private final String chunkId = UUID.randomUUID().toString();
  /** Landing entries per hand-over to a writer thread: large enough that hand-overs cost nothing per row. */
  private static final int BATCH = 2048;
  private final WriterPool pool;
  private final LandingWriter own;
  private final LandingWriter[] writers;
  private final ArrayDeque<Future<?>> inFlight = new ArrayDeque<>();
  private final AtomicLong poisoned = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private List<LandingWriter.Item> batch = new ArrayList<>(BATCH);
  private int next;

  /**
   * @param tables per table, what to write data files with (read-only metadata copies: no catalog round trip)
   */
  CycleWriter(Map<String, Table> tables, Map<String, Long> positions, LakehouseConfig config, String instanceId,
      SideEntrySink sideSink, EntryFilter filter, DedupWindow dedup, WriterPool pool) {
    this.pool = pool;
    long target = config.get(LakehouseConfig.TARGET_FILE_BYTES);
    int maxPayload = config.get(LakehouseConfig.QUARANTINE_PAYLOAD_BYTES);
    this.own = new LandingWriter(tables, positions, target, chunkId, instanceId, filter, maxPayload, poisoned, dropped);
    // the commit thread's own writer takes quarantine rows (and everything without a pool); each pool worker has
    // one more, naming its files with its own operation id so that file names never collide
    this.writers = new LandingWriter[pool == null ? 0 : pool.size()];
    for (int i = 0; i < writers.length; i++) {
      writers[i] = new LandingWriter(tables, positions, target, chunkId + "-w" + i, instanceId, filter, maxPayload,
          poisoned, dropped);
    }
    this.sideSink = sideSink;
    this.filter = filter;
    this.tables = tables;
    this.positions = positions;
    this.config = config;
    this.instanceId = instanceId;
    this.dedup = dedup;
  }

  /** Writes every durable entry after {@code afterLsn} not yet committed to its table; returns the last LSN read. */
  long drain(WriteAheadLog wal, long afterLsn) {
    long[] last = {afterLsn};
    int maxPayload = config.get(LakehouseConfig.QUARANTINE_PAYLOAD_BYTES);
    wal.readAfter(afterLsn, rec -> {
      List<WalEntry> entries;
      try {
        entries = WalEntry.decode(rec.payload());
      } catch (StediException e) {
        poisonRecord(wal, rec, e, maxPayload);
        last[0] = rec.lsn();
        return;
      }
      for (WalEntry e : entries) {
        if (e.isSide()) {
          sideSink.accept(e);
          continue;
        }
        String t = e.kind() == WalEntry.EntryKind.QUARANTINE ? QUARANTINE : e.target().landingTable();
        if (e.kind() == WalEntry.EntryKind.LANDING) {
          try {
            byte[] content = e.contentBytes();
            dedup.record(dedup.identity().of(e.target().walId(), content));
          } catch (StediException bad) {
            // handled below, where the row is needed
          }
        }
        if (rec.lsn() <= positions.get(t)) {
          continue; // already committed to this table before a restart
        }
        if (e.kind() == WalEntry.EntryKind.QUARANTINE) {
          writeQuarantine(e, t, maxPayload);
        } else {
          batch.add(new LandingWriter.Item(e, t, rec.lsn()));
          if (batch.size() >= BATCH) {
            dispatch();
          }
        }
      }
      last[0] = rec.lsn();
    });
    dispatch();
    awaitAll(); // the drop count below and the caller's finish() need every batch written
    if (dropped.get() > 0) {
      LOG.info("writer {} chunk {}: dropped {} waiting entries of forgotten identities", instanceId, chunkId, dropped.get());
    }
    return last[0];
  }

  private void writeQuarantine(WalEntry e, String t, int maxPayload) {
    WalEntry.QuarantineFields f;
    try {
      f = e.quarantineFields();
    } catch (StediException bad) {
      poisoned.incrementAndGet();
      LOG.error("writer {}: quarantine entry {} does not decode; kept as a quarantine row without content", instanceId,
          e.key());
      f = new WalEntry.QuarantineFields(null, "wal " + e.source(), ErrorCode.UNWRITABLE_ENTRY, null, bad.getMessage(),
          null);
    }
    if (filter.dropQuarantine(f.zone(), f.origin(), f.message(), f.payload())) {
      dropped.incrementAndGet();
      return;
    }
    Rejection r = new Rejection(f.code(), f.field(), f.message());
    sink(t).write(Quarantine.record(f.zone(), f.origin(), r, f.payload(), maxPayload, e.arrivalMillis(), e.source(),
        e.key()));
  }

  /** A record that does not decode at all: keep its bytes on disk and say so in quarantine. */
  private void poisonRecord(WriteAheadLog wal, WalRecord rec, StediException e, int maxPayload) {
    poisoned.incrementAndGet();
    Path dir = wal.dir().resolve("poison");
    Path file = dir.resolve(String.format("%020d.bin", rec.lsn()));
    try {
      Files.createDirectories(dir);
      Files.write(file, rec.payload(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE, StandardOpenOption.SYNC);
    } catch (IOException io) {
      throw new UncheckedIOException("cannot keep undecodable wal record " + rec.lsn() + " in " + file, io);
    }
    LOG.error("writer {}: wal record at lsn {} does not decode ({}); its bytes are kept in {}", instanceId, rec.lsn(),
        e.getMessage(), file);
    if (positions.get(QUARANTINE) < rec.lsn()) {
      sink(QUARANTINE).write(Quarantine.record(null, "wal lsn " + rec.lsn(),
          new Rejection(ErrorCode.UNWRITABLE_ENTRY, null, e.getMessage() + "; bytes kept in " + file), null, maxPayload,
          System.currentTimeMillis(), "wal", instanceId + ":poison:" + rec.lsn()));
    }
  }

  private DataFileSink sink(String t) {
    return own.sink(t);
  }

  /** Hands the batch of landing entries read so far to the next writer (or writes it here without a pool). */
  private void dispatch() {
    if (batch.isEmpty()) {
      return;
    }
    List<LandingWriter.Item> b = batch;
    batch = new ArrayList<>(BATCH);
    if (pool == null) {
      own.write(b);
      return;
    }
    while (inFlight.size() >= 2 * pool.size()) {
      await(inFlight.poll()); // bounded: the commit thread reads the log no further ahead than this
    }
    LandingWriter w = writers[next];
    inFlight.add(pool.submit(next, () -> w.write(b)));
    next = (next + 1) % writers.length;
  }

  private static void await(Future<?> f) {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing data files", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    }
  }

  private void awaitAll() {
    while (!inFlight.isEmpty()) {
      await(inFlight.poll());
    }
  }

  /** Every sink of this chunk: the commit thread's own (quarantine) and each writer's. */
  private List<Map.Entry<String, DataFileSink>> allSinks() {
    List<Map.Entry<String, DataFileSink>> out = new ArrayList<>(own.sinks().entrySet());
    for (LandingWriter w : writers) {
      out.addAll(w.sinks().entrySet());
    }
    return out;
  }

  /** Entries that could not be written and went to quarantine in this chunk. */
  long poisoned() {
    return poisoned.get();
  }

  /** Closes the files and returns them with their row counts, per table. */
  Map<String, PendingCommit.Files> finish() {
    awaitAll();
    Map<String, PendingCommit.Files> out = new LinkedHashMap<>();
    for (Map.Entry<String, DataFileSink> e : allSinks()) {
      List<DataFile> files = e.getValue().finish();
      if (!files.isEmpty()) {
        out.merge(e.getKey(), new PendingCommit.Files(files, e.getValue().records()), (a, b) -> {
          List<DataFile> both = new ArrayList<>(a.files());
          both.addAll(b.files());
          return new PendingCommit.Files(both, a.rows() + b.rows());
        });
      }
    }
    return out;
  }

  /** After a failure: closes what is open and deletes every file this chunk wrote (best effort). */
  void abandon() {
    try {
      awaitAll();
    } catch (RuntimeException e) {
      LOG.warn("writer {} chunk {}: a writer failed: {}", instanceId, chunkId, e.toString());
      inFlight.forEach(f -> f.cancel(false));
      inFlight.forEach(f -> {
        try {
          await(f);
        } catch (RuntimeException ignored) {
          // this chunk is being abandoned; its files are deleted below
        }
      });
    }
    for (Map.Entry<String, DataFileSink> e : allSinks()) {
      try {
        for (DataFile f : e.getValue().finish()) {
          tables.get(e.getKey()).io().deleteFile(f.location());
        }
      } catch (RuntimeException ex) {
        LOG.warn("writer {} chunk {}: cleaning up data files of {} failed (maintenance removes orphans): {}",
            instanceId, chunkId, e.getKey(), ex.toString());
      }
    }
  }
}
