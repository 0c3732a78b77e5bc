package io.stedi.lakehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.load.BulkLoader;
import io.stedi.lakehouse.load.LoadProgress;
import io.stedi.lakehouse.load.LoadSummary;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two writer instances in two child JVMs and a bulk load in this JVM, all committing to one SQLite catalog
 * file at the same time: no lock errors, every row exactly once, and each table records both instances'
 * write-ahead-log positions.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SharedSqliteCatalogIT {
  private static final List<String> IDS = List.of("writer-a", "writer-b");
  private static final int BATCH = 10;
  private static final int MIN_BATCHES = 5;
  private static final Pattern DONE = Pattern.compile("DONE rows=(\\d+) lastLsn=(\\d+) quarantineLsn=(\\d+)");

  @TempDir
  Path tmp;

  private final List<Child> children = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    for (Child c : children) {
      if (c.process.isAlive()) {
        c.process.destroyForcibly();
      }
    }
  }

  @Test
  void twoWriterJvmsAndABulkLoadShareOneSqliteCatalog() throws Exception {
    Path home = tmp.resolve("home");
    Files.createDirectories(home);
    for (String id : IDS) {
      children.add(Child.start(home, id, tmp));
    }

    // Bulk input prepared while the children start: 300 good lines and 2 bad ones.
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      lines.add(ItSupport.accelLine("bulk." + i + "@example.com", 1_650_000_000_000L + i, i % 10, 1.5, -2.5));
      if (i == 100) {
        lines.add("{\"user\":\"bulk.bad@example.com\"");
      }
      if (i == 200) {
        lines.add("{\"user\":\"bulk.bad@example.com\",\"timestamp\":1,\"x\":1,\"y\":2}");
      }
    }
    Path bulkFile = tmp.resolve("bulk-accelerometer.json");
    Files.write(bulkFile, lines, StandardCharsets.UTF_8);

    await("both writers ready").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> {
          for (Child c : children) {
            c.assertAliveOrReport("READY");
          }
        });
    children.forEach(c -> c.send("go"));
    // Each writer has committed before the bulk load starts ...
    await("first commits").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> children.forEach(c -> assertThat(c.committed()).as(c.id).isPositive()));

    LakehouseConfig config = LakehouseConfig.embedded(home);
    Catalog catalog = Catalogs.open(config);
    try {
      // ... keeps committing while it runs ...
      LoadSummary load = new BulkLoader(catalog, config).load(Zone.ACCELEROMETER, List.of(bulkFile.toString()),
          LoadProgress.NONE);
      assertThat(load.rowsLoaded()).isEqualTo(300);
      assertThat(load.rowsRejected()).isEqualTo(2);

      // ... and commits again after it finished.
      Map<String, Long> committedAtLoadEnd = new HashMap<>();
      children.forEach(c -> committedAtLoadEnd.put(c.id, c.committed()));
      await("commits after the load").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
          .untilAsserted(() -> children.forEach(c -> assertThat(c.committed()).as(c.id)
              .isGreaterThan(committedAtLoadEnd.get(c.id))));
      children.forEach(c -> c.send("stop"));

      for (Child c : children) {
        assertThat(c.process.waitFor(40, TimeUnit.SECONDS)).as(c.id + " exits in time").isTrue();
        c.reader.join(10_000);
        String log = Files.readString(c.stderr);
        assertThat(c.process.exitValue()).as(c.id + " exit code; stdout " + c.stdout + "; stderr:\n" + log)
            .isZero();
        assertThat(log).as(c.id + " stderr").doesNotContain("SQLITE_BUSY").doesNotContain("database is locked")
            .doesNotContain("commit cycle failed");
      }

      Map<String, Long> rowsById = new HashMap<>();
      Map<String, Long> lastLsnById = new HashMap<>();
      Map<String, Long> quarantineLsnById = new HashMap<>();
      for (Child c : children) {
        Matcher m = c.done();
        rowsById.put(c.id, Long.parseLong(m.group(1)));
        lastLsnById.put(c.id, Long.parseLong(m.group(2)));
        quarantineLsnById.put(c.id, Long.parseLong(m.group(3)));
        assertThat(rowsById.get(c.id)).as(c.id + " rows").isGreaterThanOrEqualTo((long) BATCH * MIN_BATCHES);
        long warnings = Files.readAllLines(c.stderr).stream().filter(l -> l.contains(" WARN ")).count();
        System.out.printf("SharedSqliteCatalogIT: %s appended %d rows (last lsn %d), %d WARN log lines%n", c.id,
            rowsById.get(c.id), lastLsnById.get(c.id), warnings);
      }

      // Every row exactly once.
      List<Record> landing = ItSupport.rows(catalog, LandingTables.id(Zone.ACCELEROMETER));
      Map<String, Long> byKey = ItSupport.countByKey(landing);
      assertThat(byKey).allSatisfy((k, n) -> assertThat(n).as("rows with key " + k).isEqualTo(1L));
      long expected = 300;
      for (String id : IDS) {
        for (long n = 0; n < rowsById.get(id); n++) {
          assertThat(byKey).as("row " + id + "-" + n).containsKey(id + "-" + n);
        }
        expected += rowsById.get(id);
      }
      assertThat(byKey.keySet()).filteredOn(k -> k.startsWith("load:")).hasSize(300);
      assertThat(landing).hasSize((int) expected);

      List<Record> quarantine = ItSupport.rows(catalog, LandingTables.quarantineId());
      Map<String, Long> quarantineByKey = ItSupport.countByKey(quarantine);
      assertThat(quarantineByKey).containsEntry("writer-a-q", 1L).containsEntry("writer-b-q", 1L).hasSize(4)
          .allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1L));

      // Both instances' positions are in each table's snapshot summaries (and properties).
      Table accel = catalog.loadTable(LandingTables.id(Zone.ACCELEROMETER));
      Table quarantineTable = catalog.loadTable(LandingTables.quarantineId());
      for (String id : IDS) {
        String key = "stedi.wal." + id + ".lsn";
        assertThat(maxSummaryValue(accel, key)).as(key + " in accelerometer_landing").isEqualTo(lastLsnById.get(id));
        assertThat(accel.properties()).containsEntry(key, Long.toString(lastLsnById.get(id)));
        assertThat(maxSummaryValue(quarantineTable, key)).as(key + " in quarantine")
            .isEqualTo(quarantineLsnById.get(id));
        assertThat(quarantineTable.properties()).containsEntry(key, Long.toString(quarantineLsnById.get(id)));
      }

      // The shared catalog file runs in WAL journal mode (readers beside a writer), as Catalogs configures it.
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("catalog.db"));
          Statement st = c.createStatement();
          ResultSet r = st.executeQuery("PRAGMA journal_mode")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualToIgnoringCase("wal");
      }

      // The bulk load's commit sits between commits of both writers: the three really interleaved.
      List<Snapshot> history = ItSupport.history(accel);
      int loadAt = -1;
      for (int i = 0; i < history.size(); i++) {
        if (history.get(i).snapshotId() == load.snapshotId()) {
          loadAt = i;
        }
      }
      assertThat(loadAt).as("bulk load snapshot in the history").isNotNegative();
      assertThat(history.get(loadAt).summary()).containsEntry("stedi.source", "load");
      for (String id : IDS) {
        assertThat(history.subList(0, loadAt)).as(id + " committed before the load")
            .anyMatch(s -> id.equals(s.summary().get("stedi.writer")));
        assertThat(history.subList(loadAt + 1, history.size())).as(id + " committed after the load")
            .anyMatch(s -> id.equals(s.summary().get("stedi.writer")));
      }
    } finally {
      ItSupport.closeQuietly(catalog);
    }
  }

  private static long maxSummaryValue(Table t, String key) {
    long max = -1;
    t.refresh();
    for (Snapshot s : t.snapshots()) {
      String v = s.summary().get(key);
      if (v != null) {
        max = Math.max(max, Long.parseLong(v));
      }
    }
    return max;
  }

  /** One child JVM running {@link ConcurrentWriterMain}. */
  private static final class Child {
    final String id;
    final Process process;
    final Path stderr;
    final List<String> stdout = new CopyOnWriteArrayList<>();
    final Thread reader;
    private final OutputStream stdin;

    private Child(String id, Process process, Path stderr) {
      this.id = id;
      this.process = process;
      this.stderr = stderr;
      this.stdin = process.getOutputStream();
      this.reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            stdout.add(line);
          }
        } catch (IOException e) {
          // process gone
        }
      }, "stdout-" + id);
      reader.setDaemon(true);
      reader.start();
    }

    static Child start(Path home, String id, Path logDir) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> cmd = List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-cp", System.getProperty("java.class.path"),
          ConcurrentWriterMain.class.getName(), home.toString(), id, Integer.toString(BATCH),
          Integer.toString(MIN_BATCHES));
      Path err = logDir.resolve(id + ".stderr.log");
      Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
      return new Child(id, p, err);
    }

    void send(String line) {
      try {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
      } catch (IOException e) {
        throw new AssertionError(id + " does not take input (exited " + exitText() + "): " + e, e);
      }
    }

    /** Asserts the child printed {@code line}; fails fast with its log if it died. */
    void assertAliveOrReport(String line) throws IOException {
      if (!process.isAlive() && !stdout.contains(line)) {
        throw new AssertionError(id + " exited " + exitText() + " before " + line + "; stdout " + stdout
            + "; stderr:\n" + Files.readString(stderr));
      }
      assertThat(stdout).as(id + " stdout").contains(line);
    }

    /** Rows the child reported committed so far. */
    long committed() {
      if (!process.isAlive() && stdout.stream().noneMatch(l -> l.startsWith("DONE"))) {
        throw new AssertionError(id + " died: " + exitText() + "; stdout " + stdout);
      }
      long n = 0;
      for (String l : stdout) {
        if (l.startsWith("COMMITTED ")) {
          n = Math.max(n, Long.parseLong(l.substring("COMMITTED ".length()).trim()));
        }
      }
      return n;
    }

    Matcher done() {
      for (String l : stdout) {
        Matcher m = DONE.matcher(l);
        if (m.matches()) {
          return m;
        }
      }
      throw new AssertionError(id + " printed no DONE line: " + stdout);
    }

    private String exitText() {
      return process.isAlive() ? "(still running)" : Integer.toString(process.exitValue());
    }
  }
}
