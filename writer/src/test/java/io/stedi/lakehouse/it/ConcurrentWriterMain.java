package io.stedi.lakehouse.it;

import static org.awaitility.Awaitility.await;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.commit.CommitCoordinator;
import io.stedi.lakehouse.commit.WalEntry;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.parse.Rejection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.iceberg.catalog.Catalog;

/**
 * A writer instance in its own JVM for {@link SharedSqliteCatalogIT}. Arguments: {@code HOME INSTANCE_ID
 * BATCH_SIZE MIN_BATCHES}.
 *
 * <p>Protocol on stdin/stdout: prints {@code READY} once its commit coordinator runs; waits for {@code go};
 * then appends batches of accelerometer rows with keys {@code <id>-<n>} (the first batch also carries one
 * quarantine entry, key {@code <id>-q}), waiting after each batch until it is committed and printing
 * {@code COMMITTED <rows>}; stops after reading {@code stop} (and at least MIN_BATCHES batches); closes and
 * prints {@code DONE rows=<n> lastLsn=<lsn> quarantineLsn=<lsn>}. Exits 0 on success, 1 on any failure.
 */
public final class ConcurrentWriterMain {
  private ConcurrentWriterMain() {}

  public static void main(String[] args) {
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
        StandardCharsets.UTF_8);
    try {
      run(Path.of(args[0]), args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), out);
      System.exit(0);
    } catch (Throwable t) {
      t.printStackTrace();
      out.println("FAILED " + t);
      System.exit(1);
    }
  }

  private static void run(Path home, String id, int batchSize, int minBatches, PrintStream out) throws Exception {
    LakehouseConfig config = LakehouseConfig.embedded(home).with(Map.of(
        "writer.instance-id", id,
        "commit.interval", "50ms"));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    AtomicBoolean stop = new AtomicBoolean();
    Catalog catalog = Catalogs.open(config);
    long lastLsn = -1;
    long quarantineLsn = -1;
    int rows = 0;
    try (CommitCoordinator coordinator = CommitCoordinator.start(catalog, config)) {
      out.println("READY");
      String go = in.readLine();
      if (!"go".equals(go)) {
        throw new IllegalStateException("expected 'go' on stdin, got " + go);
      }
      Thread stopReader = new Thread(() -> {
        try {
          String line;
          while ((line = in.readLine()) != null) {
            if (line.equals("stop")) {
              break;
            }
          }
        } catch (java.io.IOException e) {
          // stdin closed: stop as well
        }
        stop.set(true);
      }, "stdin-stop");
      stopReader.setDaemon(true);
      stopReader.start();

      int batches = 0;
      while (batches < minBatches || !stop.get()) {
        List<WalEntry> batch = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
          int n = rows + i;
          batch.add(ItSupport.accelEntry(id + "." + n + "@example.com", 1_700_000_000_000L + n, n % 7, -(n % 5),
              (n % 3) * 0.5, id + "-" + n));
        }
        if (batches == 0) {
          batch.add(WalEntry.quarantine("accelerometer", id + ":device-1",
              new Rejection(ErrorCode.MALFORMED_JSON, null, "not valid JSON: test"), "{oops", System.currentTimeMillis(),
              "https", id + "-q"));
        }
        long lsn = coordinator.append(batch).get(30, TimeUnit.SECONDS);
        if (batches == 0) {
          quarantineLsn = lsn;
        }
        lastLsn = lsn;
        rows += batchSize;
        batches++;
        long expected = rows;
        await("batch " + batches + " of " + id + " committed").atMost(Duration.ofSeconds(40))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> coordinator.stats().rowsByTable().getOrDefault("accelerometer_landing", 0L) >= expected);
        out.println("COMMITTED " + rows);
      }
      if (coordinator.stats().failedCycles() > 0) {
        throw new IllegalStateException(coordinator.stats().failedCycles() + " commit cycles failed");
      }
    } finally {
      ItSupport.closeQuietly(catalog);
    }
    out.println("DONE rows=" + rows + " lastLsn=" + lastLsn + " quarantineLsn=" + quarantineLsn);
  }
}
