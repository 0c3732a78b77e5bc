package io.stedi.lakehouse.sim.run;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** Counters and the ack-latency histogram of one channel (MQTT or HTTP); thread-safe. */
public final class ChannelStats {
  /** Readings sent (first attempts; retries and deliberate duplicates are not counted again). */
  public final AtomicLong sent = new AtomicLong();
  /** Readings acknowledged (QoS 1 PUBACK success, HTTP 202). */
  public final AtomicLong acknowledged = new AtomicLong();
  /** Readings refused by the receiver (MQTT 5 PUBACK error code, HTTP 4xx). */
  public final AtomicLong rejected = new AtomicLong();
  /** Readings sent without an acknowledgement (timeouts, lost connections, retries exhausted; QoS 0). */
  public final AtomicLong failed = new AtomicLong();
  /** Messages or requests (one MQTT publish, one HTTP request including each retry). */
  public final AtomicLong messages = new AtomicLong();
  public final AtomicLong retries = new AtomicLong();
  public final AtomicLong malformedSent = new AtomicLong();
  public final AtomicLong malformedRejected = new AtomicLong();
  public final AtomicLong duplicatesSent = new AtomicLong();
  public final AtomicLong duplicatesAcknowledged = new AtomicLong();
  public final AtomicLong late = new AtomicLong();
  private final Histogram latencyMicros = new ConcurrentHistogram(3);

  /** Records one acknowledgement latency. */
  public void latency(long nanos) {
    latencyMicros.recordValue(Math.max(0, nanos / 1000));
  }

  /** p50, p90, p99, p99.9 and max ack latency in milliseconds, and the count of samples. */
  public Map<String, Object> latencyMillis() {
    Map<String, Object> m = new LinkedHashMap<>();
    Histogram h = latencyMicros.copy();
    m.put("count", h.getTotalCount());
    m.put("p50", ms(h.getValueAtPercentile(50)));
    m.put("p90", ms(h.getValueAtPercentile(90)));
    m.put("p99", ms(h.getValueAtPercentile(99)));
    m.put("p99.9", ms(h.getValueAtPercentile(99.9)));
    m.put("max", ms(h.getMaxValue()));
    return m;
  }

  private static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }

  /** Everything as an ordered map (for the JSON report). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sent", sent.get());
    m.put("acknowledged", acknowledged.get());
    m.put("rejected", rejected.get());
    m.put("failed", failed.get());
    m.put("messages", messages.get());
    m.put("retries", retries.get());
    m.put("malformed_sent", malformedSent.get());
    m.put("malformed_rejected", malformedRejected.get());
    m.put("duplicates_sent", duplicatesSent.get());
    m.put("duplicates_acknowledged", duplicatesAcknowledged.get());
    m.put("late", late.get());
    m.put("ack_latency_ms", latencyMillis());
    return m;
  }
}
