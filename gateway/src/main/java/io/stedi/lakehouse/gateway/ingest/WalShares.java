package io.stedi.lakehouse.gateway.ingest;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Fair shares of the write-ahead log budget. While the log is below {@code threshold} of its budget nobody is
 * counted (the normal case: commits keep up, no per-message bookkeeping). Once it is above, every sender (a device,
 * an app token) may add at most {@code share} of the budget until the log drains below the threshold again, so that
 * one device or token that floods the gateway while commits lag cannot fill the log that every other sender needs.
 *
 * <p>Before that, once the commit backlog (bytes acknowledged and not committed yet) passes {@code pace} of the budget,
 * acknowledgements are held back a little ({@link #ackDelayMillis}), more the larger the backlog, up to
 * {@value #MAX_ACK_DELAY_MILLIS} ms when it reaches the threshold: a sender with a window of
 * requests in flight (HTTP clients, MQTT QoS 1 devices) then slows to the rate the commits keep up with, instead of
 * filling the log and being refused. Kafka's client quotas throttle the same way, by delaying responses.
 */
final class WalShares {
  private final LongSupplier used;
  private final LongSupplier pending;
  private final long thresholdBytes;
  private final long shareBytes;
  private final ConcurrentHashMap<String, Long> counted = new ConcurrentHashMap<>();
  private volatile boolean anyCounted;
  /** Longest hold of an acknowledgement, reached when the log is at the share threshold. */
  static final long MAX_ACK_DELAY_MILLIS = 100;
  private final long paceBytes;

  /**
   * @param used bytes in the log now
   * @param pending bytes acknowledged and not committed yet
   * @param maxBytes the log's budget
   * @param threshold fraction of the budget above which senders are counted (0..1)
   * @param share fraction of the budget one sender may add while counted (0..1; 1 turns shares off)
   * @param pace fraction of the budget above which acknowledgements are held back (at or above {@code threshold}: never)
   */
  WalShares(LongSupplier used, LongSupplier pending, long maxBytes, double threshold, double share, double pace) {
    this.used = used;
    this.pending = pending;
    this.thresholdBytes = (long) (maxBytes * threshold);
    this.paceBytes = pace >= threshold ? Long.MAX_VALUE : (long) (maxBytes * pace);
    this.shareBytes = share >= 1 ? Long.MAX_VALUE : (long) (maxBytes * share);
  }

  /** Whether {@code sender} may append {@code bytes} now; if so, they count against its share. */
  boolean admit(String sender, long bytes) {
    if (shareBytes == Long.MAX_VALUE) {
      return true;
    }
    if (used.getAsLong() < thresholdBytes) {
      // a volatile flag, not counted.isEmpty(): this runs for every message, and the map's size sum was 3 % of the
      // MQTT event loop's samples (JFR) while nobody was counted
      if (anyCounted) {
        anyCounted = false;
        counted.clear(); // drained: everybody starts afresh
      }
      return true;
    }
    boolean[] admitted = {false};
    counted.compute(sender, (k, n) -> {
      long before = n == null ? 0 : n;
      admitted[0] = before + bytes <= shareBytes;
      return admitted[0] ? before + bytes : before;
    });
    anyCounted = true; // after the count: a clear that raced it leaves the flag set, and the next drain clears again
    return admitted[0];
  }

  /**
   * How long to hold an acknowledgement now: 0 while the commit backlog is below the pacing fill, then growing in
   * proportion to it up to {@value #MAX_ACK_DELAY_MILLIS} ms at the share threshold.
   */
  long ackDelayMillis() {
    long u = pending.getAsLong();
    if (u <= paceBytes) {
      return 0;
    }
    double f = Math.min(1.0, (double) (u - paceBytes) / Math.max(1, thresholdBytes - paceBytes));
    return Math.max(1, Math.round(f * MAX_ACK_DELAY_MILLIS));
  }

  /** Senders currently counted (for tests and the log line). */
  int counted() {
    return counted.size();
  }
}
