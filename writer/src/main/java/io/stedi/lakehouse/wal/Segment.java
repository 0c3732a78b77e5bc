package io.stedi.lakehouse.wal;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * One segment file of the log: a sequence of frames {@code [int length][int crc32c][long lsn][payload]}, where
 * the CRC covers the LSN and the payload, followed by zeros the log wrote ahead (an all-zero header ends the
 * data; no real frame has one, since its CRC covers the LSN). The file name is the first LSN it holds.
 */
final class Segment {
  static final int HEADER = 16;
  static final String SUFFIX = ".wal";

  final Path path;
  final long firstLsn;
  long lastLsn;
  long size;

  Segment(Path path, long firstLsn) {
    this.path = path;
    this.firstLsn = firstLsn;
    this.lastLsn = firstLsn - 1;
  }

  static String fileName(long firstLsn) {
    return String.format("%020d%s", firstLsn, SUFFIX);
  }

  static void frame(ByteBuffer buf, long lsn, byte[] payload) {
    CRC32C crc = new CRC32C();
    ByteBuffer lsnBytes = ByteBuffer.allocate(8).putLong(0, lsn);
    crc.update(lsnBytes.array());
    crc.update(payload);
    buf.putInt(payload.length).putInt((int) crc.getValue()).putLong(lsn).put(payload);
  }

  /**
   * Reads frames from {@code offset}, passing each record with LSN above {@code afterLsn} to the consumer.
   * Stops at the end of valid data and returns that offset; a torn or corrupt frame ends the scan.
   *
   * @param limit do not read at or past this offset (the durable end), or -1 for the whole file
   * @param strictTail true when a bad frame is corruption (a sealed segment) rather than a torn tail
   */
  long scan(long offset, long limit, long afterLsn, Consumer<WalRecord> consumer, boolean strictTail) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long end = limit < 0 ? ch.size() : Math.min(limit, ch.size());
      long pos = offset;
      ByteBuffer header = ByteBuffer.allocate(HEADER);
      while (pos + HEADER <= end) {
        header.clear();
        readFully(ch, header, pos);
        int len = header.getInt(0);
        int crc = header.getInt(4);
        long lsn = header.getLong(8);
        if (len == 0 && crc == 0 && lsn == 0) {
          return pos; // zeros the log wrote ahead of its data (see WriteAheadLog#preallocate): the end of the data
        }
        if (len < 0 || pos + HEADER + len > end) {
          return badFrame(pos, "frame length " + len + " runs past the end", strictTail, end);
        }
        ByteBuffer body = ByteBuffer.allocate(len);
        readFully(ch, body, pos + HEADER);
        CRC32C c = new CRC32C();
        c.update(header.array(), 8, 8);
        c.update(body.array());
        if ((int) c.getValue() != crc) {
          return badFrame(pos, "CRC mismatch", strictTail, end);
        }
        if (lsn > afterLsn) {
          consumer.accept(new WalRecord(lsn, body.array()));
        }
        lastLsn = lsn;
        pos += HEADER + len;
      }
      if (pos != end && strictTail && !zeros(ch, pos, end)) {
        return badFrame(pos, "partial frame header", true, end);
      }
      return pos;
    }
  }

  private long badFrame(long pos, String why, boolean strict, long end) {
    if (strict) {
      throw new StediException(ErrorCode.WAL_CORRUPT, "write-ahead log " + path + " is corrupt at offset " + pos
          + " (" + why + "); move the file aside to start without it");
    }
    return pos;
  }

  /**
   * Whether bytes {@code [from, to)} of the file are all zero: space the log wrote ahead that no frame filled,
   * as opposed to a torn write.
   */
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

  private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    long p = pos;
    while (b.hasRemaining()) {
      int n = ch.read(b, p);
      if (n < 0) {
        throw new IOException("unexpected end of " + pos);
      }
      p += n;
    }
    b.flip();
  }
}
