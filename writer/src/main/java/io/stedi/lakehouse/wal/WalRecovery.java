package io.stedi.lakehouse.wal;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scans a log folder at open and decides, segment by segment, what is data, what is the space written ahead,
 * and what is damage. The rule: only a bad frame that nothing valid follows, at the end of the last segment (or
 * of a segment the log left after a failed write, whose successor starts at the next LSN), is an unacknowledged
 * write and may be ignored. Anything else stops the open with {@link ErrorCode#WAL_CORRUPT}, naming the segment
 * and offset: acknowledged records are never cut off silently. Nothing is truncated: the log always continues in
 * a new segment.
 */
final class WalRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(WalRecovery.class);
  /** Written by {@code wal salvage}: LSN ranges known to be lost, so the gap is not reported again. */
  static final String SALVAGED = "SALVAGED";

  private WalRecovery() {}

  /** The segments of {@code dir}, oldest first. */
  static List<Segment> list(Path dir) throws IOException {
    List<Segment> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.map(Segment::parse).filter(x -> x != null).forEach(out::add);
    }
    out.sort(Comparator.comparingLong((Segment x) -> x.firstLsn).thenComparingInt(x -> x.seq));
    return out;
  }

  /** Scans and validates every segment, filling in its format, size and last LSN. */
  static List<Segment> recover(Path dir) throws IOException {
    List<Segment> segs = list(dir);
    boolean salvaged = Files.exists(dir.resolve(SALVAGED));
    for (Segment seg : segs) {
      try (FileChannel ch = seg.openRead()) {
        // reads the format and void range of every segment before any is judged against its successor
      }
    }
    for (int i = 0; i < segs.size(); i++) {
      Segment seg = segs.get(i);
      Segment next = i + 1 < segs.size() ? segs.get(i + 1) : null;
      try (FileChannel ch = seg.openRead()) {
        if (seg.format != 1 && seg.format != Segment.FORMAT) {
          throw corrupt(seg, 0, "unknown segment format " + seg.format + " (written by a newer version?)");
        }
        Segment.Scan scan = seg.scan(ch, 0, -1, Long.MAX_VALUE, r -> { });
        seg.size = scan.validEnd();
        seg.lastLsn = scan.lastLsn();
        if (scan.stop() != Segment.Stop.END) {
          long later = seg.findFrame(ch, scan.validEnd() + 1, scan.lastLsn());
          if (later >= 0) {
            throw corrupt(seg, scan.validEnd(), scan.why() + ", and a valid frame follows at offset " + later);
          }
          boolean tornTail = !Segment.zeros(ch, scan.validEnd(), ch.size());
          if (tornTail && next != null && !follows(seg, next) && !salvaged) {
            throw corrupt(seg, scan.validEnd(), scan.why() + " at the end of a sealed segment whose successor "
                + next + " starts at lsn " + next.firstLsn + ", so lsn " + (seg.lastLsn + 1) + ".." + (next.firstLsn - 1)
                + " are lost");
          }
          if (tornTail) {
            LOG.warn("wal {}: ignoring {} bytes of an unacknowledged (torn or failed) write at offset {} of {}", dir,
                ch.size() - scan.validEnd(), scan.validEnd(), seg);
          }
        }
      }
      if (i > 0) {
        Segment prev = segs.get(i - 1);
        if (!follows(prev, seg) && !salvaged) {
          throw corrupt(seg, 0, "it starts at lsn " + seg.firstLsn + " but " + prev + " ends at lsn " + prev.lastLsn);
        }
      }
    }
    return segs;
  }

  /**
   * Whether {@code next} continues {@code seg} without a gap: it starts right after seg's last record, or its header
   * voids a range of failed writes that begins no later than that (whatever seg holds from there on is void).
   */
  private static boolean follows(Segment seg, Segment next) {
    if (next.voidFrom >= 0) {
      return seg.lastLsn + 1 >= next.voidFrom && next.voidFrom <= next.firstLsn;
    }
    return next.firstLsn == seg.lastLsn + 1;
  }

  private static StediException corrupt(Segment seg, long offset, String why) {
    return new StediException(ErrorCode.WAL_CORRUPT, "write-ahead log segment " + seg.path + " is damaged at offset "
        + offset + " (" + why + "); the gateway will not start on it, so that no acknowledged record is dropped. "
        + "Stop every writer of this log and run 'bin/stedi wal salvage' to keep every valid record on both sides "
        + "of the damage (the original is moved aside).");
  }

  /** What {@link #salvage} found. */
  record Salvage(long records, long segments, List<String> damaged, Path movedTo) {}

  /**
   * Copies every valid record of the log in {@code dir} (on both sides of any damage) into a fresh log with the
   * same LSNs, moves the original folder aside to {@code <dir>.damaged-<millis>} and puts the copy in its place.
   * The caller must hold no lock on {@code dir}.
   */
  static Salvage salvage(Path dir, long segmentBytes) throws IOException {
    try (FileChannel lockCh = FileChannel.open(dir.resolve(".lock"), java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE); java.nio.channels.FileLock l = lockCh.tryLock()) {
      if (l == null) {
        throw new StediException(ErrorCode.WAL_LOCKED, "write-ahead log " + dir + " is in use; stop its writer first");
      }
      return salvageLocked(dir, segmentBytes);
    }
  }

  private static Salvage salvageLocked(Path dir, long segmentBytes) throws IOException {
    Path work = dir.resolveSibling(dir.getFileName() + ".salvage-" + System.currentTimeMillis());
    Files.createDirectories(work);
    List<String> damaged = new ArrayList<>();
    List<WalRecord> records = new ArrayList<>();
    long[] lastLsn = {Long.MIN_VALUE};
    List<long[]> voids = new ArrayList<>();
    for (Segment seg : list(dir)) {
      try (FileChannel ch = seg.openRead()) {
        if (seg.voidFrom >= 0) {
          voids.add(new long[] {seg.voidFrom, seg.firstLsn});
        }
      }
    }
    for (Segment seg : list(dir)) {
      try (FileChannel ch = seg.openRead()) {
        long pos = 0;
        while (true) {
          Segment.Scan scan = seg.scan(ch, pos, -1, lastLsn[0], r -> {
            if (voids.stream().noneMatch(v -> r.lsn() >= v[0] && r.lsn() < v[1])) {
              records.add(r);
            }
            lastLsn[0] = r.lsn();
          });
          if (scan.stop() == Segment.Stop.END) {
            break;
          }
          long later = seg.findFrame(ch, scan.validEnd() + 1, lastLsn[0]);
          if (later < 0) {
            if (scan.stop() == Segment.Stop.BAD && !Segment.zeros(ch, scan.validEnd(), ch.size())) {
              damaged.add(seg + " offset " + scan.validEnd() + ".." + ch.size() + " (" + scan.why() + ")");
            }
            break;
          }
          damaged.add(seg + " offset " + scan.validEnd() + ".." + later + " (" + scan.why() + ")");
          pos = later;
        }
      }
    }
    long written = 0;
    List<String> gaps = new ArrayList<>();
    try (WriteAheadLog out = WriteAheadLog.openForSalvage(work, segmentBytes)) {
      long expect = records.isEmpty() ? 0 : records.get(0).lsn();
      long runStart = expect;
      long runBytes = 0;
      List<byte[]> run = new ArrayList<>();
      for (WalRecord r : records) {
        if (r.lsn() != expect || runBytes > (4 << 20)) {
          if (r.lsn() != expect) {
            gaps.add(expect + ".." + (r.lsn() - 1));
          }
          if (!run.isEmpty()) {
            out.appendRun(runStart, run);
          }
          run = new ArrayList<>();
          runStart = r.lsn();
          runBytes = 0;
        }
        run.add(r.payload());
        runBytes += r.payload().length;
        expect = r.lsn() + 1;
        written++;
      }
      if (!run.isEmpty()) {
        out.appendRun(runStart, run);
      }
    }
    Files.writeString(work.resolve(SALVAGED), "lost lsn ranges: " + gaps + "\ndamage: " + damaged + "\n");
    for (String keep : new String[] {"dedup", "poison"}) { // state beside the segments travels with them
      if (Files.isDirectory(dir.resolve(keep))) {
        copyTree(dir.resolve(keep), work.resolve(keep));
      }
    }
    Path aside = dir.resolveSibling(dir.getFileName() + ".damaged-" + System.currentTimeMillis());
    Files.move(dir, aside);
    Files.move(work, dir);
    return new Salvage(written, list(dir).size(), damaged, aside);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(p.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }
}
