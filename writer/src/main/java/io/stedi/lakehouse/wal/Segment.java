package io.stedi.lakehouse.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * One segment file of the log and its on-disk format.
 *
 * <p><b>Format 2</b> (written by this version): a 24-byte file header {@code "STEDIWAL" int version=2 int 0
 * long voidFrom}, where {@code voidFrom >= 0} says that LSNs {@code [voidFrom, firstLsn)} belong to group commits
 * whose write or fsync failed: whatever of them reached the disk is void and never replayed (their appenders were
 * told they failed, and resend). Then comes
 * then one <em>frame per group commit</em>: {@code [int magic "WFM2"][int bodyLength][int crc32c][long firstLsn]
 * [int count]} followed by {@code count} records {@code [int length][payload]}; record {@code i} has LSN
 * {@code firstLsn + i}. The CRC covers firstLsn, count and the body. After the last frame come zeros the log
 * wrote ahead. Because each group commit is a single frame and the next one is written only after its fsync
 * succeeded, a bad frame followed by a valid frame with a higher LSN is damage to acknowledged data, never a
 * torn write.
 *
 * <p><b>Format 1</b> (read only, for logs left by earlier versions): no file header; frames
 * {@code [int length][int crc32c][long lsn][payload]}, one record each.
 *
 * <p>File names are {@code <firstLsn 20 digits>[.<seq 6 digits>].wal}: the log never appends to a segment after a
 * restart or a failed write, it starts a new one, so a segment that holds nothing can share its first LSN with
 * its successor.
 */
final class Segment {
  static final String SUFFIX = ".wal";
  static final long FILE_MAGIC = 0x535445444957414CL; // "STEDIWAL"
  static final int FORMAT = 2;
  static final int FILE_HEADER = 24;
  static final int FRAME_MAGIC = 0x57464D32; // "WFM2"
  /** Frame header of format 2: magic, body length, crc, first LSN, count. */
  static final int HEADER = 24;
  /** Per-record overhead inside a format-2 frame. */
  static final int RECORD_HEADER = 4;
  static final int V1_HEADER = 16;
  static final int MAX_FRAME_BODY = 128 * 1024 * 1024;

  final Path path;
  final long firstLsn;
  final int seq;
  /** 1 or 2, read from the file; 2 for a new segment. */
  int format = FORMAT;
  /** LSNs from here up to {@link #firstLsn} are void (failed writes), or -1. */
  long voidFrom = -1;
  long lastLsn;
  /** Offset one past the last valid frame. */
  long size;

  Segment(Path path, long firstLsn, int seq) {
    this.path = path;
    this.firstLsn = firstLsn;
    this.seq = seq;
    this.lastLsn = firstLsn - 1;
  }

  static String fileName(long firstLsn, int seq) {
    return String.format("%020d.%06d%s", firstLsn, seq, SUFFIX);
  }

  /** Parses a segment file name of either format; null when it is not one. */
  static Segment parse(Path p) {
    String n = p.getFileName().toString();
    if (!n.endsWith(SUFFIX)) {
      return null;
    }
    String stem = n.substring(0, n.length() - SUFFIX.length());
    try {
      int dot = stem.indexOf('.');
      if (dot < 0) {
        return new Segment(p, Long.parseLong(stem), -1);
      }
      return new Segment(p, Long.parseLong(stem.substring(0, dot)), Integer.parseInt(stem.substring(dot + 1)));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static ByteBuffer fileHeader(long voidFrom) {
    return ByteBuffer.allocate(FILE_HEADER).putLong(FILE_MAGIC).putInt(FORMAT).putInt(0).putLong(voidFrom).flip();
  }

  /** Bytes one frame of these payloads takes. */
  static long frameBytes(int count, long payloadBytes) {
    return HEADER + (long) count * RECORD_HEADER + payloadBytes;
  }

  /** Writes one frame holding {@code payloads} with LSNs from {@code firstLsn}. */
  static void frame(ByteBuffer buf, long firstLsn, java.util.List<byte[]> payloads) {
    int start = buf.position();
    buf.putInt(FRAME_MAGIC).putInt(0).putInt(0).putLong(firstLsn).putInt(payloads.size());
    for (byte[] p : payloads) {
      buf.putInt(p.length).put(p);
    }
    int bodyLen = buf.position() - start - HEADER;
    buf.putInt(start + 4, bodyLen);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), buf.arrayOffset() + start + 12, buf.position() - start - 12);
    buf.putInt(start + 8, (int) crc.getValue());
  }

  /** How a scan ended. */
  enum Stop {
    /** Reached the limit exactly. */
    END,
    /** Found zeros where a frame header would be: the space the log wrote ahead. */
    ZEROS,
    /** Found a frame that is cut off or fails its CRC. */
    BAD
  }

  /** The outcome of a scan: where valid data ends, why, and the last LSN seen. */
  record Scan(long validEnd, Stop stop, String why, long lastLsn, long records) {}

  /** Reads the format (and the void range) from the file header; format 1 files have none. */
  void readHeader(FileChannel ch) throws IOException {
    voidFrom = -1;
    if (ch.size() < 8) {
      format = ch.size() == 0 ? FORMAT : 1;
      return;
    }
    ByteBuffer m = ByteBuffer.allocate(8);
    readFully(ch, m, 0);
    if (m.getLong(0) != FILE_MAGIC) {
      format = 1;
      return;
    }
    if (ch.size() < FILE_HEADER) {
      format = -1; // a header cut off: the file was never used (it is created with its header in one fsync)
      return;
    }
    ByteBuffer h = ByteBuffer.allocate(FILE_HEADER);
    readFully(ch, h, 0);
    format = h.getInt(8);
    voidFrom = h.getLong(16);
  }

  /** The offset of the first frame. */
  long dataStart() {
    return format == 1 ? 0 : FILE_HEADER;
  }

  /**
   * Reads frames from {@code offset} up to {@code limit} (or the file's end when negative), handing every record
   * with LSN above {@code afterLsn} to the consumer, and stops at the first zero header or bad frame.
   */
  Scan scan(FileChannel ch, long offset, long limit, long afterLsn, Consumer<WalRecord> consumer) throws IOException {
    long end = limit < 0 ? ch.size() : Math.min(limit, ch.size());
    if (format < 0) {
      return new Scan(ch.size(), Stop.END, "no header", lastLsn, 0);
    }
    long pos = Math.max(offset, dataStart());
    long last = lastLsn;
    long n = 0;
    int header = format == 1 ? V1_HEADER : HEADER;
    ByteBuffer h = ByteBuffer.allocate(header);
    while (pos < end) {
      if (pos + header > end) {
        return new Scan(pos, zeros(ch, pos, end) ? Stop.ZEROS : Stop.BAD, "partial frame header", last, n);
      }
      h.clear();
      readFully(ch, h, pos);
      if (allZero(h)) {
        return new Scan(pos, Stop.ZEROS, "zeros", last, n);
      }
      Frame f = format == 1 ? readV1(ch, h, pos, end) : readV2(ch, h, pos, end);
      if (f.error != null) {
        return new Scan(pos, Stop.BAD, f.error, last, n);
      }
      for (int i = 0; i < f.records.length; i++) {
        long lsn = f.firstLsn + i;
        if (lsn > afterLsn) {
          consumer.accept(new WalRecord(lsn, f.records[i]));
        }
        last = lsn;
        n++;
      }
      pos = f.end;
    }
    return new Scan(pos, Stop.END, "end", last, n);
  }

  /**
   * The offset of the first valid format-2 frame at or after {@code from} whose LSN is above {@code minLsn}, or -1:
   * used after a bad frame to tell damage (valid data follows) from a torn write (nothing follows).
   */
  long findFrame(FileChannel ch, long from, long minLsn) throws IOException {
    if (format != FORMAT) {
      return -1; // format 1 has no frame marker to search for
    }
    long end = ch.size();
    ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
    for (long base = Math.max(from, dataStart()); base + HEADER <= end; ) {
      chunk.clear();
      int n = ch.read(chunk, base);
      if (n < 4) {
        return -1;
      }
      for (int i = 0; i + 4 <= n; i++) {
        if (chunk.getInt(i) == FRAME_MAGIC && base + i + HEADER <= end) {
          ByteBuffer h = ByteBuffer.allocate(HEADER);
          readFully(ch, h, base + i);
          Frame f = readV2(ch, h, base + i, end);
          if (f.error == null && f.firstLsn > minLsn) {
            return base + i;
          }
        }
      }
      base += n - 3; // overlap so a marker across the chunk boundary is seen
    }
    return -1;
  }

  private record Frame(long firstLsn, byte[][] records, long end, String error) {
    static Frame bad(String why) {
      return new Frame(-1, null, -1, why);
    }
  }

  private static Frame readV2(FileChannel ch, ByteBuffer h, long pos, long end) throws IOException {
    int magic = h.getInt(0);
    int len = h.getInt(4);
    int crc = h.getInt(8);
    long first = h.getLong(12);
    int count = h.getInt(20);
    if (magic != FRAME_MAGIC) {
      return Frame.bad("no frame marker");
    }
    if (len < 0 || len > MAX_FRAME_BODY || pos + HEADER + len > end || count < 0 || count > len / RECORD_HEADER + 1) {
      return Frame.bad("frame length " + len + " runs past the end");
    }
    ByteBuffer body = ByteBuffer.allocate(len);
    readFully(ch, body, pos + HEADER);
    CRC32C c = new CRC32C();
    c.update(h.array(), 12, 12);
    c.update(body.array());
    if ((int) c.getValue() != crc) {
      return Frame.bad("CRC mismatch");
    }
    byte[][] records = new byte[count][];
    for (int i = 0; i < count; i++) {
      int rl = body.getInt();
      if (rl < 0 || rl > body.remaining()) {
        return Frame.bad("record " + i + " length " + rl + " runs past its frame");
      }
      records[i] = new byte[rl];
      body.get(records[i]);
    }
    return new Frame(first, records, pos + HEADER + len, null);
  }

  private static Frame readV1(FileChannel ch, ByteBuffer h, long pos, long end) throws IOException {
    int len = h.getInt(0);
    int crc = h.getInt(4);
    long lsn = h.getLong(8);
    if (len < 0 || pos + V1_HEADER + len > end) {
      return Frame.bad("frame length " + len + " runs past the end");
    }
    ByteBuffer body = ByteBuffer.allocate(len);
    readFully(ch, body, pos + V1_HEADER);
    CRC32C c = new CRC32C();
    c.update(h.array(), 8, 8);
    c.update(body.array());
    if ((int) c.getValue() != crc) {
      return Frame.bad("CRC mismatch");
    }
    return new Frame(lsn, new byte[][] {body.array()}, pos + V1_HEADER + len, null);
  }

  /** Opens the file read-only and reads its format. */
  FileChannel openRead() throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    readHeader(ch);
    return ch;
  }

  private static boolean allZero(ByteBuffer b) {
    for (int i = 0; i < b.limit(); i++) {
      if (b.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether bytes {@code [from, to)} of the file are all zero. */
  static boolean zeros(FileChannel ch, long from, long to) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) Math.min(64 * 1024, Math.max(0, to - from)));
    for (long pos = from; pos < to; ) {
      b.clear().limit((int) Math.min(b.capacity(), to - pos));
      int n = ch.read(b, pos);
      if (n < 0) {
        break;
      }
      for (int i = 0; i < n; i++) {
        if (b.get(i) != 0) {
          return false;
        }
      }
      pos += n;
    }
    return true;
  }

  static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    long p = pos;
    while (b.hasRemaining()) {
      int n = ch.read(b, p);
      if (n < 0) {
        throw new IOException("unexpected end of file at " + p);
      }
      p += n;
    }
    b.flip();
  }

  @Override
  public String toString() {
    return path.getFileName().toString();
  }
}
