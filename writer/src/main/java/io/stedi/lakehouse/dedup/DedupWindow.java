package io.stedi.lakehouse.dedup;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identities of the landing rows a writer took in the recent past, so that a reading delivered again (an MQTT
 * resend after a lost PUBACK, a crash, an HTTP retry without an idempotency key, the bridge's broker redelivering)
 * is acknowledged without being written twice.
 *
 * <p>Bounded in time ({@code dedup.window}) and memory ({@code dedup.max-entries}): identities live in one
 * {@link IdentitySet}, tagged with generations of one eighth of the window each; a generation is dropped whole when it
 * ages out, or early (oldest first, counted in {@link #evictedEarly()}) when the set would exceed its entry budget.
 *
 * <p>Durable: an identity enters memory when its row is durable in the write-ahead log (the log itself then holds
 * it). Before the commit coordinator deletes a log segment it {@link #record records} the identities of the rows it
 * committed here and {@link #sync syncs} them. On open, the recorded identities plus those still in the log (the
 * coordinator replays it) rebuild the window, so it survives kill -9. Time the writer was down does not count: the
 * window is the last {@code dedup.window} of running time before and after a restart.
 */
public final class DedupWindow implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(DedupWindow.class);
  private static final byte[] MAGIC = {'S', 'T', 'D', 'D', 'U', 'P', '0', '1'};
  private static final int GENERATIONS = 8;
  private static final String SUFFIX = ".ids";

  private final Path dir;
  private final long windowMillis;
  private final long sliceMillis;
  private final long maxEntries;
  private final ReadingIdentity identity;
  private final ArrayDeque<Generation> generations = new ArrayDeque<>();
  private final IdentitySet set = new IdentitySet(1024);
  /** Guards the set and the generations; lookups read optimistically (see {@link #containsAll}). */
  private final StampedLock lock = new StampedLock();
  private volatile boolean anyGeneration;
  /** Optimistic lookups before a lookup waits for the read lock (a writer holding the lock that long was preempted). */
  private static final int OPTIMISTIC_ATTEMPTS = 2048;
  private int nextGen;
  private final AtomicLong evictedEarly = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  /** How long the writer was down before this open: loaded identities age from the moment it stopped. */
  private final long downtimeMillis;
  private long entries;
  private FileChannel file;
  private long fileStart;
  private final ByteBuffer out = ByteBuffer.allocate(16 * 4096);
  private long lastEarlyWarn;

  /** A generation's bookkeeping; its identities are in {@link #set}, tagged with {@link #id}. */
  private static final class Generation {
    final int id;
    final long start;
    long last;
    long count;

    Generation(int id, long start) {
      this.id = id;
      this.start = start;
      this.last = start;
    }
  }

  private Generation newGeneration(long start) {
    Generation g = new Generation(nextGen++ & 0xFFFF, start);
    generations.addLast(g);
    anyGeneration = true; // never empty again: only the oldest of two or more is ever dropped
    set.live(generations.peekFirst().id, g.id);
    return g;
  }

  private void dropOldest() {
    Generation g = generations.removeFirst();
    entries -= g.count;
    // the dead entries stay until their table next fills up: each of the set's tables then drops them on its own,
    // a small rebuild at a time, rather than all tables at once here under the lock every ingest thread waits on
    set.live(generations.peekFirst().id, generations.peekLast().id);
  }

  private final java.util.function.LongSupplier clock;

  private DedupWindow(Path dir, Duration window, long maxEntries, java.util.function.LongSupplier clock)
      throws IOException {
    this.clock = clock;
    this.dir = dir;
    this.windowMillis = window.toMillis();
    this.sliceMillis = Math.max(1000, windowMillis / GENERATIONS);
    this.maxEntries = maxEntries;
    Files.createDirectories(dir);
    this.identity = new ReadingIdentity(key(dir.resolve("key")));
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
    }
    long newest = 0;
    for (Path p : files) {
      newest = Math.max(newest, Files.getLastModifiedTime(p).toMillis());
    }
    long now = clock.getAsLong();
    this.downtimeMillis = files.isEmpty() ? 0 : Math.max(0, now - newest);
    long loaded = 0;
    for (Path p : files) {
      long modified = Files.getLastModifiedTime(p).toMillis();
      if (modified + windowMillis < newest) {
        Files.deleteIfExists(p);
        continue;
      }
      loaded += load(p, modified + downtimeMillis);
    }
    LOG.info("dedup window {}: {} identities recorded before this start, window {} ms, at most {} identities", dir,
        loaded, windowMillis, maxEntries);
  }

  /** Opens (creating if needed) the window kept in {@code dir}. */
  public static DedupWindow open(Path dir, Duration window, long maxEntries) {
    return open(dir, window, maxEntries, System::currentTimeMillis);
  }

  /** Like {@link #open(Path, Duration, long)} on a given clock (epoch ms), for tests. */
  static DedupWindow open(Path dir, Duration window, long maxEntries, java.util.function.LongSupplier clock) {
    try {
      return new DedupWindow(dir, window, maxEntries, clock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open dedup window " + dir + ": " + e.getMessage(), e);
    }
  }

  private static byte[] key(Path p) throws IOException {
    if (Files.exists(p) && Files.size(p) == 32) {
      return Files.readAllBytes(p);
    }
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    Path tmp = p.resolveSibling("key.tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(k));
      ch.force(true);
    }
    Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    // identities recorded under another key can never match again
    try (Stream<Path> s = Files.list(p.getParent())) {
      for (Path f : s.filter(x -> x.getFileName().toString().endsWith(SUFFIX)).toList()) {
        Files.deleteIfExists(f);
      }
    }
    return k;
  }

  private long load(Path p, long last) throws IOException {
    byte[] all = Files.readAllBytes(p);
    if (all.length < MAGIC.length || !java.util.Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      LOG.warn("dedup window {}: ignoring {}, which is not a dedup file of this version", dir, p.getFileName());
      return 0;
    }
    ByteBuffer b = ByteBuffer.wrap(all, MAGIC.length, all.length - MAGIC.length);
    long n = 0;
    long stamp = lock.writeLock();
    try {
      Generation g = newGeneration(last);
      while (b.remaining() >= 16) { // a cut-off last identity (torn write) is ignored: the log still holds its row
        if (set.add(b.getLong(), b.getLong(), g.id)) {
          n++;
        }
      }
      g.count = n;
      g.last = last;
      entries += n;
    } finally {
      lock.unlockWrite(stamp);
    }
    return n;
  }

  /** How identities are computed (the key is this window's). */
  public ReadingIdentity identity() {
    return identity;
  }

  /** Whether the window holds {@code id}. */
  public boolean contains(ReadingIdentity.Id id) {
    return containsAll(new ReadingIdentity.Id[] {id})[0];
  }

  /**
   * For each non-null identity of a batch, whether the window holds it. The table's slots of the whole batch are
   * touched first so that their cache misses overlap instead of queueing (the table is far larger than the caches;
   * JFR showed the one-at-a-time lookups as the event loop's largest cost).
   *
   * <p>An optimistic read: it takes no lock and is repeated under the read lock only when an add ran meanwhile. The
   * ingest threads look up and the log's sync thread adds after every group commit; with one lock for both, each
   * waited for the other (JFR: the event loop blocked 229 ms and the sync thread 481 ms in 45 s at 60 k msgs/s).
   */
  public boolean[] containsAll(ReadingIdentity.Id[] ids) {
    boolean[] out = new boolean[ids.length];
    if (!anyGeneration) {
      return out;
    }
    // An add holds the write lock for microseconds: try again at once rather than park in readLock, whose wake-up
    // took milliseconds on a busy machine (JFR: 722 parks of the event loop over 1 ms in 45 s before this spin)
    for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
      long stamp = lock.tryOptimisticRead();
      if (stamp != 0) {
        lookUp(ids, out);
        if (lock.validate(stamp)) {
          return out;
        }
      }
      Thread.onSpinWait();
    }
    long stamp = lock.readLock();
    try {
      lookUp(ids, out);
      return out;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  private void lookUp(ReadingIdentity.Id[] ids, boolean[] out) {
    set.touch(java.util.Arrays.asList(ids));
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i] != null && set.contains(ids[i].hi(), ids[i].lo());
    }
  }

  /** Adds the identities of a batch whose rows are durable, touching their slots first (see {@link #containsAll}). */
  public void addAll(List<ReadingIdentity.Id> ids) {
    long stamp = lock.writeLock();
    try {
      set.touch(ids);
      for (ReadingIdentity.Id id : ids) {
        addLocked(id);
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * How many identities have been added so far: a caller that looked identities up and finds this unchanged since
   * before the lookup knows that no identity became durable meanwhile (see the dedup gate's lock-free check).
   */
  public long additions() {
    return additions;
  }

  private volatile long additions;

  /** Adds an identity whose row is durable in the write-ahead log. */
  public void add(ReadingIdentity.Id id) {
    long stamp = lock.writeLock();
    try {
      addLocked(id);
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  private void addLocked(ReadingIdentity.Id id) {
    additions++; // under the write lock: no increment is lost; volatile: readers without the lock see it
    long now = clock.getAsLong();
    Generation g = generations.peekLast();
    if (g == null || now - g.start >= sliceMillis || g.count >= Math.max(1024, maxEntries / GENERATIONS)
        || g.start > now) {
      g = newGeneration(now);
    }
    if (set.add(id.hi(), id.lo(), g.id)) {
      entries++;
      g.count++;
    }
    g.last = now;
    expire(now);
  }

  /** Counts a delivery that was recognised as a duplicate (for metrics). */
  public void countDuplicate(long n) {
    duplicates.addAndGet(n);
  }

  private void expire(long now) {
    while (generations.size() > 1 && generations.peekFirst().last + windowMillis < now) {
      dropOldest();
    }
    while (entries > maxEntries && generations.size() > 1) {
      Generation g = generations.peekFirst();
      dropOldest();
      evictedEarly.addAndGet(g.count);
      if (now - lastEarlyWarn > 60_000) {
        lastEarlyWarn = now;
        LOG.warn("dedup window {}: more than dedup.max-entries={} identities within dedup.window={} ms; dropping the "
            + "oldest {} early (the window now covers {} ms); raise dedup.max-entries for this traffic", dir,
            maxEntries, windowMillis, g.count, coveredMillis(now));
      }
    }
  }

  private long coveredMillis(long now) {
    Generation first = generations.peekFirst();
    return first == null ? 0 : Math.min(windowMillis, now - first.start);
  }

  /**
   * Records the identity of a committed row on disk (buffered; durable at the next {@link #sync()}). Called by the
   * commit coordinator's thread only.
   */
  public void record(ReadingIdentity.Id id) {
    try {
      if (out.remaining() < 16) {
        flushBuffer();
      }
      out.putLong(id.hi()).putLong(id.lo());
    } catch (IOException e) {
      throw new UncheckedIOException("writing dedup window " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Makes every recorded identity durable; the coordinator calls it before deleting log segments. */
  public void sync() {
    try {
      flushBuffer();
      if (file != null) {
        file.force(false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("syncing dedup window " + dir + ": " + e.getMessage(), e);
    }
  }

  private void flushBuffer() throws IOException {
    out.flip();
    if (!out.hasRemaining()) {
      out.clear();
      return;
    }
    long now = clock.getAsLong();
    if (file == null || now - fileStart >= sliceMillis) {
      rotate(now);
    }
    while (out.hasRemaining()) {
      file.write(out);
    }
    out.clear();
  }

  private void rotate(long now) throws IOException {
    if (file != null) {
      file.force(false);
      file.close();
    }
    fileStart = now;
    Path p = dir.resolve(String.format("%020d%s", now, SUFFIX));
    file = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    if (file.size() == 0) {
      file.write(ByteBuffer.wrap(MAGIC));
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
    List<Path> old = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.filter(x -> x.getFileName().toString().endsWith(SUFFIX) && !x.equals(p)).toList()) {
        if (Files.getLastModifiedTime(f).toMillis() + downtimeMillis + windowMillis < now) {
          old.add(f);
        }
      }
    }
    for (Path f : old) {
      Files.deleteIfExists(f);
    }
  }

  /** Identities held in memory. */
  public long size() {
    long stamp = lock.readLock();
    try {
      return entries;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Identities dropped before their time because the window was full. */
  public long evictedEarly() {
    return evictedEarly.get();
  }

  /** Deliveries recognised as duplicates (acknowledged, not written again). */
  public long duplicates() {
    return duplicates.get();
  }

  /** How far back the window reaches now, in ms (less than dedup.window when it had to drop identities early). */
  public long coveredMillis() {
    long stamp = lock.readLock();
    try {
      return coveredMillis(clock.getAsLong());
    } finally {
      lock.unlockRead(stamp);
    }
  }

  @Override
  public void close() {
    try {
      sync();
      if (file != null) {
        file.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("closing dedup window " + dir, e);
    }
  }
}
