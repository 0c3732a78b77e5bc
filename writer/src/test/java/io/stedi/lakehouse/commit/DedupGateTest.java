package io.stedi.lakehouse.commit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.dedup.DedupWindow;
import io.stedi.lakehouse.wal.WriteAheadLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dedup gate without a lock of its own: concurrent deliveries of the same readings reach the log once each. */
class DedupGateTest {
  @TempDir
  Path tmp;

  @Test
  void concurrentResendsOfTheSameReadingsAreWrittenOnceAndAllAcknowledged() throws Exception {
    int readings = 8_000;
    int senders = 4;
    try (DedupWindow window = DedupWindow.open(tmp.resolve("dedup"), Duration.ofMinutes(15), 1_000_000);
        WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), 1L << 30, 64L << 20, 0)) {
      DedupGate gate = new DedupGate(wal, window);
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      List<List<CompletableFuture<Long>>> acks = Collections.synchronizedList(new ArrayList<>());
      for (int s = 0; s < senders; s++) {
        long seed = s;
        threads.add(new Thread(() -> {
          List<Integer> order = new ArrayList<>();
          for (int i = 0; i < readings; i++) {
            order.add(i);
          }
          Collections.shuffle(order, new Random(seed)); // each sender resends in its own order
          List<CompletableFuture<Long>> mine = new ArrayList<>();
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i : order) {
            // single readings (as MQTT) and pairs (as an HTTP batch), so both shapes race
            mine.add(i % 2 == 0 ? gate.append(List.of(CommitCoordinatorIT.step(i, "k" + i)))
                : gate.append(List.of(CommitCoordinatorIT.step(i, "k" + i), CommitCoordinatorIT.step(i, "k" + i))));
          }
          acks.add(mine);
        }));
      }
      threads.forEach(Thread::start);
      go.countDown();
      for (Thread t : threads) {
        t.join(60_000);
      }
      assertThat(acks).hasSize(senders);
      for (List<CompletableFuture<Long>> a : acks) {
        for (CompletableFuture<Long> f : a) {
          assertThat(f.get(30, TimeUnit.SECONDS)).as("every delivery is acknowledged once durable").isNotNegative();
        }
      }
      Map<Long, Integer> written = new HashMap<>();
      wal.readAfter(-1, rec -> {
        for (WalEntry e : WalEntry.decode(rec.payload())) {
          written.merge((Long) e.row().get("sensorReadingTime"), 1, Integer::sum);
        }
      });
      assertThat(written).as("each reading in the log").hasSize(readings);
      assertThat(written.values()).as("and only once").containsOnly(1);
      assertThat(window.size()).isEqualTo(readings);
    }
  }
}
