package io.stedi.lakehouse.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadLogTest {
  @TempDir
  Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> readAll(WriteAheadLog wal, long after) {
    List<String> out = new ArrayList<>();
    wal.readAfter(after, r -> out.add(r.lsn() + ":" + new String(r.payload(), StandardCharsets.UTF_8)));
    return out;
  }

  @Test
  void appendsAreDurableInOrderAndSurviveReopen() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 4096, 0)) {
      List<CompletableFuture<Long>> fs = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        fs.add(wal.append(b("r" + i)));
      }
      for (int i = 0; i < 50; i++) {
        assertThat(fs.get(i).get()).isEqualTo(i);
      }
      assertThat(wal.durableLsn()).isEqualTo(49);
      assertThat(readAll(wal, 46)).containsExactly("47:r47", "48:r48", "49:r49");
    }
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 4096, 0)) {
      assertThat(readAll(wal, -1)).hasSize(50).startsWith("0:r0").endsWith("49:r49");
      assertThat(wal.append(b("next")).get()).isEqualTo(50);
    }
  }

  @Test
  void appendsWithinTheSyncIntervalShareOneGroupCommit() throws Exception {
    // wal.sync-interval: a busy log syncs at most once per interval. Without it the sync thread wakes on the first
    // of these appends and syncs it alone, so the 50 would take at least two group commits.
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0, java.nio.channels.FileChannel::open,
        java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500))) {
      assertThat(wal.append(b("first")).get()).as("after a quiet spell an append syncs at once").isZero();
      long before = wal.groupCommits();
      List<CompletableFuture<Long>> fs = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        fs.add(wal.append(b("r" + i)));
      }
      for (int i = 0; i < 50; i++) {
        assertThat(fs.get(i).get()).isEqualTo(i + 1);
      }
      assertThat(wal.groupCommits() - before).isEqualTo(1);
      assertThat(readAll(wal, 49)).containsExactly("50:r49");
    }
  }

  @Test
  void rollsSegmentsAndTruncatesCommittedOnes() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 4096, 0)) {
      byte[] kb = new byte[1000];
      for (int i = 0; i < 20; i++) {
        wal.append(kb).get();
      }
      assertThat(segments()).hasSizeGreaterThan(3);
      long before = wal.liveBytes();
      wal.truncateThrough(15);
      assertThat(wal.liveBytes()).isLessThan(before);
      List<String> left = readAll(wal, 15);
      assertThat(left).hasSize(4);
      // records not yet committed are never deleted
      List<Long> lsns = new ArrayList<>();
      wal.readAfter(-1, r -> lsns.add(r.lsn()));
      assertThat(lsns).contains(16L, 17L, 18L, 19L);
    }
  }

  /**
   * The commit backlog counts what is not committed yet, not what a live segment still holds: it falls to 0 once
   * everything is committed although the active segment (never deleted) keeps its committed records.
   */
  @Test
  void pendingBytesAreTheUncommittedBacklog() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0)) {
      byte[] kb = new byte[1000];
      for (int i = 0; i < 10; i++) {
        wal.append(kb).get();
      }
      long all = wal.pendingBytes();
      assertThat(all).isGreaterThanOrEqualTo(10 * 1000);
      wal.truncateThrough(4);
      assertThat(wal.pendingBytes()).as("five of ten records committed").isEqualTo(all / 2);
      wal.truncateThrough(9);
      assertThat(wal.pendingBytes()).isZero();
      assertThat(wal.liveBytes()).as("the active segment keeps the committed records").isGreaterThanOrEqualTo(all);
    }
  }

  @Test
  void budgetGivesBackPressureUntilTruncated() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 8192, 4096, 0)) {
      byte[] kb = new byte[1000];
      int accepted = 0;
      StediException refused = null;
      for (int i = 0; i < 20 && refused == null; i++) {
        try {
          wal.append(kb).get();
          accepted++;
        } catch (ExecutionException e) {
          refused = (StediException) e.getCause();
        }
      }
      assertThat(accepted).isBetween(6, 8);
      assertThat(refused.code()).isEqualTo(ErrorCode.WAL_FULL);
      assertThat(refused.getMessage()).contains("wal.max-bytes");
      wal.truncateThrough(accepted - 1);
      assertThat(wal.append(kb).get()).isEqualTo(accepted);
    }
  }

  /** Offset one past frame {@code n} (0-based) when every frame holds one record of {@code len} bytes. */
  private static long frameEnd(int n, int len) {
    return Segment.FILE_HEADER + (n + 1L) * (Segment.HEADER + Segment.RECORD_HEADER + len);
  }

  @Test
  void tornTailIsIgnoredNeverCutAndTheLogContinuesInANewSegment() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0)) {
      wal.append(b("one")).get();
      wal.append(b("two")).get();
    }
    Path seg = segments().get(0);
    // the log writes zeros ahead of its data, so a crash in the middle of writing "two" leaves its frame with
    // zeros where its last bytes should be, followed by more zeros
    long twoEnds = frameEnd(1, 3);
    assertThat(Files.size(seg)).isGreaterThan(twoEnds);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.seek(twoEnds - 2);
      f.write(new byte[2]);
    }
    long sizeBefore = Files.size(seg);
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0)) {
      assertThat(readAll(wal, -1)).containsExactly("0:one");
      assertThat(wal.append(b("three")).get()).isEqualTo(1);
      assertThat(readAll(wal, -1)).containsExactly("0:one", "1:three");
    }
    assertThat(Files.size(seg)).as("nothing is truncated").isEqualTo(sizeBefore);
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0)) {
      assertThat(readAll(wal, -1)).as("a torn tail in a sealed segment reopens too").containsExactly("0:one", "1:three");
    }
  }

  @Test
  void aFlippedByteInAMiddleFrameOfTheActiveSegmentIsReportedNeverTruncated() throws Exception {
    Path log = dir.resolve("log");
    try (WriteAheadLog wal = WriteAheadLog.open(log, 1 << 20, 1 << 16, 0)) {
      for (int i = 0; i < 5; i++) {
        wal.append(b("rec" + i)).get(); // one group commit (frame) each
      }
    }
    Path seg = segmentsOf(log).get(0);
    long damagedAt = frameEnd(1, 4); // frame 2 starts here
    byte[] before = Files.readAllBytes(seg);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.seek(damagedAt + Segment.HEADER + Segment.RECORD_HEADER + 1); // inside "rec2"
      f.write('X');
    }
    assertThatThrownBy(() -> WriteAheadLog.open(log, 1 << 20, 1 << 16, 0))
        .isInstanceOf(StediException.class)
        .hasMessageContaining(seg.getFileName().toString())
        .hasMessageContaining("offset " + damagedAt)
        .hasMessageContaining("CRC mismatch")
        .hasMessageContaining("wal salvage")
        .satisfies(e -> assertThat(((StediException) e).code()).isEqualTo(ErrorCode.WAL_CORRUPT));
    assertThat(Files.size(seg)).as("the damaged segment is left as it was").isEqualTo(before.length);
    assertThatThrownBy(() -> WriteAheadLog.verify(log)).hasMessageContaining("offset " + damagedAt);

    // salvage keeps every valid record on both sides of the damage, with their LSNs
    List<String> report = WriteAheadLog.salvage(log, 1 << 16);
    assertThat(report.get(0)).startsWith("kept 4 record(s)");
    assertThat(report).anyMatch(l -> l.startsWith("damaged: ") && l.contains("offset " + damagedAt));
    try (WriteAheadLog wal = WriteAheadLog.open(log, 1 << 20, 1 << 16, 0)) {
      assertThat(readAll(wal, -1)).containsExactly("0:rec0", "1:rec1", "3:rec3", "4:rec4");
      assertThat(wal.append(b("after")).get()).isEqualTo(5);
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).anyMatch(n -> n.contains(".damaged-"));
    }
  }

  @Test
  void aFailedFsyncAcknowledgesNothingOfItsGroupLosesNothingAndIsNeverReplayed() throws Exception {
    FaultyChannel.FAIL_FORCES.set(0);
    WriteAheadLog.ChannelOpener faulty = (p, o) -> new FaultyChannel(java.nio.channels.FileChannel.open(p, o));
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0, faulty)) {
      assertThat(wal.append(b("acked-1")).get()).isEqualTo(0);
      FaultyChannel.FAIL_FORCES.set(1);
      CompletableFuture<Long> failed = wal.append(b("failed"));
      assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(StediException.class)
          .satisfies(e -> assertThat(((StediException) e).code()).isEqualTo(ErrorCode.STORAGE_UNAVAILABLE));
      assertThat(wal.failedWrites()).isEqualTo(1);
      // the write reached the file before fsync failed: the frame is there, but it must never count
      long next = wal.append(b("acked-2")).get();
      assertThat(next).as("the failed group's LSN is spent, not reused").isEqualTo(2);
      assertThat(segments()).as("the log moved to a new segment").hasSize(2);
      assertThat(readAll(wal, -1)).containsExactly("0:acked-1", "2:acked-2");
    }
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0)) {
      assertThat(readAll(wal, -1)).as("after a restart too").containsExactly("0:acked-1", "2:acked-2");
      assertThat(wal.append(b("later")).get()).isEqualTo(3);
    }
  }

  @Test
  void aFailedFsyncWhileRollingFailsOnlyItsGroup() throws Exception {
    FaultyChannel.FAIL_FORCES.set(0);
    WriteAheadLog.ChannelOpener faulty = (p, o) -> new FaultyChannel(java.nio.channels.FileChannel.open(p, o));
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0, faulty)) {
      wal.append(b("a")).get();
      FaultyChannel.FAIL_FORCES.set(2); // the data fsync, then the new segment's header fsync
      assertThatThrownBy(() -> wal.append(b("b")).get()).isInstanceOf(ExecutionException.class);
      assertThatThrownBy(() -> wal.append(b("c")).get()).isInstanceOf(ExecutionException.class);
      assertThat(wal.append(b("d")).get()).isEqualTo(3);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0)) {
      assertThat(readAll(wal, -1)).containsExactly("0:a", "3:d");
    }
  }

  @Test
  void aLogWrittenInFormat1StillReplays() throws Exception {
    // format 1: no file header, frames [int len][int crc32c(lsn, payload)][long lsn][payload]
    Path v1 = dir.resolve(String.format("%020d.wal", 7));
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1024);
    for (int i = 0; i < 3; i++) {
      byte[] p = b("old" + i);
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(java.nio.ByteBuffer.allocate(8).putLong(0, 7 + i).array());
      crc.update(p);
      buf.putInt(p.length).putInt((int) crc.getValue()).putLong(7 + i).put(p);
    }
    buf.flip();
    byte[] bytes = new byte[buf.remaining() + 100]; // and zeros written ahead, as format 1 did
    buf.get(bytes, 0, buf.remaining());
    Files.write(v1, bytes);
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0)) {
      assertThat(readAll(wal, -1)).containsExactly("7:old0", "8:old1", "9:old2");
      assertThat(wal.append(b("new")).get()).isEqualTo(10);
      assertThat(readAll(wal, 8)).containsExactly("9:old2", "10:new");
    }
  }

  @Test
  void sealedSegmentsWithZerosWrittenAheadReopen() throws Exception {
    // data ends 6 bytes before the segment size: the rest of the sealed segment is zeros, shorter than a header
    byte[] big = new byte[4096 - Segment.FILE_HEADER - Segment.HEADER - Segment.RECORD_HEADER - 6];
    java.util.Arrays.fill(big, (byte) 'x');
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 4096, 0)) {
      wal.append(big).get();
      wal.append(b("next")).get();
    }
    assertThat(segments()).hasSize(2);
    assertThat(Files.size(segments().get(1))).as("the active segment was written ahead").isGreaterThan(Segment.HEADER + 4);
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 4096, 0)) {
      assertThat(readAll(wal, 0)).containsExactly("1:next");
      assertThat(wal.append(b("after")).get()).isEqualTo(2);
      assertThat(readAll(wal, 0)).containsExactly("1:next", "2:after");
    }
  }

  @Test
  void corruptionInsideASealedSegmentIsReported() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 4096, 0)) {
      for (int i = 0; i < 10; i++) {
        wal.append(new byte[1000]).get();
      }
    }
    Path first = segments().get(0);
    try (RandomAccessFile f = new RandomAccessFile(first.toFile(), "rw")) {
      f.seek(30);
      f.write(0x55);
    }
    assertThatThrownBy(() -> WriteAheadLog.open(dir, 1 << 20, 4096, 0))
        .isInstanceOf(StediException.class)
        .hasMessageContaining(first.getFileName().toString())
        .hasMessageContaining("offset " + Segment.FILE_HEADER)
        .satisfies(e -> assertThat(((StediException) e).code()).isEqualTo(ErrorCode.WAL_CORRUPT));
  }

  @Test
  void lsnNeverGoesBelowTheCommittedFloor() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 4096, 0)) {
      wal.append(b("a")).get();
    }
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 4096, 100)) {
      assertThat(wal.append(b("b")).get()).isEqualTo(100);
      assertThat(readAll(wal, -1)).containsExactly("0:a", "100:b");
    }
  }

  @Test
  void aSecondProcessCannotOpenTheSameLog() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 4096, 0)) {
      // FileChannel locks are per JVM; a second open in this JVM fails the same way another process would
      assertThatThrownBy(() -> WriteAheadLog.open(dir, 1 << 20, 4096, 0)).hasMessageContaining("in use");
    }
  }

  @Test
  void concurrentAppendersShareFsyncsAndGetDenseLsns() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 64 << 20, 1 << 20, 0)) {
      List<CompletableFuture<Long>> all = java.util.Collections.synchronizedList(new ArrayList<>());
      Thread[] ts = new Thread[4];
      for (int t = 0; t < ts.length; t++) {
        final int id = t;
        ts[t] = new Thread(() -> {
          for (int i = 0; i < 500; i++) {
            all.add(wal.append(b(id + "-" + i)));
          }
        });
        ts[t].start();
      }
      for (Thread t : ts) {
        t.join();
      }
      List<Long> lsns = new ArrayList<>();
      for (CompletableFuture<Long> f : all) {
        lsns.add(f.get());
      }
      assertThat(lsns).hasSize(2000).doesNotHaveDuplicates().allMatch(l -> l >= 0 && l < 2000);
      assertThat(readAll(wal, -1)).hasSize(2000);
    }
  }

  private static List<Path> segmentsOf(Path d) throws Exception {
    try (Stream<Path> s = Files.list(d)) {
      return s.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
    }
  }

  private List<Path> segments() throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
    }
  }
}
