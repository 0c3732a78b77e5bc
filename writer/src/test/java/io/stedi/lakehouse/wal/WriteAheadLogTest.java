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

  @Test
  void tornTailIsCutAndLaterRecordsContinue() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0)) {
      wal.append(b("one")).get();
      wal.append(b("two")).get();
    }
    Path seg = segments().get(0);
    // the log writes zeros ahead of its data, so a crash in the middle of writing "two" leaves its frame with
    // zeros where its last bytes should be, followed by more zeros
    long twoEnds = 2L * (Segment.HEADER + 3);
    assertThat(Files.size(seg)).isGreaterThan(twoEnds);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.seek(twoEnds - 2);
      f.write(new byte[2]);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 16, 0)) {
      assertThat(readAll(wal, -1)).containsExactly("0:one");
      assertThat(wal.append(b("three")).get()).isEqualTo(1);
      assertThat(readAll(wal, -1)).containsExactly("0:one", "1:three");
    }
  }

  @Test
  void sealedSegmentsWithZerosWrittenAheadReopen() throws Exception {
    // data ends 6 bytes before the segment size: the rest of the sealed segment is zeros, shorter than a header
    byte[] big = new byte[4096 - Segment.HEADER - 6];
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
        .hasMessageContaining("offset 0")
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

  private List<Path> segments() throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
    }
  }
}
