package io.stedi.lakehouse.gateway.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.stedi.lakehouse.commit.CommitCoordinator;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The gateway's metrics in Prometheus format. Tags: protocol (mqtt, https, bridge) and reason (error code). */
public final class GatewayMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger connectedDevices = new AtomicInteger();
  private final AtomicInteger bridgeSubscribed = new AtomicInteger();
  // Meters looked up once: building and registering one per message showed in profiles of the event loop.
  private final Map<String, Counter> receivedByProtocol = new ConcurrentHashMap<>();
  private final Map<String, Counter> acknowledgedByProtocol = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  public GatewayMetrics(CommitCoordinator coordinator) {
    Gauge.builder("stedi_wal_bytes", coordinator, CommitCoordinator::walBytes)
        .description("Bytes in the write-ahead log").register(registry);
    Gauge.builder("stedi_wal_pending_bytes", coordinator, CommitCoordinator::walPendingBytes)
        .description("Write-ahead log bytes acknowledged and not committed yet (the commit backlog)").register(registry);
    Gauge.builder("stedi_wal_max_bytes", coordinator, CommitCoordinator::walMaxBytes)
        .description("Write-ahead log budget (wal.max-bytes)").register(registry);
    Gauge.builder("stedi_freshness_lag_seconds", coordinator, c -> c.freshnessLagMillis() / 1000.0)
        .description("Age of the oldest acknowledged reading not yet committed to its table").register(registry);
    Gauge.builder("stedi_last_commit_duration_seconds", coordinator, c -> c.stats().lastCommitMillis() / 1000.0)
        .description("Duration of the most recent Iceberg commit").register(registry);
    Gauge.builder("stedi_commits", coordinator, c -> c.stats().commits())
        .description("Iceberg commits made by this gateway").register(registry);
    Gauge.builder("stedi_commit_cycle_failures", coordinator, c -> c.stats().failedCycles())
        .description("Commit cycles that failed and were retried").register(registry);
    Gauge.builder("stedi_catalog_up", coordinator, c -> c.healthy() ? 1 : 0)
        .description("1 while commits reach the catalog and object store; 0 during an outage (the WAL buffers)")
        .register(registry);
    Gauge.builder("stedi_commit_failing_seconds", coordinator,
            c -> c.failingSinceMillis() == 0 ? 0 : (System.currentTimeMillis() - c.failingSinceMillis()) / 1000.0)
        .description("How long commits have been failing (0 while they work)").register(registry);
    Gauge.builder("stedi_wal_failed_writes", coordinator, CommitCoordinator::walFailedWrites)
        .description("WAL group commits whose write or fsync failed (none of their records was acknowledged)")
        .register(registry);
    Gauge.builder("stedi_wal_poisoned_entries", coordinator, c -> c.stats().poisoned())
        .description("WAL entries that could not be written to their table and went to stedi.quarantine")
        .register(registry);
    Gauge.builder("stedi_duplicates_dropped", coordinator, c -> c.dedup().duplicates())
        .description("Readings delivered again (same content within dedup.window): acknowledged, not written twice")
        .register(registry);
    Gauge.builder("stedi_dedup_window_entries", coordinator, c -> c.dedup().size())
        .description("Reading identities held by the dedup window").register(registry);
    Gauge.builder("stedi_dedup_window_covered_seconds", coordinator, c -> c.dedup().coveredMillis() / 1000.0)
        .description("How far back the dedup window reaches (below dedup.window when dedup.max-entries is too small)")
        .register(registry);
    Gauge.builder("stedi_mqtt_connected_devices", connectedDevices, AtomicInteger::get)
        .description("Devices connected over MQTT").register(registry);
    Gauge.builder("stedi_bridge_subscribed", bridgeSubscribed, AtomicInteger::get)
        .description("1 while bridge mode holds its subscription at the external broker").register(registry);
  }

  /** Bridge mode's subscription state (1 subscribed, 0 not). */
  public AtomicInteger bridgeSubscribed() {
    return bridgeSubscribed;
  }

  /**
   * One protocol's hot-path meters, looked up once: the ingest path counts every message through these instead of
   * finding its meters by name per message.
   */
  public final class ProtocolMeters {
    private final Counter received;
    private final Counter acknowledged;
    private final Timer latency;
    private final Counter paced;

    private ProtocolMeters(String protocol) {
      received = receivedCounter(protocol);
      acknowledged = acknowledgedCounter(protocol);
      latency = timer(protocol);
      paced = Counter.builder("stedi_readings_paced").description("Readings whose acknowledgement was held back "
          + "while the commit backlog grew (durable already)").tag("protocol", protocol).register(registry);
    }

    /**
     * Readings whose acknowledgement was held back because the commit backlog was growing (see
     * gateway.wal.pace-threshold-percent).
     */
    public void paced(long n) {
      paced.increment(n);
    }

    /** Readings that arrived. */
    public void received(long n) {
      received.increment(n);
    }

    /** Readings acknowledged after they were durable, and how long that took from arrival. */
    public void acknowledged(long n, long nanosSinceArrival) {
      acknowledged.increment(n);
      latency.record(nanosSinceArrival, TimeUnit.NANOSECONDS);
    }
  }

  /** The meters of {@code protocol} (for callers that count every message). */
  public ProtocolMeters meters(String protocol) {
    return new ProtocolMeters(protocol);
  }

  private Counter receivedCounter(String protocol) {
    return receivedByProtocol.computeIfAbsent(protocol, k ->
        Counter.builder("stedi_readings_received").tag("protocol", protocol).register(registry));
  }

  private Counter acknowledgedCounter(String protocol) {
    return acknowledgedByProtocol.computeIfAbsent(protocol, k ->
        Counter.builder("stedi_readings_acknowledged").tag("protocol", protocol).register(registry));
  }

  private Timer timer(String protocol) {
    return timers.computeIfAbsent(protocol, p -> Timer.builder("stedi_ack_latency").tag("protocol", p)
        .description("Arrival to durable acknowledgement, in the gateway")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry));
  }

  /** Readings or requests rejected, by reason code. */
  public void rejected(String protocol, String reason, long n) {
    Counter.builder("stedi_readings_rejected").tag("protocol", protocol).tag("reason", reason).register(registry)
        .increment(n);
  }

  public AtomicInteger connectedDevices() {
    return connectedDevices;
  }

  /** Readings acknowledged so far over {@code protocol} (the counter behind stedi_readings_acknowledged). */
  public long acknowledgedCount(String protocol) {
    Counter c = acknowledgedByProtocol.get(protocol);
    return c == null ? 0 : (long) c.count();
  }

  /** Readings or requests rejected so far, by reason code, summed over protocols. */
  public Map<String, Long> rejectedByReason() {
    Map<String, Long> m = new java.util.TreeMap<>();
    for (Counter c : registry.find("stedi_readings_rejected").counters()) {
      m.merge(c.getId().getTag("reason"), (long) c.count(), Long::sum);
    }
    return m;
  }

  /**
   * The ack latency of {@code protocol} from the same histogram /metrics exports: count, and the upper bounds
   * (ms) of the buckets holding the 50th, 99th and 99.9th percentiles (what Prometheus' histogram_quantile would
   * interpolate within); null before the first acknowledgement.
   */
  public double[] latency(String protocol) {
    Timer t = timers.get(protocol);
    if (t == null || t.count() == 0) {
      return null;
    }
    var snap = t.takeSnapshot();
    double[] out = {snap.count(), 0, 0, 0};
    double[] qs = {0.5, 0.99, 0.999};
    for (int i = 0; i < qs.length; i++) {
      double need = qs[i] * snap.count();
      double bound = snap.max(TimeUnit.MILLISECONDS);
      for (var b : snap.histogramCounts()) {
        if (b.count() >= need) {
          bound = Math.min(bound, b.bucket(TimeUnit.MILLISECONDS));
          break;
        }
      }
      out[i + 1] = bound;
    }
    return out;
  }

  /** The Prometheus exposition text. */
  public String scrape() {
    return registry.scrape();
  }
}
