package io.stedi.lakehouse.wal;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only, segmented write-ahead log with a CRC per record and group-commit fsync.
 *
 * <p>{@link #append(byte[])} returns a future that completes with the record's LSN only once the record is
 * on disk ({@code fsync}); one sync thread writes whatever callers queued since its last sync, so concurrent
 * appends share an fsync. A disk budget bounds the live segments: above it, appends fail at once with
 * {@link ErrorCode#WAL_FULL} (back-pressure) until {@link #truncateThrough(long)} frees space.
 *
 * <p>On open, segments are scanned; a torn frame at the tail of the last segment (a crash mid-write of a
 * record that was never acknowledged) is cut off, while damage anywhere else is reported as corruption.
 */
public final class WriteAheadLog implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);
  private static final int MAX_RECORD = 64 * 1024 * 1024;
  /**
   * How far ahead of the data the active segment is filled with zeros. An append inside already-written blocks
   * changes no file metadata, so its fdatasync flushes only this file's pages; an append that grows the file must
   * wait for an ext4 journal commit, which also flushes every other file's dirty data (the Parquet files the
   * commit thread writes) and made 1 % of acknowledgements wait 20-70 ms (JFR jdk.FileForce, bench/mqtt-bench.sh).
   */
  static final long PREALLOCATE = 4L * 1024 * 1024;

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread syncer;
  private final Object segmentsLock = new Object();
  private final List<Segment> segments = new ArrayList<>();
  private final AtomicLong liveBytes = new AtomicLong();
  private final AtomicLong reservedBytes = new AtomicLong();
  private volatile long durableLsn;
  private volatile boolean closed;
  private FileChannel active;
  /** Bytes of the active segment that exist on disk (data plus the zeros written ahead). */
  private long allocated;
  private long nextLsn;
  // read cursor of readAfter (used by one reader thread, the commit coordinator)
  private Path cursorPath;
  private long cursorOffset;
  private long cursorLsn = Long.MAX_VALUE;

  private record Pending(byte[] payload, CompletableFuture<Long> done) {}

  /**
   * Opens (creating if needed) the log in {@code dir} and takes an exclusive lock on it.
   *
   * @param minNextLsn the smallest LSN the next record may get (one past the highest LSN already committed
   *     from this log), so LSNs never go backwards even after every segment was deleted
   */
  public static WriteAheadLog open(Path dir, long maxBytes, long segmentBytes, long minNextLsn) {
    try {
      return new WriteAheadLog(dir, maxBytes, segmentBytes, minNextLsn);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open write-ahead log " + dir + ": " + e.getMessage(), e);
    }
  }

  private WriteAheadLog(Path dir, long maxBytes, long segmentBytes, long minNextLsn) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    Files.createDirectories(dir);
    lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock taken;
    try {
      taken = lockChannel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException sameJvm) {
      taken = null;
    }
    lock = taken;
    if (lock == null) {
      lockChannel.close();
      throw new StediException(ErrorCode.INTERNAL, "wal.dir " + dir + " is in use by another process; give each "
          + "writer its own writer.instance-id or wal.dir");
    }
    recover(minNextLsn);
    syncer = new Thread(this::syncLoop, "wal-sync-" + dir.getFileName());
    syncer.setDaemon(true);
    syncer.start();
  }

  private void recover(long minNextLsn) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(Segment.SUFFIX)).sorted().toList();
    }
    long last = -1;
    for (int i = 0; i < files.size(); i++) {
      Path p = files.get(i);
      String n = p.getFileName().toString();
      Segment seg = new Segment(p, Long.parseLong(n.substring(0, n.length() - Segment.SUFFIX.length())));
      boolean isLast = i == files.size() - 1;
      long validEnd = seg.scan(0, -1, Long.MAX_VALUE, r -> { }, !isLast);
      if (isLast && validEnd < Files.size(p)) {
        boolean writtenAhead;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
          writtenAhead = Segment.zeros(ch, validEnd, ch.size());
        }
        if (!writtenAhead) {
          LOG.warn("wal {}: cutting a torn tail of {} bytes at offset {} (an unacknowledged write)", p,
              Files.size(p) - validEnd, validEnd);
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
          ch.truncate(validEnd);
          ch.force(true);
        }
      }
      seg.size = validEnd;
      if (seg.lastLsn >= seg.firstLsn) {
        last = seg.lastLsn;
      }
      segments.add(seg);
      liveBytes.addAndGet(validEnd);
    }
    nextLsn = Math.max(last + 1, minNextLsn);
    durableLsn = nextLsn - 1;
    Segment tail = segments.isEmpty() ? null : segments.get(segments.size() - 1);
    if (tail == null || tail.size >= segmentBytes || tail.lastLsn + 1 != nextLsn && tail.size > 0) {
      roll();
    } else {
      active = FileChannel.open(tail.path, StandardOpenOption.WRITE);
      allocated = tail.size;
    }
    LOG.info("wal {} opened: {} segment(s), {} bytes, next lsn {}", dir, segments.size(), liveBytes.get(), nextLsn);
  }

  private void roll() throws IOException {
    if (active != null) {
      active.force(false);
      active.close();
    }
    Segment seg = new Segment(dir.resolve(Segment.fileName(nextLsn)), nextLsn);
    active = FileChannel.open(seg.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    allocated = 0;
    // fsync the folder so the new file's directory entry survives a power loss.
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
    synchronized (segmentsLock) {
      segments.add(seg);
    }
  }

  /**
   * Appends one record. The future completes with its LSN once it is on disk, or fails with
   * {@link ErrorCode#WAL_FULL} at once when the disk budget is used up.
   */
  public CompletableFuture<Long> append(byte[] payload) {
    if (closed) {
      return CompletableFuture.failedFuture(new StediException(ErrorCode.INTERNAL, "write-ahead log " + dir + " is closed"));
    }
    if (payload.length > MAX_RECORD) {
      return CompletableFuture.failedFuture(new StediException(ErrorCode.PAYLOAD_TOO_LARGE,
          "record of " + payload.length + " bytes exceeds the write-ahead log's " + MAX_RECORD));
    }
    long need = Segment.HEADER + payload.length;
    if (liveBytes.get() + reservedBytes.addAndGet(need) > maxBytes) {
      reservedBytes.addAndGet(-need);
      return CompletableFuture.failedFuture(new StediException(ErrorCode.WAL_FULL, "write-ahead log " + dir
          + " holds " + liveBytes.get() + " bytes, its budget (wal.max-bytes) is " + maxBytes + "; try again later"));
    }
    CompletableFuture<Long> f = new CompletableFuture<>();
    queue.add(new Pending(payload, f));
    return f;
  }

  private void syncLoop() {
    List<Pending> batch = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch);
        writeAndSync(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (IOException | RuntimeException e) {
        LOG.error("wal {}: write failed, failing {} appends: {}", dir, batch.size(), e.toString());
        StediException err = new StediException(ErrorCode.STORAGE_UNAVAILABLE, "write-ahead log " + dir
            + " could not write: " + e.getMessage(), e);
        for (Pending p : batch) {
          reservedBytes.addAndGet(-(Segment.HEADER + p.payload.length));
          p.done.completeExceptionally(err);
        }
      } finally {
        batch.clear();
      }
    }
  }

  private void writeAndSync(List<Pending> batch) throws IOException {
    int total = 0;
    for (Pending p : batch) {
      total += Segment.HEADER + p.payload.length;
    }
    Segment seg = currentSegment();
    if (seg.size > 0 && seg.size + total > segmentBytes) {
      roll();
      seg = currentSegment();
    }
    ByteBuffer buf = ByteBuffer.allocate(total);
    long first = nextLsn;
    for (Pending p : batch) {
      Segment.frame(buf, nextLsn++, p.payload);
    }
    buf.flip();
    preallocate(seg.size + total);
    long at = seg.size;
    while (buf.hasRemaining()) {
      at += active.write(buf, at);
    }
    active.force(false);
    seg.size += total;
    seg.lastLsn = nextLsn - 1;
    liveBytes.addAndGet(total);
    reservedBytes.addAndGet(-total);
    durableLsn = nextLsn - 1;
    long lsn = first;
    for (Pending p : batch) {
      p.done.complete(lsn++);
    }
  }

  /**
   * Makes sure the active segment's file reaches {@code end}, writing zeros up to {@link #PREALLOCATE} past it
   * (never past the segment size) and syncing them, so most appends overwrite blocks that already exist.
   */
  private void preallocate(long end) throws IOException {
    if (end <= allocated) {
      return;
    }
    long target = Math.max(end, Math.min(allocated + PREALLOCATE, Math.max(segmentBytes, end)));
    ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(1 << 20, target - allocated));
    long at = allocated;
    while (at < target) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), target - at));
      at += active.write(zeros, at);
    }
    active.force(true); // the new size is metadata: it must be durable before data is acknowledged inside it
    allocated = target;
  }

  private Segment currentSegment() {
    synchronized (segmentsLock) {
      return segments.get(segments.size() - 1);
    }
  }

  /** The highest LSN that is on disk. */
  public long durableLsn() {
    return durableLsn;
  }

  /** Bytes held by live segments. */
  public long liveBytes() {
    return liveBytes.get();
  }

  /** The disk budget (wal.max-bytes). */
  public long maxBytes() {
    return maxBytes;
  }

  public Path dir() {
    return dir;
  }

  /**
   * Reads every durable record with LSN above {@code afterLsn}, in order. Safe while appends go on: only
   * records that were durable when the call started are read.
   */
  public void readAfter(long afterLsn, Consumer<WalRecord> consumer) {
    long upTo = durableLsn;
    List<Segment> snapshot;
    synchronized (segmentsLock) {
      snapshot = new ArrayList<>(segments);
    }
    for (int i = 0; i < snapshot.size(); i++) {
      Segment s = snapshot.get(i);
      Segment next = i + 1 < snapshot.size() ? snapshot.get(i + 1) : null;
      if (next != null && next.firstLsn <= afterLsn + 1) {
        continue;
      }
      if (s.firstLsn > upTo) {
        break;
      }
      // Resume where the previous read of this segment stopped, instead of rescanning it every cycle.
      long from = 0;
      long skipAfter = afterLsn;
      if (cursorPath != null && cursorPath.equals(s.path) && cursorLsn <= afterLsn) {
        from = cursorOffset;
      }
      long[] lastSeen = {-1};
      try {
        Segment reader = new Segment(s.path, s.firstLsn);
        long end = reader.scan(from, -1, skipAfter, r -> {
          if (r.lsn() <= upTo) {
            consumer.accept(r);
            lastSeen[0] = r.lsn();
          }
        }, false);
        if (reader.lastLsn <= upTo) {
          cursorPath = s.path;
          cursorOffset = end;
          cursorLsn = Math.max(reader.lastLsn, lastSeen[0]);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading write-ahead log " + s.path + ": " + e.getMessage(), e);
      }
    }
  }

  /** Deletes every segment whose records all have LSN at most {@code lsn} (they are committed). */
  public void truncateThrough(long lsn) {
    List<Segment> drop = new ArrayList<>();
    synchronized (segmentsLock) {
      // never the active (last) segment
      while (segments.size() > 1 && segments.get(1).firstLsn <= lsn + 1) {
        drop.add(segments.remove(0));
      }
    }
    for (Segment s : drop) {
      try {
        Files.deleteIfExists(s.path);
        liveBytes.addAndGet(-s.size);
        LOG.debug("wal {}: deleted committed segment {}", dir, s.path.getFileName());
      } catch (IOException e) {
        LOG.warn("wal {}: could not delete committed segment {}: {}", dir, s.path, e.toString());
      }
    }
  }

  /** Stops accepting appends, writes what is queued, and releases the lock. */
  @Override
  public void close() {
    closed = true;
    try {
      syncer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      active.close();
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing write-ahead log " + dir, e);
    }
  }
}
