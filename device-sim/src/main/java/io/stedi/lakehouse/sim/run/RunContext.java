package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.faults.FaultModel;
import io.stedi.lakehouse.sim.generate.ReadingGenerator;
import java.net.http.HttpClient;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the parts of one {@code sim run} share: the settings, the fault model and sensors, the counters, the ledger,
 * the scheduler and HTTP client, the run's phase ({@link #producing}, {@link #abandon}), and the bookkeeping of
 * everything outstanding ({@link #open}/{@link #close}), so that the run can count what it gives up on.
 */
final class RunContext {
  final RunSettings s;
  final SimConfig cfg;
  final FaultModel faults;
  final ReadingGenerator sensors;
  final ChannelStats mqtt = new ChannelStats();
  final ChannelStats http = new ChannelStats();
  final AtomicLong storms = new AtomicLong();
  final AtomicLong reconnects = new AtomicLong();
  final AtomicLong unsent = new AtomicLong();
  final AtomicLong connectFailures = new AtomicLong();
  final AtomicLong malformedAcknowledged = new AtomicLong();
  final AtomicLong customersRegistered = new AtomicLong();
  final AtomicLong customersFailed = new AtomicLong();
  /** Set once, so a flood of refusals logs one warning, not thousands. */
  final AtomicBoolean rejectionLogged = new AtomicBoolean();
  final ScheduledExecutorService scheduler;
  /** Null when no phone runs. */
  final HttpClient httpClient;
  /** Everything not finished yet (publishes, requests, late readings), with what to count if the run gives up. */
  private final ConcurrentHashMap<Long, Runnable> open = new ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong();
  final Ledger ledger;
  /** True while readings are produced (between the connect phase and the end of --duration). */
  volatile boolean producing;
  /** True once the run stopped waiting: outcomes arriving now are not counted again. */
  volatile boolean abandon;

  RunContext(RunSettings settings, Ledger ledger) {
    this.s = settings;
    this.cfg = settings.config();
    this.ledger = ledger;
    this.faults = FaultModel.from(cfg);
    this.sensors = new ReadingGenerator(cfg.get(SimConfig.SEED), cfg.get(SimConfig.DISTANCE_MIN),
        cfg.get(SimConfig.DISTANCE_MAX));
    this.scheduler = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "sim-scheduler");
      t.setDaemon(true);
      return t;
    });
    HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(cfg.get(SimConfig.HTTP_TIMEOUT));
    if (settings.http() != null && "https".equals(settings.http().getScheme())) {
      hb.sslContext(Endpoints.sslContext(settings.trust()));
    } else {
      hb.version(HttpClient.Version.HTTP_1_1);
    }
    this.httpClient = settings.phones() > 0 ? hb.build() : null;
  }

  /** Registers something outstanding; {@code onAbandon} counts it if the run gives up on it. */
  long open(Runnable onAbandon) {
    long t = tokens.incrementAndGet();
    open.put(t, onAbandon);
    return t;
  }

  /** Marks it finished; false when the run already gave up on it (then the caller must not count it again). */
  boolean close(long token) {
    return open.remove(token) != null;
  }

  /** Outstanding publishes, requests and late readings. */
  int openCount() {
    return open.size();
  }

  /** Gives up on everything still open: each is counted by its {@code onAbandon}. */
  void abandonOpen() {
    for (Long t : new java.util.ArrayList<>(open.keySet())) {
      Runnable onAbandon = open.remove(t);
      if (onAbandon != null) {
        onAbandon.run();
      }
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
