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
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only, segmented write-ahead log with group-commit fsync (format in {@link Segment}).
 *
 * <p>{@link #append(byte[])} returns a future that completes with the record's LSN only once the record is
 * on disk ({@code fsync}); one sync thread writes whatever callers queued since its last sync as one CRC-checked
 * frame, so concurrent appends share an fsync. A disk budget bounds the live segments: above it, appends fail
 * at once with {@link ErrorCode#WAL_FULL} (back-pressure) until {@link #truncateThrough(long)} frees space.
 *
 * <p>A failed write or fsync fails every append of that group (none is acknowledged) and the log moves to a new
 * segment: after an fsync error the kernel may have dropped the dirty pages, so the failed region is never
 * written again or assumed durable (the "fsyncgate" rule). On open, damage is reported, never cut off
 * ({@link WalRecovery}).
 */
public final class WriteAheadLog implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);
  private static final int MAX_RECORD = 64 * 1024 * 1024;
  /** A group commit takes at most this much from the queue into one frame (more when one record is bigger). */
  private static final long MAX_GROUP_BYTES = 8L * 1024 * 1024;
  /**
   * How far ahead of the data the active segment is filled with zeros. An append inside already-written blocks
   * changes no file metadata, so its fdatasync flushes only this file's pages; an append that grows the file must
   * wait for an ext4 journal commit, which also flushes every other file's dirty data (the Parquet files the
   * commit thread writes) and made 1 % of acknowledgements wait 20-70 ms (JFR jdk.FileForce, bench/mqtt-bench.sh).
   */
  static final long PREALLOCATE = 4L * 1024 * 1024;

  /** How the log opens its files; tests pass one that injects write and fsync failures. */
  @FunctionalInterface
  interface ChannelOpener {
    FileChannel open(Path p, OpenOption... options) throws IOException;
  }

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final ChannelOpener files;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread syncer;
  private final Object segmentsLock = new Object();
  private final List<Segment> segments = new ArrayList<>();
  private final AtomicLong liveBytes = new AtomicLong();
  /** Frame bytes written since this log was opened, and of those, the bytes through the last committed LSN. */
  private final AtomicLong writtenBytes = new AtomicLong();
  private final AtomicLong committedBytes = new AtomicLong();
  /** (last LSN, writtenBytes after it) of each group commit not yet known to be committed, oldest first. */
  private final java.util.ArrayDeque<long[]> groupEnds = new java.util.ArrayDeque<>();
  private static final int MAX_GROUP_ENDS = 65_536;
  private final AtomicLong reservedBytes = new AtomicLong();
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicLong groupCommits = new AtomicLong();
  private volatile long durableLsn;
  private volatile boolean closed;
  private FileChannel active;
  private boolean mustRoll;
  /** First LSN of the group commits that failed since the last successful write, or -1. */
  private long voidFrom = -1;
  /** LSN ranges {@code [from, to)} of failed group commits: never read, whatever of them reached the disk. */
  private final List<long[]> voidRanges = new java.util.concurrent.CopyOnWriteArrayList<>();
  private int nextSeq;
  /** Bytes of the active segment that exist on disk (data plus the zeros written ahead). */
  private long allocated;
  private long nextLsn;
  // read cursor of readAfter (used by one reader thread, the commit coordinator)
  private Path cursorPath;
  private long cursorOffset;
  private long cursorLsn = Long.MAX_VALUE;
  private Pending carried;
  /** Shortest time between the starts of two group commits (wal.sync-interval); 0: none. */
  private final long syncIntervalNanos;
  /** When the sync thread started its last group commit ({@link System#nanoTime}). */
  private long lastSyncStart = System.nanoTime() - 1_000_000_000L;

  private record Pending(byte[] payload, CompletableFuture<Long> done) {}

  /**
   * Opens (creating if needed) the log in {@code dir} and takes an exclusive lock on it.
   *
   * @param minNextLsn the smallest LSN the next record may get (one past the highest LSN already committed
   *     from this log), so LSNs never go backwards even after every segment was deleted
   * @throws StediException WAL_CORRUPT when a segment is damaged (see {@link WalRecovery})
   */
  public static WriteAheadLog open(Path dir, long maxBytes, long segmentBytes, long minNextLsn) {
    return open(dir, maxBytes, segmentBytes, minNextLsn, 0);
  }

  /**
   * As {@link #open(Path, long, long, long)}, with a shortest time between two fsyncs (see {@code wal.sync-interval}):
   * appends that arrive within it of the last sync wait for the next group instead of each paying an fsync.
   */
  public static WriteAheadLog open(Path dir, long maxBytes, long segmentBytes, long minNextLsn, long syncIntervalNanos) {
    return open(dir, maxBytes, segmentBytes, minNextLsn, FileChannel::open, syncIntervalNanos);
  }

  static WriteAheadLog open(Path dir, long maxBytes, long segmentBytes, long minNextLsn, ChannelOpener files,
      long syncIntervalNanos) {
    if (syncIntervalNanos < 0) {
      throw new IllegalArgumentException("sync interval must not be negative");
    }
    try {
      return new WriteAheadLog(dir, maxBytes, segmentBytes, minNextLsn, files, syncIntervalNanos, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open write-ahead log " + dir + ": " + e.getMessage(), e);
    }
  }

  static WriteAheadLog open(Path dir, long maxBytes, long segmentBytes, long minNextLsn, ChannelOpener files) {
    return open(dir, maxBytes, segmentBytes, minNextLsn, files, 0);
  }

  /** A log for {@code wal salvage} to copy records into with their own LSNs ({@link #appendAt}). */
  static WriteAheadLog openForSalvage(Path dir, long segmentBytes) throws IOException {
    return new WriteAheadLog(dir, Long.MAX_VALUE, segmentBytes, 0, FileChannel::open, 0, true);
  }

  private WriteAheadLog(Path dir, long maxBytes, long segmentBytes, long minNextLsn, ChannelOpener files,
      long syncIntervalNanos, boolean salvage) throws IOException {
    this.dir = dir;
    this.syncIntervalNanos = syncIntervalNanos;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    this.files = files;
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
      throw new StediException(ErrorCode.WAL_LOCKED, "wal.dir " + dir + " is in use by another process; give each "
          + "writer its own writer.instance-id or wal.dir");
    }
    try {
      recover(minNextLsn, salvage);
    } catch (IOException | RuntimeException e) {
      lock.release();
      lockChannel.close();
      throw e;
    }
    syncer = new Thread(this::syncLoop, "wal-sync-" + dir.getFileName());
    syncer.setDaemon(true);
    if (!salvage) {
      syncer.start();
    }
  }

  private void recover(long minNextLsn, boolean salvage) throws IOException {
    long last = -1;
    if (!salvage) {
      for (Segment seg : WalRecovery.recover(dir)) {
        if (seg.lastLsn >= seg.firstLsn) {
          last = Math.max(last, seg.lastLsn);
        }
        if (seg.voidFrom >= 0) {
          voidRanges.add(new long[] {seg.voidFrom, seg.firstLsn});
          last = Math.max(last, seg.firstLsn - 1);
        }
        nextSeq = Math.max(nextSeq, seg.seq + 1);
        segments.add(seg);
        liveBytes.addAndGet(seg.size);
      }
    }
    nextLsn = Math.max(last + 1, minNextLsn);
    durableLsn = nextLsn - 1;
    // Never append to a segment that existed before: its tail may hold a torn write. A new one is cheap.
    mustRoll = true;
    if (!salvage) {
      roll();
    }
    LOG.info("wal {} opened: {} segment(s), {} bytes, next lsn {}", dir, segments.size(), liveBytes.get(), nextLsn);
  }

  private void roll() throws IOException {
    if (active != null) {
      try {
        active.close();
      } catch (IOException e) {
        LOG.warn("wal {}: closing the previous segment failed: {}", dir, e.toString());
      }
      active = null;
    }
    Segment seg = new Segment(dir.resolve(Segment.fileName(nextLsn, nextSeq++)), nextLsn, nextSeq - 1);
    seg.voidFrom = voidFrom;
    FileChannel ch = files.open(seg.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      ByteBuffer h = Segment.fileHeader(voidFrom);
      while (h.hasRemaining()) {
        ch.write(h, h.position());
      }
      ch.force(true);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    // fsync the folder so the new file's directory entry survives a power loss.
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
    active = ch;
    allocated = Segment.FILE_HEADER;
    seg.size = Segment.FILE_HEADER;
    liveBytes.addAndGet(Segment.FILE_HEADER);
    synchronized (segmentsLock) {
      segments.add(seg);
    }
    mustRoll = false;
  }

  /**
   * Appends one record. The future completes with its LSN once it is on disk, or fails with
   * {@link ErrorCode#WAL_FULL} at once when the disk budget is used up, or with STORAGE_UNAVAILABLE when the
   * write or fsync failed (then nothing of it counts as written).
   */
  public CompletableFuture<Long> append(byte[] payload) {
    if (closed) {
      return CompletableFuture.failedFuture(new StediException(ErrorCode.INTERNAL, "write-ahead log " + dir + " is closed"));
    }
    if (payload.length > MAX_RECORD) {
      return CompletableFuture.failedFuture(new StediException(ErrorCode.PAYLOAD_TOO_LARGE,
          "record of " + payload.length + " bytes exceeds the write-ahead log's " + MAX_RECORD));
    }
    long need = Segment.RECORD_HEADER + payload.length;
    if (liveBytes.get() + reservedBytes.addAndGet(need) > maxBytes) {
      reservedBytes.addAndGet(-need);
      return CompletableFuture.failedFuture(new StediException(ErrorCode.WAL_FULL, "write-ahead log " + dir
          + " holds " + liveBytes.get() + " bytes, its budget (wal.max-bytes) is " + maxBytes + "; try again later"));
    }
    CompletableFuture<Long> f = new CompletableFuture<>();
    queue.add(new Pending(payload, f));
    return f;
  }

  /** Writes records with consecutive LSNs from {@code firstLsn}, synchronously (salvage only; LSNs must increase). */
  void appendRun(long firstLsn, List<byte[]> payloads) throws IOException {
    if (mustRoll || firstLsn != nextLsn) {
      nextLsn = firstLsn;
      roll();
    }
    List<Pending> batch = new ArrayList<>(payloads.size());
    payloads.forEach(p -> batch.add(new Pending(p, new CompletableFuture<>())));
    writeAndSync(batch);
  }

  private void syncLoop() {
    List<Pending> batch = new ArrayList<>();
    while (!closed || !queue.isEmpty() || carried != null) {
      try {
        Pending first = carried != null ? carried : queue.poll(100, TimeUnit.MILLISECONDS);
        carried = null;
        CompletableFuture<Void> rollNow = rollRequest.getAndSet(null);
        if (rollNow != null) {
          try {
            roll(); // on this thread, between groups: the segment being written is never changed under a group
            rollNow.complete(null);
          } catch (IOException e) {
            mustRoll = true;
            rollNow.completeExceptionally(e);
          }
        }
        if (first == null) {
          continue;
        }
        // Bound the fsync rate: under load every message would otherwise get a group (and an fsync, the sync
        // thread's main cost) of its own. An append after a quiet spell is past the interval and syncs at once.
        for (long wait; syncIntervalNanos > 0 && (wait = lastSyncStart + syncIntervalNanos - System.nanoTime()) > 0
            && !closed; ) {
          LockSupport.parkNanos(wait);
        }
        lastSyncStart = System.nanoTime();
        batch.add(first);
        long bytes = first.payload.length;
        for (Pending p; (p = queue.poll()) != null; ) {
          if (bytes + p.payload.length > MAX_GROUP_BYTES) {
            carried = p; // starts the next group
            break;
          }
          batch.add(p);
          bytes += p.payload.length;
        }
        writeAndSync(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (IOException | RuntimeException e) {
        failedWrites.incrementAndGet();
        LOG.error("wal {}: write or fsync failed, failing {} appends (none is acknowledged) and moving to a new "
            + "segment: {}", dir, batch.size(), e.toString());
        StediException err = new StediException(ErrorCode.STORAGE_UNAVAILABLE, "write-ahead log " + dir
            + " could not write: " + e.getMessage(), e);
        mustRoll = true;
        // The group's LSNs are spent, never reused: its frame may have reached the disk even though fsync failed,
        // and it must never be replayed (its appenders resend). The next segment's header records the void range.
        long first = nextLsn;
        nextLsn += batch.size();
        if (voidFrom < 0) {
          voidFrom = first;
        }
        voidRanges.add(new long[] {first, nextLsn});
        for (Pending p : batch) {
          reservedBytes.addAndGet(-(Segment.RECORD_HEADER + p.payload.length));
          p.done.completeExceptionally(err);
        }
      } finally {
        batch.clear();
      }
    }
  }

  private void writeAndSync(List<Pending> batch) throws IOException {
    long payloadBytes = 0;
    List<byte[]> payloads = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      payloadBytes += p.payload.length;
      payloads.add(p.payload);
    }
    int total = (int) Segment.frameBytes(batch.size(), payloadBytes);
    if (mustRoll) {
      roll();
    }
    Segment seg = currentSegment();
    if (seg.size > Segment.FILE_HEADER && seg.size + total > segmentBytes) {
      roll();
      seg = currentSegment();
    }
    ByteBuffer buf = ByteBuffer.allocate(total);
    long first = nextLsn;
    Segment.frame(buf, first, payloads);
    buf.flip();
    preallocate(seg.size + total);
    long at = seg.size;
    while (buf.hasRemaining()) {
      at += active.write(buf, at);
    }
    active.force(false);
    // Only now does anything of this group count: a failure above leaves sizes and durableLsn as they were.
    nextLsn = first + batch.size();
    voidFrom = -1;
    seg.size += total;
    seg.lastLsn = nextLsn - 1;
    liveBytes.addAndGet(total);
    long written = writtenBytes.addAndGet(total);
    synchronized (groupEnds) {
      long[] last = groupEnds.peekLast();
      if (last != null && groupEnds.size() >= MAX_GROUP_ENDS) {
        // commits are not coming (an outage): stretch the newest entry instead of growing without bound; the
        // backlog then looks a little larger than it is until the commits catch up with that entry
        last[0] = nextLsn - 1;
        last[1] = written;
      } else {
        groupEnds.addLast(new long[] {nextLsn - 1, written});
      }
    }
    reservedBytes.addAndGet(-(total - Segment.HEADER));
    // counted before any of its futures completes, so that a caller who saw its append done sees its group counted
    groupCommits.incrementAndGet();
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

  /**
   * Bytes written since this log was opened and not committed yet (through {@link #truncateThrough}): the commit
   * backlog. Unlike {@link #liveBytes} it does not count committed records still in a live segment (a segment is
   * deleted only whole), so it falls to 0 whenever the commits have caught up.
   */
  public long pendingBytes() {
    return Math.max(0, writtenBytes.get() - committedBytes.get());
  }

  /** The disk budget (wal.max-bytes). */
  public long maxBytes() {
    return maxBytes;
  }

  /** Group commits whose write or fsync failed since the log was opened. */
  public long failedWrites() {
    return failedWrites.get();
  }

  /** Group commits (one frame and one fsync each) written since the log was opened. */
  public long groupCommits() {
    return groupCommits.get();
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
      if (cursorPath != null && cursorPath.equals(s.path) && cursorLsn <= afterLsn) {
        from = cursorOffset;
      }
      long[] lastSeen = {-1};
      Segment reader = new Segment(s.path, s.firstLsn, s.seq);
      try (FileChannel ch = reader.openRead()) {
        Segment.Scan scan = reader.scan(ch, from, -1, afterLsn, r -> {
          if (r.lsn() <= upTo && !isVoid(r.lsn())) {
            consumer.accept(r);
            lastSeen[0] = r.lsn();
          }
        });
        if (scan.lastLsn() <= upTo) {
          cursorPath = s.path;
          cursorOffset = scan.validEnd();
          cursorLsn = Math.max(scan.lastLsn(), lastSeen[0]);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading write-ahead log " + s.path + ": " + e.getMessage(), e);
      }
    }
  }

  private boolean isVoid(long lsn) {
    for (long[] r : voidRanges) {
      if (lsn >= r[0] && lsn < r[1]) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts a new segment at the next opportunity (within 100 ms, between groups), so that every record written so
   * far is in a closed segment that {@link #truncateThrough} can delete once committed: {@code forget} uses it to
   * leave no copy of an erased person's readings in the log.
   */
  public CompletableFuture<Void> rollSegment() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    CompletableFuture<Void> earlier = rollRequest.getAndSet(f);
    if (earlier != null) {
      f.whenComplete((x, e) -> {
        if (e == null) {
          earlier.complete(null);
        } else {
          earlier.completeExceptionally(e);
        }
      });
    }
    return f;
  }

  private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<Void>> rollRequest =
      new java.util.concurrent.atomic.AtomicReference<>();

  /** Deletes every segment whose records all have LSN at most {@code lsn} (they are committed). */
  public void truncateThrough(long lsn) {
    synchronized (groupEnds) {
      for (long[] g; (g = groupEnds.peekFirst()) != null && g[0] <= lsn; groupEnds.pollFirst()) {
        committedBytes.set(g[1]);
      }
    }
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
        LOG.debug("wal {}: deleted committed segment {}", dir, s);
      } catch (IOException e) {
        LOG.warn("wal {}: could not delete committed segment {}: {}", dir, s.path, e.toString());
      }
    }
  }

  /** Paths of the live segment files, oldest first (for tools and erasure). */
  public List<Path> segmentFiles() {
    synchronized (segmentsLock) {
      return segments.stream().map(s -> s.path).toList();
    }
  }

  /**
   * Checks the log in {@code dir} without opening it for writing; returns a one-line summary per segment.
   *
   * @throws StediException WAL_CORRUPT naming the damaged segment and offset
   */
  public static List<String> verify(Path dir) {
    try {
      return WalRecovery.recover(dir).stream()
          .map(s -> s + ": format " + s.format + ", lsn " + s.firstLsn + ".." + s.lastLsn + ", " + s.size + " bytes")
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("reading write-ahead log " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Salvages a damaged log: keeps every valid record on both sides of the damage (same LSNs) in a fresh log at
   * {@code dir} and moves the original aside. Returns a report: records kept, damaged ranges, where the original is.
   */
  public static List<String> salvage(Path dir, long segmentBytes) {
    try {
      WalRecovery.Salvage s = WalRecovery.salvage(dir, segmentBytes);
      List<String> out = new ArrayList<>();
      out.add("kept " + s.records() + " record(s) in " + s.segments() + " segment(s) at " + dir);
      s.damaged().forEach(d -> out.add("damaged: " + d));
      out.add("the original log is at " + s.movedTo());
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("salvaging write-ahead log " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Stops accepting appends, writes what is queued, and releases the lock. */
  @Override
  public void close() {
    closed = true;
    if (syncer.isAlive()) {
      try {
        syncer.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      if (active != null) {
        active.close();
      }
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing write-ahead log " + dir, e);
    }
  }
}
