package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.faults.FaultType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs simulated Step Trainers (MQTT, one reading per message: {@link MqttDevice}) and phones (HTTP batches with an
 * Idempotency-Key, retried with the same key: {@link HttpPhone}) for a while, with the configured faults, and
 * records every outcome in the ledger.
 *
 * <p>First each phone's customer is registered ({@link CustomerRegistrar}, unless
 * {@link RunSettings#register()} is off) while the Step Trainers connect. Then slot k ticks {@code rate} times a
 * second: Step Trainer k takes a reading and phone k takes 2 or 3 at the same instant (each on its own, possibly
 * skewed, clock). A phone posts what it collected every {@code sim.http.batch-interval} (sooner at
 * {@code sim.http.max-batch}), one request at a time. After {@code duration} nothing new is produced; the run
 * waits up to {@code sim.drain-timeout} for outstanding acknowledgements, then gives up on the rest (they are
 * {@code failed}: in doubt).
 */
public final class SimRunner {
  private static final Logger LOG = LoggerFactory.getLogger(SimRunner.class);

  private final RunSettings s;
  private final List<MqttDevice> devices = new ArrayList<>();
  private final List<HttpPhone> phones = new ArrayList<>();
  private volatile RunContext c;

  public SimRunner(RunSettings settings) {
    this.s = settings;
  }

  /** Runs to the end and returns the report (also written by the caller). */
  public Map<String, Object> run() {
    Instant started = Instant.now();
    Ledger ledger = Ledger.create(s.ledger());
    try {
      c = new RunContext(s, ledger);
      for (int k = 0; k < s.devices(); k++) {
        devices.add(new MqttDevice(c, k, s.credentials().devices().get(k)));
      }
      for (int k = 0; k < s.phones(); k++) {
        phones.add(new HttpPhone(c, k, s.credentials().tokens().get(k)));
      }
      CompletableFuture<Void> registered = s.register() && s.phones() > 0 ? new CustomerRegistrar(c).registerAll()
          : CompletableFuture.completedFuture(null);
      connectAll();
      registered.join();
      long startNanos = System.nanoTime();
      c.producing = true;
      List<ScheduledFuture<?>> tickers = startTickers();
      RunContext.sleep(s.duration().toMillis());
      c.producing = false;
      tickers.forEach(t -> t.cancel(false));
      drain(System.nanoTime() + c.cfg.get(SimConfig.DRAIN_TIMEOUT).toNanos());
      giveUp();
      double elapsed = (System.nanoTime() - startNanos) / 1e9;
      return RunReport.of(c, devices, phones, started, elapsed);
    } finally {
      if (c != null) {
        c.scheduler.shutdownNow();
      }
      ledger.close();
    }
  }

  private void connectAll() {
    List<CompletableFuture<Boolean>> all = devices.stream().map(MqttDevice::connectFirst).collect(Collectors.toList());
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
    if (devices.isEmpty()) {
      return;
    }
    LOG.info("{} of {} Step Trainers connected", devices.stream().filter(d -> d.usable).count(), devices.size());
  }

  /** The periodic tasks: one reading ticker per slot, the phones' batch flush, and the reconnect storms. */
  private List<ScheduledFuture<?>> startTickers() {
    List<ScheduledFuture<?>> tickers = new ArrayList<>();
    long periodNanos = Math.max(1, Math.round(1e9 / s.ratePerDevice()));
    int slots = Math.max(s.devices(), s.phones());
    for (int k = 0; k < slots; k++) {
      MqttDevice d = k < devices.size() ? devices.get(k) : null;
      HttpPhone p = k < phones.size() ? phones.get(k) : null;
      // spread the slots over the period (golden ratio), so the load is even rather than in bursts
      long offset = (long) (((k * 0.6180339887498949) % 1.0) * periodNanos);
      tickers.add(c.scheduler.scheduleAtFixedRate(() -> tick(d, p), offset, periodNanos, TimeUnit.NANOSECONDS));
    }
    long flushMs = c.cfg.get(SimConfig.HTTP_BATCH_INTERVAL).toMillis();
    if (!phones.isEmpty()) {
      tickers.add(c.scheduler.scheduleAtFixedRate(this::flushAll, flushMs, flushMs, TimeUnit.MILLISECONDS));
    }
    if (c.faults.rate(FaultType.RECONNECT_STORM) > 0 && !devices.isEmpty()) {
      AtomicLong second = new AtomicLong();
      tickers.add(c.scheduler.scheduleAtFixedRate(() -> storm(second.getAndIncrement()), 1, 1, TimeUnit.SECONDS));
    }
    return tickers;
  }

  private void tick(MqttDevice d, HttpPhone p) {
    if (!c.producing) {
      return;
    }
    try {
      long now = System.currentTimeMillis();
      if (d != null && d.usable) {
        d.tick(now);
      }
      if (p != null) {
        p.tick(now);
      }
    } catch (RuntimeException e) {
      LOG.error("tick failed", e); // never let one failure cancel the periodic task
    }
  }

  private void flushAll() {
    for (HttpPhone p : phones) {
      p.flush();
    }
  }

  private void storm(long second) {
    if (!c.producing || !c.faults.stormAt(second)) {
      return;
    }
    c.storms.incrementAndGet();
    int n = 0;
    for (MqttDevice d : devices) {
      if (c.faults.inStorm(second, d.index)) {
        d.storm();
        n++;
      }
    }
    LOG.info("reconnect storm in second {}: {} devices reconnect", second, n);
  }

  private void drain(long deadline) {
    while (System.nanoTime() < deadline) {
      flushAll();
      boolean idle = c.openCount() == 0 && devices.stream().allMatch(d -> d.backlogSize() == 0)
          && phones.stream().allMatch(p -> p.bufferSize() == 0 && !p.busy());
      if (idle) {
        return;
      }
      RunContext.sleep(20);
    }
    LOG.warn("gave up waiting for {} outstanding messages and requests after sim.drain-timeout", c.openCount());
  }

  /** Stops waiting: disconnects, then counts what is still open as failed (in doubt) or unsent. */
  private void giveUp() {
    c.abandon = true;
    for (MqttDevice d : devices) {
      d.link.disconnect().exceptionally(e -> null);
    }
    long giveUp = System.nanoTime() + 2_000_000_000L;
    while (c.openCount() > 0 && System.nanoTime() < giveUp) {
      RunContext.sleep(20);
    }
    // What is still open will never be acknowledged now: failed (in doubt), or unsent for late readings.
    c.abandonOpen();
    devices.forEach(d -> c.unsent.addAndGet(d.backlogSize()));
    phones.forEach(p -> c.unsent.addAndGet(p.bufferSize()));
  }

  /** Number of devices that could not connect (the command exits non-zero). */
  public long connectFailures() {
    return c == null ? 0 : c.connectFailures.get();
  }

  /** A one-paragraph human summary of a report. */
  public static String describe(Map<String, Object> r) {
    return RunReport.describe(r);
  }
}
