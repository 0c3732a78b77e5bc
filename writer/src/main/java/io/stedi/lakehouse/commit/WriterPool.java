package io.stedi.lakehouse.commit;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The commit path's Parquet writer threads: decoding rows from the write-ahead log, building records and
 * encoding Parquet is the commit path's whole cost, and on one thread it fell behind ingest (docs/benchmarks.md,
 * issue 12). Each worker is a single thread, so everything one worker writes (its own data files) stays
 * confined to it; the commit thread hands out batches of entries and collects the files.
 */
final class WriterPool implements AutoCloseable {
  private final ExecutorService[] workers;

  WriterPool(String instanceId, int threads) {
    workers = new ExecutorService[Math.max(1, threads)];
    for (int i = 0; i < workers.length; i++) {
      String name = "commit-writer-" + instanceId + "-" + i;
      workers[i] = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      });
    }
  }

  /** Number of worker threads. */
  int size() {
    return workers.length;
  }

  /** Runs {@code task} on worker {@code i}; tasks of one worker run one after another, in order. */
  Future<?> submit(int i, Runnable task) {
    return workers[i].submit(task);
  }

  @Override
  public void close() {
    for (ExecutorService w : workers) {
      w.shutdown();
    }
    for (ExecutorService w : workers) {
      try {
        w.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
