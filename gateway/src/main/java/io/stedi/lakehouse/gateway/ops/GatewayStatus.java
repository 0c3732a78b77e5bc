package io.stedi.lakehouse.gateway.ops;

import io.stedi.lakehouse.commit.CommitCoordinator;
import io.stedi.lakehouse.commit.CommitStats;
import io.stedi.lakehouse.gateway.ingest.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the {@code /status} page shows, as JSON: devices connected, readings per second per protocol over the
 * last {@value #SECONDS} seconds, ack latency, WAL fill, freshness, recent commits, rejections by reason and the
 * catalog's state. Counts only: no serial, email, token or payload.
 */
public final class GatewayStatus {
  /** Seconds of readings-per-second history kept (and drawn). */
  static final int SECONDS = 300;

  private final GatewayMetrics metrics;
  private final CommitCoordinator coordinator;
  private final Instant started = Instant.now();
  private final Map<Protocol, long[]> perSecond = new EnumMap<>(Protocol.class);
  private final Map<Protocol, Long> lastCount = new EnumMap<>(Protocol.class);
  private long samples;

  public GatewayStatus(GatewayMetrics metrics, CommitCoordinator coordinator) {
    this.metrics = metrics;
    this.coordinator = coordinator;
    for (Protocol p : Protocol.values()) {
      perSecond.put(p, new long[SECONDS]);
      lastCount.put(p, 0L);
    }
  }

  /** Takes one sample of the acknowledgement counters; the gateway calls it once a second. */
  public synchronized void sample() {
    int slot = (int) (samples % SECONDS);
    for (Protocol p : Protocol.values()) {
      long now = metrics.acknowledgedCount(p.label());
      perSecond.get(p)[slot] = now - lastCount.get(p);
      lastCount.put(p, now);
    }
    samples++;
  }

  /** The status document. */
  public synchronized JsonObject json() {
    JsonObject rates = new JsonObject();
    JsonObject latency = new JsonObject();
    JsonObject acknowledged = new JsonObject();
    int n = (int) Math.min(samples, SECONDS);
    for (Protocol p : Protocol.values()) {
      JsonArray series = new JsonArray();
      long[] ring = perSecond.get(p);
      for (int i = n; i > 0; i--) {
        series.add(ring[(int) ((samples - i) % SECONDS)]); // oldest first
      }
      rates.put(p.label(), series);
      acknowledged.put(p.label(), metrics.acknowledgedCount(p.label()));
      double[] l = metrics.latency(p.label());
      if (l != null) {
        latency.put(p.label(), new JsonObject().put("count", (long) l[0]).put("p50_ms", l[1]).put("p99_ms", l[2])
            .put("p999_ms", l[3]));
      }
    }
    JsonArray commits = new JsonArray();
    for (CommitStats.Commit c : coordinator.stats().recent()) {
      commits.add(new JsonObject().put("table", c.table()).put("rows", c.rows())
          .put("at", Instant.ofEpochMilli(c.atMillis()).toString()).put("millis", c.millis()));
    }
    JsonObject catalog = new JsonObject().put("status", coordinator.healthy() ? "UP" : "DOWN");
    if (!coordinator.healthy()) {
      catalog.put("failing_since", Instant.ofEpochMilli(coordinator.failingSinceMillis()).toString())
          .put("reason", coordinator.lastError() == null ? "unknown" : coordinator.lastError().code());
    }
    JsonObject rejected = new JsonObject();
    metrics.rejectedByReason().forEach(rejected::put);
    return new JsonObject()
        .put("generated_at", Instant.now().toString())
        .put("instance", coordinator.instanceId())
        .put("started_at", started.toString())
        .put("devices_connected", metrics.connectedDevices().get())
        .put("acknowledged", acknowledged)
        .put("readings_per_second", rates)
        .put("ack_latency", latency)
        .put("wal", new JsonObject().put("bytes", coordinator.walBytes()).put("max_bytes", coordinator.walMaxBytes()))
        .put("freshness_lag_seconds", coordinator.freshnessLagMillis() / 1000.0)
        .put("commits", new JsonObject().put("total", coordinator.stats().commits())
            .put("failed_cycles", coordinator.stats().failedCycles()).put("recent", commits))
        .put("rejected_by_reason", rejected)
        .put("catalog", catalog);
  }
}
