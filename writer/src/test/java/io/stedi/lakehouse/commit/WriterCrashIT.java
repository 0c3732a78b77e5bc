package io.stedi.lakehouse.commit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.TestTables;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.iceberg.catalog.Catalog;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the writer in a child JVM, SIGKILLs it at random moments under load, restarts it, and finally checks
 * that the tables hold every acknowledged record exactly once.
 */
class WriterCrashIT {
  private static final int ITERATIONS = Integer.getInteger("stedi.crash.iterations", 8);

  @TempDir
  Path home;

  @Test
  void killNineAtRandomMomentsLosesAndDuplicatesNothing() throws Exception {
    long seed = Long.getLong("stedi.crash.seed", System.nanoTime());
    Random rnd = new Random(seed);
    Set<String> acked = ConcurrentHashMap.newKeySet();
    for (int i = 1; i <= ITERATIONS; i++) {
      Process p = child(Long.toString(i * 10_000_000L));
      AtomicBoolean ready = new AtomicBoolean();
      Thread reader = pump(p, acked, ready);
      Awaitility.await("child " + i + " ready").atMost(Duration.ofSeconds(60)).untilTrue(ready);
      // kill somewhere between right after start-up replay and well into steady commits
      long killAfterMs = rnd.nextInt(1500);
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(killAfterMs);
      Awaitility.await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
          .until(() -> System.nanoTime() >= deadline);
      p.destroyForcibly(); // SIGKILL on Linux
      p.waitFor(30, TimeUnit.SECONDS);
      reader.join(10_000);
    }
    Process drain = child("drain");
    StringBuilder outText = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(drain.getInputStream(), StandardCharsets.UTF_8))) {
      r.lines().forEach(outText::append);
    }
    assertThat(drain.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(drain.exitValue()).as("drain exit code (seed %s)", seed).isZero();
    assertThat(outText.toString()).contains("DRAINED");

    LakehouseConfig config = LakehouseConfig.embedded(home);
    Catalog catalog = Catalogs.open(config);
    List<String> keys = new ArrayList<>(TestTables.column(catalog, LandingTables.id(Zone.ACCELEROMETER), LandingTables.KEY));
    keys.addAll(TestTables.column(catalog, LandingTables.id(Zone.STEP_TRAINER), LandingTables.KEY));
    ((AutoCloseable) catalog).close();

    assertThat(acked).as("acknowledged records (seed %s)", seed).hasSizeGreaterThan(ITERATIONS * 10);
    assertThat(keys).as("no duplicates (seed %s)", seed).doesNotHaveDuplicates();
    Set<String> present = new HashSet<>(keys);
    Set<String> missing = new HashSet<>(acked);
    missing.removeAll(present);
    assertThat(missing).as("acknowledged but missing (seed %s)", seed).isEmpty();
  }

  private Process child(String arg) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        WalSoakMain.class.getName(), home.toString(), arg);
    pb.redirectError(home.resolve("child-stderr.log").toFile());
    if (home.resolve("child-stderr.log").toFile().exists()) {
      pb.redirectError(ProcessBuilder.Redirect.appendTo(home.resolve("child-stderr.log").toFile()));
    }
    return pb.start();
  }

  private static Thread pump(Process p, Set<String> acked, AtomicBoolean ready) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.equals("READY")) {
            ready.set(true);
          } else if (line.startsWith("ACK ") && line.endsWith(" END")) {
            // a line cut by the kill is not a complete acknowledgement: only whole lines count
            for (String k : line.substring(4, line.length() - 4).split(" ")) {
              acked.add(k);
            }
          }
        }
      } catch (java.io.IOException e) {
        // the child died mid-line: everything read before is already recorded
      }
    });
    t.start();
    return t;
  }
}
