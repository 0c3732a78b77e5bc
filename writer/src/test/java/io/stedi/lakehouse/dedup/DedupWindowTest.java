package io.stedi.lakehouse.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupWindowTest {
  @TempDir
  Path dir;
  private final AtomicLong now = new AtomicLong(1_800_000_000_000L);

  private static byte[] reading(long t) {
    return ("{\"sensorReadingTime\":" + t + ",\"serialNumber\":\"s-1\",\"distanceFromObject\":7}").getBytes();
  }

  private DedupWindow open(Duration window, long max) {
    return DedupWindow.open(dir, window, max, now::get);
  }

  @Test
  void theSameContentHasTheSameIdentityAndAnotherZoneOrContentAnother() {
    try (DedupWindow w = open(Duration.ofMinutes(15), 10_000)) {
      ReadingIdentity id = w.identity();
      assertThat(id.of(3, reading(1))).isEqualTo(id.of(3, reading(1)));
      assertThat(id.of(3, reading(1))).isNotEqualTo(id.of(3, reading(2))).isNotEqualTo(id.of(2, reading(1)));
    }
  }

  @Test
  void batchLookupsAndAddsAgreeWithOneAtATime() {
    try (DedupWindow w = open(Duration.ofMinutes(15), 100_000)) {
      List<ReadingIdentity.Id> added = new ArrayList<>();
      for (int i = 0; i < 5_000; i += 2) {
        added.add(w.identity().of(2, reading(i)));
      }
      w.addAll(added);
      ReadingIdentity.Id[] probe = new ReadingIdentity.Id[5_001];
      for (int i = 0; i < 5_000; i++) {
        probe[i] = w.identity().of(2, reading(i));
      }
      boolean[] found = w.containsAll(probe); // the last slot is null: a side entry, never found
      for (int i = 0; i < 5_000; i++) {
        assertThat(found[i]).as("reading %d", i).isEqualTo(i % 2 == 0).isEqualTo(w.contains(probe[i]));
      }
      assertThat(found[5_000]).isFalse();
      assertThat(w.size()).isEqualTo(2_500);
    }
  }

  @Test
  void identitiesAgeOutAfterTheWindowOfRunningTime() {
    try (DedupWindow w = open(Duration.ofSeconds(80), 100_000)) {
      ReadingIdentity.Id old = w.identity().of(3, reading(1));
      w.add(old);
      assertThat(w.contains(old)).isTrue();
      for (int s = 1; s <= 100; s++) { // 100 s of traffic, one new reading a second
        now.addAndGet(1000);
        w.add(w.identity().of(3, reading(1000 + s)));
      }
      assertThat(w.contains(old)).as("older than the window").isFalse();
      assertThat(w.contains(w.identity().of(3, reading(1090)))).as("10 s old").isTrue();
      assertThat(w.coveredMillis()).isLessThanOrEqualTo(80_000);
    }
  }

  @Test
  void theEntryBudgetDropsTheOldestEarlyAndKeepsTheNewest() {
    try (DedupWindow w = open(Duration.ofHours(1), 8192)) {
      List<ReadingIdentity.Id> ids = new ArrayList<>();
      for (int i = 0; i < 50_000; i++) {
        ReadingIdentity.Id id = w.identity().of(2, reading(i));
        ids.add(id);
        w.add(id);
      }
      assertThat(w.size()).isLessThanOrEqualTo(8192 + 1024);
      assertThat(w.evictedEarly()).isGreaterThan(40_000);
      assertThat(w.contains(ids.get(0))).isFalse();
      for (int i = 49_000; i < 50_000; i++) {
        assertThat(w.contains(ids.get(i))).as("recent identity %s", i).isTrue();
      }
    }
  }

  @Test
  void recordedIdentitiesSurviveAReopenAndDowntimeDoesNotAgeThem() throws Exception {
    ReadingIdentity.Id a;
    ReadingIdentity.Id notRecorded;
    try (DedupWindow w = open(Duration.ofMinutes(15), 10_000)) {
      a = w.identity().of(3, reading(1));
      notRecorded = w.identity().of(3, reading(2));
      w.add(a);
      w.add(notRecorded);
      w.record(a);
      w.sync();
    }
    now.addAndGet(Duration.ofHours(3).toMillis()); // down for longer than the window
    try (DedupWindow w = open(Duration.ofMinutes(15), 10_000)) {
      assertThat(w.contains(a)).isTrue();
      assertThat(w.contains(notRecorded)).as("only what was recorded (the log holds the rest)").isFalse();
      assertThat(w.identity().of(3, reading(1))).as("the same key after a reopen").isEqualTo(a);
    }
  }

  @Test
  void aCutOffLastIdentityIsIgnoredAndANewKeyForgetsTheOldFiles() throws Exception {
    try (DedupWindow w = open(Duration.ofMinutes(15), 10_000)) {
      w.record(w.identity().of(3, reading(1)));
      w.record(w.identity().of(3, reading(2)));
      w.sync();
    }
    Path ids;
    try (Stream<Path> s = Files.list(dir)) {
      ids = s.filter(p -> p.toString().endsWith(".ids")).findFirst().orElseThrow();
    }
    byte[] all = Files.readAllBytes(ids);
    Files.write(ids, java.util.Arrays.copyOf(all, all.length - 5)); // torn write of the second identity
    try (DedupWindow w = open(Duration.ofMinutes(15), 10_000)) {
      assertThat(w.contains(w.identity().of(3, reading(1)))).isTrue();
      assertThat(w.contains(w.identity().of(3, reading(2)))).isFalse();
    }
    Files.delete(dir.resolve("key"));
    try (DedupWindow w = open(Duration.ofMinutes(15), 10_000)) {
      assertThat(w.size()).as("identities under the old key can never match again").isZero();
    }
  }

  @Test
  void identitySetIgnoresDeadGenerationsAndKeepsLiveOnes() {
    IdentitySet s = new IdentitySet(16);
    s.live(0, 0);
    for (long i = 1; i <= 1000; i++) {
      s.add(i * 31, i * 7919, 0);
    }
    s.live(0, 1);
    for (long i = 1001; i <= 2000; i++) {
      s.add(i * 31, i * 7919, 1);
    }
    s.live(1, 1); // generation 0 is dead now
    assertThat(s.contains(31, 7919)).isFalse();
    assertThat(s.contains(1500 * 31, 1500 * 7919)).isTrue();
    assertThat(s.contains(2000 * 31, 2000 * 7919)).isTrue();
    assertThat(s.add(2000 * 31, 2000 * 7919, 1)).as("already live").isFalse();
    assertThat(s.add(5 * 31, 5 * 7919, 1)).as("a dead one comes back").isTrue();
  }

  @Test
  @org.junit.jupiter.api.Timeout(120) // a table that never drops dead entries fills up, and a probe never ends
  void identitySetRebuildsOneSmallTableAtATime() {
    IdentitySet s = new IdentitySet(16);
    s.live(0, 0);
    java.util.Random r = new java.util.Random(7);
    long[][] ids = new long[200_000][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = new long[] {r.nextLong() & ~0xFFFFL, r.nextLong()};
      assertThat(s.add(ids[i][0], ids[i][1], 0)).isTrue();
    }
    for (long[] id : ids) {
      assertThat(s.contains(id[0], id[1])).isTrue();
    }
    // one table of 200 k identities rebuilds 256 k slots at its last growth, all under the window's lock; split over
    // 256 tables, each growth moves about a 256th of that
    assertThat(s.largestRebuild()).isLessThanOrEqualTo(4 * 2 * ids.length / IdentitySet.SHARDS);
    s.live(1, 1); // every identity above is dead now: a table that fills up drops them instead of growing
    for (int i = 0; i < ids.length; i++) {
      s.add(r.nextLong() & ~0xFFFFL, r.nextLong(), 1);
    }
    assertThat(s.used()).as("occupied slots: the new identities, not also the %d dead ones", ids.length)
        .isLessThan(ids.length * 3 / 2);
    assertThat(s.contains(ids[0][0], ids[0][1])).isFalse();
  }

  @Test
  @org.junit.jupiter.api.Timeout(120) // a table that never drops dead entries fills up, and a probe never ends
  void lookupsWithoutTheLockRacingAddsAndRebuildsGiveOnlyRightAnswers() throws Exception {
    try (DedupWindow w = open(Duration.ofMinutes(15), 2_000_000)) {
      ReadingIdentity.Id[] held = new ReadingIdentity.Id[16_000];
      ReadingIdentity.Id[] never = new ReadingIdentity.Id[16_000];
      for (int i = 0; i < held.length; i++) {
        held[i] = w.identity().of(3, reading(i));
        never[i] = w.identity().of(2, reading(i)); // another zone: never added
      }
      w.addAll(List.of(held));
      // the writer grows every table of the set several times over while the reader looks up
      Thread writer = new Thread(() -> {
        for (int b = 0; b < 100_000; b++) {
          List<ReadingIdentity.Id> batch = new ArrayList<>(16);
          for (int i = 0; i < 16; i++) {
            batch.add(w.identity().of(3, reading(1_000_000L + b * 16L + i)));
          }
          w.addAll(batch);
        }
      });
      writer.start();
      long wrong = 0;
      long lookups = 0;
      while (writer.isAlive()) {
        for (int i = 0; i + 16 <= held.length; i += 16) {
          for (boolean found : w.containsAll(java.util.Arrays.copyOfRange(held, i, i + 16))) {
            wrong += found ? 0 : 1;
          }
          for (boolean found : w.containsAll(java.util.Arrays.copyOfRange(never, i, i + 16))) {
            wrong += found ? 1 : 0;
          }
          lookups += 32;
        }
      }
      writer.join();
      assertThat(lookups).isPositive();
      assertThat(wrong).as("wrong answers in %d lookups", lookups).isZero();
      assertThat(w.size()).isEqualTo(held.length + 100_000L * 16);
    }
  }
}
