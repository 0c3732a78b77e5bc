package io.stedi.lakehouse.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.TestTables;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.parse.LandingParser;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitCoordinatorIT {
  @TempDir
  Path tmp;
  LakehouseConfig config;
  Catalog catalog;

  @BeforeEach
  void open() {
    config = LakehouseConfig.embedded(tmp).with(Map.of("commit.interval", "100ms"));
    catalog = Catalogs.open(config);
  }

  @AfterEach
  void close() throws Exception {
    ((AutoCloseable) catalog).close();
  }

  static WalEntry accel(int i, String key) {
    return WalEntry.landing(LandingParser.parse(Zone.ACCELEROMETER,
        "{\"user\":\"u" + (i % 7) + "@test.com\",\"timestamp\":" + (1_700_000_000_000L + i) + ",\"x\":1,\"y\":2,\"z\":3}").row(),
        System.currentTimeMillis(), "https", key);
  }

  static WalEntry step(int i, String key) {
    return WalEntry.landing(LandingParser.parse(Zone.STEP_TRAINER,
        "{\"sensorReadingTime\":" + (1_700_000_000_000L + i) + ",\"serialNumber\":\"s" + (i % 3) + "\",\"distanceFromObject\":"
            + (i % 500) + "}").row(), System.currentTimeMillis(), "mqtt", key);
  }

  @Test
  void acknowledgedBatchesLandExactlyOnceWithThePositionInTheSummary() throws Exception {
    List<String> keys = new ArrayList<>();
    try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
      List<CompletableFuture<Long>> acks = new ArrayList<>();
      for (int b = 0; b < 20; b++) {
        List<WalEntry> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          String k = "k-" + b + "-" + i;
          keys.add(k);
          batch.add(i % 2 == 0 ? accel(b * 10 + i, k) : step(b * 10 + i, k));
        }
        acks.add(c.append(batch));
      }
      CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).get();
      c.flush();
      assertThat(c.freshnessLagMillis()).isZero();
    }
    List<String> accelKeys = TestTables.column(catalog, LandingTables.id(Zone.ACCELEROMETER), LandingTables.KEY);
    List<String> stepKeys = TestTables.column(catalog, LandingTables.id(Zone.STEP_TRAINER), LandingTables.KEY);
    assertThat(accelKeys).hasSize(100).doesNotHaveDuplicates();
    assertThat(stepKeys).hasSize(100).doesNotHaveDuplicates();
    List<String> all = new ArrayList<>(accelKeys);
    all.addAll(stepKeys);
    assertThat(all).containsExactlyInAnyOrderElementsOf(keys);
    Table t = catalog.loadTable(LandingTables.id(Zone.STEP_TRAINER));
    assertThat(t.currentSnapshot().summary()).containsKey("stedi.wal.writer-1.lsn").containsEntry("stedi.source", "wal");
    assertThat(t.properties()).containsEntry("stedi.wal.writer-1.lsn", "19");
    assertThat(walSegments()).hasSizeLessThanOrEqualTo(1);
  }

  @Test
  void quarantineEntriesAreCommittedToo() throws Exception {
    try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
      c.append(List.of(WalEntry.quarantine("step_trainer", "device s-9",
          new Rejection(ErrorCode.MALFORMED_JSON, null, "not valid JSON"), "{oops", 1_700_000_000_000L, "mqtt", "q-1"))).get();
      c.flush();
    }
    var q = TestTables.rows(catalog, LandingTables.quarantineId());
    assertThat(q).singleElement().satisfies(r -> {
      assertThat(r.getField("origin")).isEqualTo("device s-9");
      assertThat(r.getField("reason_code")).isEqualTo("malformed_json");
      assertThat(r.getField("payload")).isEqualTo("{oops");
      assertThat(r.getField(LandingTables.SOURCE)).isEqualTo("mqtt");
    });
  }

  @Test
  void restartReplaysWhatWasNotCommittedAndSkipsWhatWas() throws Exception {
    // 1) commit some, 2) append more with an interval so long that nothing commits, then "crash" (no close)
    try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
      c.append(List.of(accel(1, "a-1"), step(1, "s-1"))).get();
      c.flush();
    }
    LakehouseConfig slow = config.with(Map.of("commit.interval", "24h"));
    CommitCoordinator crashed = CommitCoordinator.start(catalog, slow);
    crashed.append(List.of(accel(2, "a-2"))).get();
    crashed.append(List.of(step(2, "s-2"), accel(3, "a-3"))).get();
    // simulate the crash: release the WAL lock without committing, as process death would
    releaseWithoutCommit(crashed);

    try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
      c.flush();
    }
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.ACCELEROMETER), LandingTables.KEY))
        .containsExactlyInAnyOrder("a-1", "a-2", "a-3");
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.STEP_TRAINER), LandingTables.KEY))
        .containsExactlyInAnyOrder("s-1", "s-2");
  }

  @Test
  void twoInstancesAppendToTheSameTablesWithoutLossOrDuplicates() throws Exception {
    LakehouseConfig a = config.with(Map.of("writer.instance-id", "gw-a"));
    LakehouseConfig b = config.with(Map.of("writer.instance-id", "gw-b"));
    try (CommitCoordinator ca = CommitCoordinator.start(catalog, a);
        CommitCoordinator cb = CommitCoordinator.start(Catalogs.open(b), b)) {
      List<CompletableFuture<Long>> acks = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        acks.add(ca.append(List.of(step(i, "a-" + i))));
        acks.add(cb.append(List.of(step(i, "b-" + i))));
      }
      CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).get();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          TestTables.column(catalog, LandingTables.id(Zone.STEP_TRAINER), LandingTables.KEY).size() >= 200);
    }
    List<String> keys = TestTables.column(catalog, LandingTables.id(Zone.STEP_TRAINER), LandingTables.KEY);
    assertThat(keys).hasSize(200).doesNotHaveDuplicates();
    Table t = catalog.loadTable(LandingTables.id(Zone.STEP_TRAINER));
    List<String> writers = new ArrayList<>();
    for (Snapshot s : t.snapshots()) {
      writers.add(s.summary().get("stedi.writer"));
    }
    assertThat(writers).contains("gw-a", "gw-b");
    assertThat(t.properties()).containsKeys("stedi.wal.gw-a.lsn", "stedi.wal.gw-b.lsn");
  }

  @Test
  void fullLogRefusesAppendsUntilCommitsFreeIt() throws Exception {
    LakehouseConfig tiny = config.with(Map.of("wal.max-bytes", "16k", "wal.segment-bytes", "4k", "commit.interval", "24h"));
    try (CommitCoordinator c = CommitCoordinator.start(catalog, tiny)) {
      StediException refused = null;
      int accepted = 0;
      while (refused == null && accepted < 1000) {
        try {
          c.append(List.of(step(accepted, "k-" + accepted))).get();
          accepted++;
        } catch (ExecutionException e) {
          refused = (StediException) e.getCause();
        }
      }
      assertThat(refused).isNotNull();
      assertThat(refused.code()).isEqualTo(ErrorCode.WAL_FULL);
      c.flush();
      assertThat(c.append(List.of(step(5000, "after"))).get()).isGreaterThan(0);
      c.flush();
      assertThat(TestTables.column(catalog, LandingTables.id(Zone.STEP_TRAINER), LandingTables.KEY))
          .hasSize(accepted + 1).contains("after");
    }
  }

  @Test
  void aRunningInstanceLocksItsLog() {
    try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
      assertThatThrownBy(() -> CommitCoordinator.start(catalog, config)).hasMessageContaining("in use");
    }
  }

  @Test
  void theSameReadingDeliveredAgainLandsOnceEvenAcrossACrash() throws Exception {
    try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
      c.append(List.of(step(1, "first"), step(2, "other"))).get();
      // a resend after a lost acknowledgement: same content, new delivery key
      c.append(List.of(step(1, "resent"))).get();
      // twice in one batch, and two deliveries racing each other to the log
      c.append(List.of(step(3, "x"), step(3, "y"))).get();
      CompletableFuture<Long> a = c.append(List.of(step(4, "race-a")));
      CompletableFuture<Long> b = c.append(List.of(step(4, "race-b")));
      CompletableFuture.allOf(a, b).get();
      // the same reading over another protocol is still the same reading
      c.append(List.of(WalEntry.landing(step(2, "x").row(), System.currentTimeMillis(), "https", "via-http"))).get();
      c.flush();
      assertThat(c.dedup().duplicates()).isEqualTo(4);
    }
    // a crash after the acknowledgement: the log still holds the reading, nothing committed it yet
    LakehouseConfig slow = config.with(Map.of("commit.interval", "24h"));
    CommitCoordinator crashed = CommitCoordinator.start(catalog, slow);
    crashed.append(List.of(step(5, "before-crash"))).get();
    releaseWithoutCommit(crashed);
    try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
      c.append(List.of(step(5, "resent-after-crash"), step(1, "resent-after-restart"), step(6, "new"))).get();
      c.flush();
    }
    List<Long> times = TestTables.rows(catalog, LandingTables.id(Zone.STEP_TRAINER)).stream()
        .map(r -> (Long) r.getField("sensorReadingTime")).toList();
    assertThat(times).containsExactlyInAnyOrder(1_700_000_000_001L, 1_700_000_000_002L, 1_700_000_000_003L,
        1_700_000_000_004L, 1_700_000_000_005L, 1_700_000_000_006L);
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.STEP_TRAINER), LandingTables.KEY))
        .contains("first", "before-crash").doesNotContain("resent", "resent-after-crash", "resent-after-restart");
  }

  @Test
  void aSecondWriterWithTheSameInstanceIdIsRefusedWhileTheFirstRuns() throws Exception {
    LakehouseConfig elsewhere = config.with(Map.of("wal.dir", tmp.resolve("other-wal").toString()));
    try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
      Catalog second = Catalogs.open(elsewhere);
      try {
        assertThatThrownBy(() -> CommitCoordinator.start(second, elsewhere))
            .isInstanceOf(StediException.class)
            .hasMessageContaining("writer.instance-id writer-1 is in use")
            .satisfies(e -> assertThat(((StediException) e).code()).isEqualTo(ErrorCode.INSTANCE_IN_USE));
      } finally {
        ((AutoCloseable) second).close();
      }
    }
    // once the first one stopped (and released its lease), the id is free
    try (CommitCoordinator c = CommitCoordinator.start(catalog, elsewhere)) {
      assertThat(c.instanceId()).isEqualTo("writer-1");
    }
  }

  @Test
  void anEntryThatCannotBeWrittenIsQuarantinedAndTheRestCommits() throws Exception {
    // a landing entry whose row no longer decodes (as if a newer rule or a bug made it unreadable)
    WalEntry broken = new WalEntry(WalEntry.EntryKind.LANDING, Zone.STEP_TRAINER, System.currentTimeMillis(), "mqtt",
        "broken-1", new byte[] {3, 9, 9}, false);
    try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
      c.append(List.of(step(1, "good-1"), broken, step(2, "good-2"))).get();
      c.flush();
      assertThat(c.healthy()).isTrue();
      assertThat(c.stats().poisoned()).isEqualTo(1);
      c.append(List.of(step(3, "good-3"))).get();
      c.flush();
    }
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.STEP_TRAINER), LandingTables.KEY))
        .containsExactlyInAnyOrder("good-1", "good-2", "good-3");
    assertThat(TestTables.rows(catalog, LandingTables.quarantineId())).singleElement().satisfies(r -> {
      assertThat(r.getField("reason_code")).isEqualTo("unwritable_entry");
      assertThat(r.getField(LandingTables.KEY)).isEqualTo("broken-1");
      assertThat((String) r.getField("message")).contains("does not decode");
    });
  }

  @Test
  void aLogLeftByTheFormat1WriterReplaysIntoTheTables() throws Exception {
    LakehouseConfig slow = config.with(Map.of("commit.interval", "24h"));
    // what the previous version left: format-1 segment (no header), format-1 records (JSON rows, zone ordinals)
    Path dir = slow.walDir();
    Files.createDirectories(dir);
    byte[] rec = WalEntry.encodeV1(List.of(step(7, "v1-step"), accel(8, "v1-accel"),
        WalEntry.quarantine("step_trainer", "device s-1", new Rejection(ErrorCode.MALFORMED_JSON, null, "bad"), "{x",
            1_700_000_000_000L, "mqtt", "v1-q")));
    java.nio.ByteBuffer f = java.nio.ByteBuffer.allocate(16 + rec.length);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(java.nio.ByteBuffer.allocate(8).putLong(0, 0L).array());
    crc.update(rec);
    f.putInt(rec.length).putInt((int) crc.getValue()).putLong(0L).put(rec);
    Files.write(dir.resolve(String.format("%020d.wal", 0)), f.array());
    try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
      c.flush();
    }
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.STEP_TRAINER), LandingTables.KEY)).containsExactly("v1-step");
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.ACCELEROMETER), LandingTables.KEY))
        .containsExactly("v1-accel");
    assertThat(TestTables.column(catalog, LandingTables.quarantineId(), LandingTables.KEY)).containsExactly("v1-q");
  }

  /** Closes only the WAL file handles (as process death would), leaving everything uncommitted. */
  private static void releaseWithoutCommit(CommitCoordinator c) throws Exception {
    var closing = CommitCoordinator.class.getDeclaredField("closing");
    closing.setAccessible(true);
    closing.set(c, true);
    var walField = CommitCoordinator.class.getDeclaredField("wal");
    walField.setAccessible(true);
    ((io.stedi.lakehouse.wal.WriteAheadLog) walField.get(c)).close();
    // the lease's renewal thread dies with the process too
    var leaseField = CommitCoordinator.class.getDeclaredField("lease");
    leaseField.setAccessible(true);
    var lease = leaseField.get(c);
    var renewer = lease.getClass().getDeclaredField("renewer");
    renewer.setAccessible(true);
    ((java.util.concurrent.ExecutorService) renewer.get(lease)).shutdownNow();
  }

  private List<Path> walSegments() throws Exception {
    try (Stream<Path> s = Files.list(config.walDir())) {
      return s.filter(p -> p.toString().endsWith(".wal")).toList();
    }
  }
}
