package io.stedi.lakehouse.load;

import io.stedi.lakehouse.io.DataFileSink;
import io.stedi.lakehouse.parse.JsonLines;
import io.stedi.lakehouse.parse.ParseResult;
import io.stedi.lakehouse.table.Quarantine;
import io.stedi.lakehouse.table.Zone;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses and writes chunks of lines on several worker threads, each with its own data files, so that a load
 * uses every core: JSON parsing and Parquet encoding dominate, reading lines does not.
 */
final class LoadPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LoadPipeline.class);
  /** Bytes handed to a worker at a time. */
  static final int CHUNK_BYTES = 1 << 20;

  /**
   * Whole lines of one file as raw UTF-8: {@code data[0..length)} holds {@code lineCount} lines, each ended by
   * '\n' (the last one possibly not), the first being line {@code firstLine} (1-based). Parsing bytes directly
   * skips a UTF-16 copy of every line.
   */
  record Chunk(FileCounts file, String location, String keyPrefix, boolean quarantine, long firstLine, byte[] data,
      int length) {}

  /** Counts of one input file, updated by the workers. */
  static final class FileCounts {
    final AtomicLong rows = new AtomicLong();
    final AtomicLong blank = new AtomicLong();
    final Map<String, AtomicLong> rejected = new ConcurrentHashMap<>();

    long rejectedTotal() {
      return rejected.values().stream().mapToLong(AtomicLong::get).sum();
    }
  }

  private static final Chunk STOP = new Chunk(null, null, null, false, 0, new byte[0], 0);

  private final Zone zone;
  private final Table landing;
  private final Table quarantine;
  private final long targetFileBytes;
  private final String runId;
  private final int maxPayload;
  /** Drops rows of identities erased with bin/stedi forget. */
  private final io.stedi.lakehouse.commit.EntryFilter forgotten;
  private final long arrivalMillis;
  private final OffsetDateTime arrival;
  private final List<Worker> workers = new ArrayList<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private int next;

  LoadPipeline(Zone zone, Table landing, Table quarantine, long targetFileBytes, String runId, int maxPayload,
      long arrivalMillis, int threads, io.stedi.lakehouse.commit.EntryFilter forgotten) {
    this.forgotten = forgotten;
    this.zone = zone;
    this.landing = landing;
    this.quarantine = quarantine;
    this.targetFileBytes = targetFileBytes;
    this.runId = runId;
    this.maxPayload = maxPayload;
    this.arrivalMillis = arrivalMillis;
    this.arrival = OffsetDateTime.ofInstant(Instant.ofEpochMilli(arrivalMillis), ZoneOffset.UTC);
    for (int i = 0; i < threads; i++) {
      Worker w = new Worker(i);
      workers.add(w);
      w.thread.start();
    }
  }

  /** Hands a chunk to the next worker (blocks while that worker is busy: bounded memory). */
  void submit(Chunk c) {
    checkFailure();
    Worker w = workers.get(next++ % workers.size());
    try {
      while (!w.queue.offer(c, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        checkFailure();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("load " + runId + " interrupted", e);
    }
  }

  /** Waits for every chunk, then returns the landing and quarantine data files. */
  List<List<DataFile>> finish() {
    stopWorkers();
    checkFailure();
    List<DataFile> rows = new ArrayList<>();
    List<DataFile> rejects = new ArrayList<>();
    for (Worker w : workers) {
      rows.addAll(w.rows.finish());
      if (w.rejects != null) {
        rejects.addAll(w.rejects.finish());
      }
    }
    return List.of(rows, rejects);
  }

  private void stopWorkers() {
    for (Worker w : workers) {
      if (w.thread.isAlive()) {
        try {
          w.queue.put(STOP);
          w.thread.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("load " + runId + " interrupted", e);
        }
      }
    }
  }

  private void checkFailure() {
    Throwable t = failure.get();
    if (t != null) {
      throw t instanceof RuntimeException ? (RuntimeException) t : new IllegalStateException(t.getMessage(), t);
    }
  }

  @Override
  public void close() {
    for (Worker w : workers) {
      w.thread.interrupt();
    }
    for (Worker w : workers) {
      w.rows.close();
      if (w.rejects != null) {
        w.rejects.close();
      }
    }
  }

  private final class Worker implements Runnable {
    final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(4);
    final Thread thread;
    final DataFileSink rows;
    /**
     * Every row goes through this one record (the Parquet writer copies the values out): a record per row cost a
     * name-index cache lookup in GenericRecord's constructor each (5 % of a load's CPU in JFR).
     */
    final GenericRecord record;
    DataFileSink rejects;

    Worker(int id) {
      this.rows = new DataFileSink(landing, targetFileBytes, runId + "-" + id);
      this.record = GenericRecord.create(rows.schema());
      this.thread = new Thread(this, "load-" + runId.substring(0, 8) + "-" + id);
      this.thread.setDaemon(true);
    }

    @Override
    public void run() {
      try {
        Chunk c;
        while ((c = queue.take()) != STOP) {
          process(c);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        LOG.error("load {}: worker failed: {}", runId, e.toString());
        failure.compareAndSet(null, e);
      }
    }

    private void process(Chunk c) {
      try (JsonLines lines = new JsonLines(zone, c.data(), c.length())) {
        process(c, lines);
      }
    }

    private void process(Chunk c, JsonLines lines) {
      long lineNo = c.firstLine() - 1;
      long rowsWritten = 0;
      byte[] d = c.data();
      int pos = 0;
      while (pos < c.length()) {
        int end = pos;
        while (end < c.length() && d[end] != '\n') {
          end++;
        }
        int stop = end > pos && d[end - 1] == '\r' ? end - 1 : end;
        lineNo++;
        if (isBlank(d, pos, stop)) {
          c.file().blank.incrementAndGet();
        } else {
          ParseResult p = lines.parse(pos, stop, end + 1);
          if (p.ok() && forgotten.dropLanding(p.row())) {
            // not quarantined either: the line holds the erased identity
            c.file().rejected.computeIfAbsent(io.stedi.lakehouse.error.ErrorCode.FORBIDDEN.code(), k -> new AtomicLong())
                .incrementAndGet();
          } else if (p.ok()) {
            p.row().fill(record, arrival, "load", c.keyPrefix() + lineNo);
            rows.write(record);
            rowsWritten++;
          } else {
            reject(c, lineNo, p, new String(d, pos, stop - pos, java.nio.charset.StandardCharsets.UTF_8));
          }
        }
        pos = end + 1;
      }
      c.file().rows.addAndGet(rowsWritten);
    }

    private void reject(Chunk c, long lineNo, ParseResult p, String line) {
      c.file().rejected.computeIfAbsent(p.rejection().code().code(), k -> new AtomicLong()).incrementAndGet();
      if (c.quarantine()) {
        if (rejects == null) {
          rejects = new DataFileSink(quarantine, targetFileBytes, runId + "-q" + thread.getName());
        }
        rejects.write(Quarantine.record(zone.cliName(), c.location() + ":" + lineNo, p.rejection(), line, maxPayload,
            arrivalMillis, "load", c.keyPrefix() + lineNo));
      }
    }
  }

  private static boolean isBlank(byte[] d, int from, int to) {
    for (int i = from; i < to; i++) {
      byte b = d[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }
}
