package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.catalog.Catalog;

/**
 * Child process of {@link WriterCrashIT}: appends batches through a {@link CommitCoordinator} from several
 * threads and prints {@code ACK key...} on stdout once each batch is durable, until it is killed.
 * With {@code drain} it replays the log, commits, and exits.
 *
 * <p>Arguments: {@code HOME START_ID} or {@code HOME drain}.
 */
public final class WalSoakMain {
  private WalSoakMain() {}

  public static void main(String[] args) throws Exception {
    LakehouseConfig config = LakehouseConfig.embedded(Path.of(args[0]))
        .with(Map.of("commit.interval", "50ms", "wal.segment-bytes", "64k", "commit.max-records", "500"));
    Catalog catalog = Catalogs.open(config);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
    if (args[1].equals("drain")) {
      try (CommitCoordinator c = CommitCoordinator.start(catalog, config)) {
        c.flush();
      }
      out.println("DRAINED");
      out.flush();
      System.exit(0);
    }
    CommitCoordinator c = CommitCoordinator.start(catalog, config);
    AtomicLong next = new AtomicLong(Long.parseLong(args[1]));
    out.println("READY");
    out.flush();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      Thread th = new Thread(() -> {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (true) {
          int n = 1 + rnd.nextInt(20);
          List<WalEntry> batch = new ArrayList<>(n);
          StringBuilder line = new StringBuilder("ACK");
          for (int i = 0; i < n; i++) {
            long id = next.getAndIncrement();
            String key = "k-" + id;
            batch.add(i % 3 == 0 ? CommitCoordinatorIT.step((int) id, key) : CommitCoordinatorIT.accel((int) id, key));
            line.append(' ').append(key);
          }
          try {
            c.append(batch).join();
          } catch (RuntimeException e) {
            continue; // back-pressure: not acknowledged, so it may or may not land; try new records
          }
          synchronized (out) {
            out.println(line.append(" END"));
            out.flush();
          }
        }
      });
      th.setDaemon(true);
      th.start();
      threads.add(th);
    }
    for (Thread th : threads) {
      th.join();
    }
  }
}
