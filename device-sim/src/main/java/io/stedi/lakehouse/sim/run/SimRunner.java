package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.faults.FaultModel;
import io.stedi.lakehouse.sim.generate.ReadingGenerator;
import io.stedi.lakehouse.sim.model.AccelReading;
import io.stedi.lakehouse.sim.model.StepReading;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs simulated Step Trainers (MQTT, one reading per message) and phones (HTTP batches with an
 * Idempotency-Key, retried with the same key) for a while, with the configured faults, and records every
 * outcome in the ledger.
 *
 * <p>Slot k ticks {@code rate} times a second: Step Trainer k takes a reading and phone k takes 2 or 3 at the same
 * instant (each on its own, possibly skewed, clock). A phone posts what it collected every
 * {@code sim.http.batch-interval} (sooner at {@code sim.http.max-batch}), one request at a time. After
 * {@code duration} nothing new is produced; the run waits up to {@code sim.drain-timeout} for outstanding
 * acknowledgements, then gives up on the rest (they are {@code failed}: in doubt).
 */
public final class SimRunner {
  private static final Logger LOG = LoggerFactory.getLogger(SimRunner.class);

  private final RunSettings s;
  private final SimConfig cfg;
  private final FaultModel faults;
  private final ReadingGenerator sensors;
  private final ChannelStats mqtt = new ChannelStats();
  private final ChannelStats http = new ChannelStats();
  private final AtomicLong storms = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private final AtomicLong unsent = new AtomicLong();
  private final AtomicLong connectFailures = new AtomicLong();
  private final AtomicLong malformedAcknowledged = new AtomicLong();
  /** Everything not finished yet (publishes, requests, late readings), with what to count if the run gives up. */
  private final java.util.concurrent.ConcurrentHashMap<Long, Runnable> open =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong();
  private final AtomicBoolean rejectionLogged = new AtomicBoolean();
  private final ScheduledExecutorService scheduler;
  private final HttpClient httpClient;
  private final List<Device> devices = new ArrayList<>();
  private final List<Phone> phones = new ArrayList<>();
  private Ledger ledger;
  private volatile boolean producing;
  private volatile boolean abandon;

  public SimRunner(RunSettings settings) {
    this.s = settings;
    this.cfg = settings.config();
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

  /** Runs to the end and returns the report (also written by the caller). */
  public Map<String, Object> run() {
    Instant started = Instant.now();
    ledger = Ledger.create(s.ledger());
    try {
      for (int k = 0; k < s.devices(); k++) {
        devices.add(new Device(k, s.credentials().devices().get(k)));
      }
      for (int k = 0; k < s.phones(); k++) {
        phones.add(new Phone(k, s.credentials().tokens().get(k)));
      }
      connectAll();
      long startNanos = System.nanoTime();
      producing = true;
      List<ScheduledFuture<?>> tickers = new ArrayList<>();
      long periodNanos = Math.max(1, Math.round(1e9 / s.ratePerDevice()));
      int slots = Math.max(s.devices(), s.phones());
      for (int k = 0; k < slots; k++) {
        Device d = k < devices.size() ? devices.get(k) : null;
        Phone p = k < phones.size() ? phones.get(k) : null;
        long offset = (long) (((k * 0.6180339887498949) % 1.0) * periodNanos);
        tickers.add(scheduler.scheduleAtFixedRate(() -> tick(d, p), offset, periodNanos, TimeUnit.NANOSECONDS));
      }
      long flushMs = cfg.get(SimConfig.HTTP_BATCH_INTERVAL).toMillis();
      if (!phones.isEmpty()) {
        tickers.add(scheduler.scheduleAtFixedRate(this::flushAll, flushMs, flushMs, TimeUnit.MILLISECONDS));
      }
      if (faults.rate(io.stedi.lakehouse.sim.faults.FaultType.RECONNECT_STORM) > 0 && !devices.isEmpty()) {
        AtomicLong second = new AtomicLong();
        tickers.add(scheduler.scheduleAtFixedRate(() -> storm(second.getAndIncrement()), 1, 1, TimeUnit.SECONDS));
      }
      sleep(s.duration().toMillis());
      producing = false;
      tickers.forEach(t -> t.cancel(false));
      drain(System.nanoTime() + cfg.get(SimConfig.DRAIN_TIMEOUT).toNanos());
      abandon = true;
      for (Device d : devices) {
        d.link.disconnect().exceptionally(e -> null);
      }
      long giveUp = System.nanoTime() + 2_000_000_000L;
      while (!open.isEmpty() && System.nanoTime() < giveUp) {
        sleep(20);
      }
      // What is still open will never be acknowledged now: failed (in doubt), or unsent for late readings.
      for (Long t : new ArrayList<>(open.keySet())) {
        Runnable onAbandon = open.remove(t);
        if (onAbandon != null) {
          onAbandon.run();
        }
      }
      devices.forEach(d -> unsent.addAndGet(d.backlogSize()));
      phones.forEach(p -> unsent.addAndGet(p.bufferSize()));
      double elapsed = (System.nanoTime() - startNanos) / 1e9;
      return report(started, elapsed);
    } finally {
      scheduler.shutdownNow();
      ledger.close();
    }
  }

  private void connectAll() {
    List<CompletableFuture<Boolean>> all = devices.stream().map(Device::connectFirst).collect(Collectors.toList());
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
    LOG.info("{} of {} Step Trainers connected", devices.stream().filter(d -> d.usable).count(), devices.size());
  }

  private void tick(Device d, Phone p) {
    if (!producing) {
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
    for (Phone p : phones) {
      p.flush();
    }
  }

  private void storm(long second) {
    if (!producing || !faults.stormAt(second)) {
      return;
    }
    storms.incrementAndGet();
    int n = 0;
    for (Device d : devices) {
      if (faults.inStorm(second, d.index)) {
        d.storm();
        n++;
      }
    }
    LOG.info("reconnect storm in second {}: {} devices reconnect", second, n);
  }

  private void drain(long deadline) {
    while (System.nanoTime() < deadline) {
      flushAll();
      boolean idle = open.isEmpty() && devices.stream().allMatch(d -> d.backlogSize() == 0)
          && phones.stream().allMatch(p -> p.bufferSize() == 0 && !p.busy());
      if (idle) {
        return;
      }
      sleep(20);
    }
    LOG.warn("gave up waiting for {} outstanding messages and requests after sim.drain-timeout", open.size());
  }

  /** Registers something outstanding; {@code onAbandon} counts it if the run gives up on it. */
  private long open(Runnable onAbandon) {
    long t = tokens.incrementAndGet();
    open.put(t, onAbandon);
    return t;
  }

  /** Marks it finished; false when the run already gave up on it (then the caller must not count it again). */
  private boolean close(long token) {
    return open.remove(token) != null;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private Map<String, Object> report(Instant started, double elapsed) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("run_id", s.runId());
    r.put("started", started.toString());
    r.put("duration_s", s.duration().toMillis() / 1000.0);
    r.put("elapsed_s", Math.round(elapsed * 1000) / 1000.0);
    r.put("devices", s.devices());
    r.put("phones", s.phones());
    r.put("rate_per_device", s.ratePerDevice());
    r.put("qos", s.qos());
    r.put("mqtt_version", cfg.get(SimConfig.MQTT_VERSION));
    r.put("mqtt_target", s.mqtt() == null ? null : (s.mqtt().tls() ? "mqtts://" : "mqtt://") + s.mqtt().host() + ":"
        + s.mqtt().port());
    r.put("http_target", s.http() == null ? null : s.http().toString());
    long sent = mqtt.sent.get() + http.sent.get();
    long acked = mqtt.acknowledged.get() + http.acknowledged.get();
    Map<String, Object> total = new LinkedHashMap<>();
    total.put("sent", sent);
    total.put("acknowledged", acked);
    total.put("rejected", mqtt.rejected.get() + http.rejected.get());
    total.put("failed", mqtt.failed.get() + http.failed.get());
    total.put("unsent", unsent.get());
    r.put("total", total);
    r.put("throughput_acked_per_s", elapsed <= 0 ? 0 : Math.round(acked / elapsed * 10) / 10.0);
    r.put("mqtt", mqtt.toMap());
    r.put("http", http.toMap());
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("connect_failures", connectFailures.get());
    f.put("reconnect_storms", storms.get());
    f.put("reconnects", reconnects.get());
    f.put("skewed_clocks", devices.stream().filter(d -> d.skew != 0).count()
        + phones.stream().filter(p -> p.skew != 0).count());
    f.put("malformed_acknowledged", malformedAcknowledged.get());
    r.put("faults", f);
    Map<String, Object> l = new LinkedHashMap<>();
    l.put("file", s.ledger().toString());
    l.put("lines", ledger.lines());
    l.put("dropped_after_close", ledger.dropped());
    r.put("ledger", l);
    return r;
  }

  /** Number of devices that could not connect (the command exits non-zero). */
  public long connectFailures() {
    return connectFailures.get();
  }

  // ------------------------------------------------------------------------------------------------------------
  /** One Step Trainer. */
  private final class Device {
    final int index;
    final String serial;
    final MqttLink link;
    final ReadingGenerator.StepTrainer trainer;
    final long skew;
    volatile boolean usable;
    private long seq;
    private long lastTime = Long.MIN_VALUE;
    private boolean connected;
    private boolean reconnectPending;
    private int inflight;
    private final ArrayDeque<Pending> backlog = new ArrayDeque<>();
    /** Publishes waiting for their PUBACK, so a lost connection can mark them as delivered more than once maybe. */
    private final java.util.Set<Pending> unacked = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Device(int index, SimCredentials.Device cred) {
      this.index = index;
      this.serial = cred.serial();
      this.link = MqttLink.create(cfg.get(SimConfig.MQTT_VERSION), s.mqtt(), s.trust(), s.insecure(),
          "stedi-sim-" + cred.serial(), cred.serial(), cred.secret(), s.qos(), cfg.get(SimConfig.MQTT_KEEP_ALIVE),
          this::connectionLost);
      this.trainer = sensors.stepTrainer(index, cred.serial());
      this.skew = faults.clockSkewMillis(FaultModel.STEP_TRAINER, index);
    }

    /**
     * The connection dropped: the client resends what was not acknowledged once it is back. Each of those may
     * have been stored already (the PUBACK was lost), so it may land twice: the ledger says so.
     */
    private void connectionLost() {
      for (Pending p : unacked) {
        p.interrupted = true;
      }
    }

    CompletableFuture<Boolean> connectFirst() {
      CompletableFuture<Boolean> out = new CompletableFuture<>();
      attemptConnect(out, 1, 3);
      return out.thenApply(ok -> {
        synchronized (this) {
          usable = ok;
          connected = ok;
        }
        if (!ok) {
          connectFailures.incrementAndGet();
        }
        return ok;
      });
    }

    private void attemptConnect(CompletableFuture<Boolean> out, int attempt, int attempts) {
      link.connect().whenComplete((v, err) -> {
        if (err == null) {
          out.complete(true);
          return;
        }
        Throwable e = MqttLink.unwrap(err);
        boolean auth = e.getClass().getSimpleName().contains("ConnAck");
        if (auth || attempt >= attempts || abandon) {
          LOG.error("Step Trainer {} cannot connect: {}", serial, e.toString());
          link.disconnect().exceptionally(x -> null);
          out.complete(false);
          return;
        }
        link.disconnect().exceptionally(x -> null).whenComplete((x, y) ->
            scheduler.schedule(() -> attemptConnect(out, attempt + 1, attempts), 500L * attempt, TimeUnit.MILLISECONDS));
      });
    }

    void tick(long now) {
      StepReading r;
      long id;
      synchronized (this) {
        long t = Math.max(now + skew, lastTime + 1);
        lastTime = t;
        r = trainer.readAt(t);
        id = FaultModel.messageId(FaultModel.STEP_TRAINER, index, seq++);
      }
      long late = faults.lateDelayMillis(id);
      if (late > 0) {
        mqtt.late.incrementAndGet();
        long token = open(unsent::incrementAndGet);
        scheduler.schedule(() -> {
          if (close(token)) {
            submit(new Pending(r, id, false));
          }
        }, late, TimeUnit.MILLISECONDS);
      } else {
        submit(new Pending(r, id, false));
      }
    }

    void submit(Pending p) {
      synchronized (this) {
        if (!connected) {
          backlog.add(p);
          return;
        }
        inflight++;
      }
      publish(p);
    }

    /** Publishes a reading; {@code inflight} was incremented by the caller. */
    private void publish(Pending p) {
      if (!p.duplicate) {
        mqtt.sent.incrementAndGet();
      }
      mqtt.messages.incrementAndGet();
      long token = open(() -> {
        if (!p.duplicate) {
          mqtt.failed.incrementAndGet();
        }
        ledger.append(LedgerEntry.of(p.reading, LedgerEntry.FAILED));
      });
      unacked.add(p);
      long start = System.nanoTime();
      link.publish(p.reading.toJson().getBytes(StandardCharsets.UTF_8)).thenAccept(res -> {
        unacked.remove(p);
        if (!close(token)) {
          return; // the run gave up on it and counted it as failed
        }
        try {
          outcome(p, res, System.nanoTime() - start);
        } catch (RuntimeException e) {
          LOG.error("Step Trainer {}: recording an outcome failed", serial, e);
        } finally {
          done();
        }
      });
    }

    private void outcome(Pending p, MqttLink.Result res, long nanos) {
      switch (res.outcome()) {
        case ACKED:
          (p.duplicate ? mqtt.duplicatesAcknowledged : mqtt.acknowledged).incrementAndGet();
          mqtt.latency(nanos);
          ledger.append(LedgerEntry.of(p.reading, LedgerEntry.ACKED));
          if (p.interrupted) {
            // sent again after a lost connection: the first copy may have been stored too
            mqtt.retries.incrementAndGet();
            ledger.append(LedgerEntry.of(p.reading, LedgerEntry.FAILED));
          }
          break;
        case SENT:
          ledger.append(LedgerEntry.of(p.reading, LedgerEntry.SENT));
          break;
        case REJECTED:
          if (!p.duplicate) {
            mqtt.rejected.incrementAndGet();
          }
          if (rejectionLogged.compareAndSet(false, true)) {
            LOG.warn("Step Trainer {}: a reading was refused ({})", serial, res.reason());
          }
          ledger.append(LedgerEntry.of(p.reading, LedgerEntry.REJECTED));
          break;
        default:
          if (!p.duplicate) {
            mqtt.failed.incrementAndGet();
          }
          LOG.debug("Step Trainer {}: no acknowledgement: {}", serial, res.reason());
          ledger.append(LedgerEntry.of(p.reading, LedgerEntry.FAILED));
      }
      if (p.duplicate || abandon) {
        return;
      }
      if (res.outcome() == MqttLink.Outcome.ACKED && faults.duplicate(p.id)) {
        mqtt.duplicatesSent.incrementAndGet();
        submit(new Pending(p.reading, p.id, true));
      }
      if (faults.malformed(p.id)) {
        sendMalformed(p);
      }
    }

    private void sendMalformed(Pending p) {
      synchronized (this) {
        if (!connected) {
          return;
        }
        inflight++;
      }
      mqtt.malformedSent.incrementAndGet();
      mqtt.messages.incrementAndGet();
      long token = open(() -> { });
      byte[] payload = p.reading.toMalformedJson(faults.malformedKind(p.id)).getBytes(StandardCharsets.UTF_8);
      link.publish(payload).thenAccept(res -> {
        if (!close(token)) {
          return;
        }
        try {
          if (res.outcome() == MqttLink.Outcome.REJECTED) {
            mqtt.malformedRejected.incrementAndGet();
          } else if (res.outcome() == MqttLink.Outcome.ACKED) {
            malformedAcknowledged.incrementAndGet(); // MQTT 3.1.1 cannot say no; other brokers do not check
          }
        } finally {
          done();
        }
      });
    }

    private void done() {
      boolean go;
      synchronized (this) {
        inflight--;
        go = reconnectPending && inflight == 0;
        if (go) {
          reconnectPending = false;
        }
      }
      if (go) {
        reconnect();
      }
    }

    /** Part of a reconnect storm: finish what is in flight, disconnect, connect again at once. */
    void storm() {
      synchronized (this) {
        if (!usable || !connected || reconnectPending) {
          return;
        }
        connected = false;
        if (inflight > 0) {
          reconnectPending = true;
          return;
        }
      }
      reconnect();
    }

    private void reconnect() {
      reconnects.incrementAndGet();
      link.disconnect().handle((v, e) -> null).thenRun(() -> reconnectAttempt(1));
    }

    private void reconnectAttempt(int attempt) {
      if (abandon) {
        return;
      }
      link.connect().whenComplete((v, err) -> {
        if (err == null || link.connected()) {
          resume();
        } else if (link.connectedOrReconnecting()) {
          scheduler.schedule(this::waitConnected, 200, TimeUnit.MILLISECONDS);
        } else {
          LOG.debug("Step Trainer {}: reconnect attempt {} failed: {}", serial, attempt, MqttLink.unwrap(err).toString());
          scheduler.schedule(() -> reconnectAttempt(attempt + 1), Math.min(5_000, 200L * attempt), TimeUnit.MILLISECONDS);
        }
      });
    }

    private void waitConnected() {
      if (abandon) {
        return;
      }
      if (link.connected()) {
        resume();
      } else if (link.connectedOrReconnecting()) {
        scheduler.schedule(this::waitConnected, 200, TimeUnit.MILLISECONDS);
      } else {
        reconnectAttempt(1);
      }
    }

    private void resume() {
      List<Pending> flush;
      synchronized (this) {
        connected = true;
        flush = new ArrayList<>(backlog);
        backlog.clear();
        inflight += flush.size();
      }
      flush.forEach(this::publish);
    }

    synchronized int backlogSize() {
      return backlog.size();
    }
  }

  /** A reading on its way; {@code interrupted} once its connection dropped before the PUBACK. */
  private static final class Pending {
    final StepReading reading;
    final long id;
    final boolean duplicate;
    volatile boolean interrupted;

    Pending(StepReading reading, long id, boolean duplicate) {
      this.reading = reading;
      this.id = id;
      this.duplicate = duplicate;
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  /** One phone: collects readings and posts them in batches, one request at a time. */
  private final class Phone {
    final int index;
    final String token;
    final ReadingGenerator.Phone gen;
    final long skew;
    final URI uri;
    private long seq;
    private long batchSeq;
    private long lastTime = Long.MIN_VALUE;
    private final ArrayList<AccelReading> buffer = new ArrayList<>();
    private boolean inFlight;

    Phone(int index, SimCredentials.Token cred) {
      this.index = index;
      this.token = cred.token();
      this.gen = sensors.phone(index, cred.email());
      this.skew = faults.clockSkewMillis(FaultModel.PHONE, index);
      this.uri = s.http().resolve(s.http().getPath() + "/v1/accelerometer");
    }

    void tick(long now) {
      List<AccelReading> rs;
      long base;
      synchronized (this) {
        long t = Math.max(now + skew, lastTime + 1);
        lastTime = t;
        rs = gen.readAt(t);
        base = seq++;
      }
      for (int j = 0; j < rs.size(); j++) {
        AccelReading r = rs.get(j);
        long late = faults.lateDelayMillis(FaultModel.messageId(FaultModel.PHONE, index, base * 4 + j));
        if (late > 0) {
          http.late.incrementAndGet();
          long t = open(unsent::incrementAndGet);
          scheduler.schedule(() -> {
            if (close(t)) {
              synchronized (this) {
                buffer.add(r);
              }
            }
          }, late, TimeUnit.MILLISECONDS);
        } else {
          synchronized (this) {
            buffer.add(r);
          }
        }
      }
      if (bufferSize() >= cfg.get(SimConfig.HTTP_MAX_BATCH)) {
        flush();
      }
    }

    synchronized int bufferSize() {
      return buffer.size();
    }

    synchronized boolean busy() {
      return inFlight;
    }

    void flush() {
      Batch b;
      synchronized (this) {
        if (inFlight || buffer.isEmpty() || abandon) {
          return;
        }
        int n = Math.min(buffer.size(), cfg.get(SimConfig.HTTP_MAX_BATCH));
        List<AccelReading> readings = new ArrayList<>(buffer.subList(0, n));
        buffer.subList(0, n).clear();
        inFlight = true;
        long bs = batchSeq++;
        String body = readings.stream().map(AccelReading::toJson).collect(Collectors.joining(",", "[", "]"));
        b = new Batch(readings, s.runId() + "-p" + index + "-" + bs, body,
            FaultModel.messageId(FaultModel.PHONE_BATCH, index, bs), System.nanoTime());
      }
      http.sent.addAndGet(b.readings.size());
      b.token = open(() -> {
        http.failed.addAndGet(b.readings.size());
        ledger.append(b.entries(LedgerEntry.FAILED));
      });
      post(b, 0);
    }

    private HttpRequest request(String key, String body) {
      return HttpRequest.newBuilder(uri).timeout(cfg.get(SimConfig.HTTP_TIMEOUT))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
          .build();
    }

    private void post(Batch b, int attempt) {
      http.messages.incrementAndGet();
      httpClient.sendAsync(request(b.key, b.body), HttpResponse.BodyHandlers.ofString())
          .whenComplete((resp, err) -> {
            try {
              handle(b, attempt, resp, err);
            } catch (RuntimeException e) {
              LOG.error("phone {}: handling a response failed", index, e);
              finish();
            }
          });
    }

    private void handle(Batch b, int attempt, HttpResponse<String> resp, Throwable err) {
      int status = err == null ? resp.statusCode() : -1;
      if (status != 202 && retryable(status, err) && attempt < cfg.get(SimConfig.HTTP_RETRIES) && !abandon) {
        http.retries.incrementAndGet();
        long delay = retryDelay(resp, attempt);
        scheduler.schedule(() -> post(b, attempt + 1), delay, TimeUnit.MILLISECONDS);
        return;
      }
      if (!close(b.token)) {
        return; // the run gave up on it and counted it as failed
      }
      if (status == 202) {
        http.acknowledged.addAndGet(b.readings.size());
        http.latency(System.nanoTime() - b.startNanos);
        ledger.append(b.entries(LedgerEntry.ACKED));
        if (!abandon && faults.duplicate(b.id)) {
          duplicate(b);
          return;
        }
      } else if (status >= 400 && status < 500 && status != 429) {
        http.rejected.addAndGet(b.readings.size());
        ledger.append(b.entries(LedgerEntry.REJECTED));
        if (rejectionLogged.compareAndSet(false, true)) {
          LOG.warn("phone {}: a batch was refused: HTTP {} {}", index, status, resp.body());
        }
      } else {
        http.failed.addAndGet(b.readings.size());
        ledger.append(b.entries(LedgerEntry.FAILED));
        LOG.debug("phone {}: batch {} failed: {}", index, b.key, err != null ? err.toString() : "HTTP " + status);
      }
      afterBatch(b);
    }

    /** Delivers an acknowledged batch again with the same Idempotency-Key: the receiver must store nothing. */
    private void duplicate(Batch b) {
      http.duplicatesSent.incrementAndGet();
      http.messages.incrementAndGet();
      long t = open(() -> { });
      httpClient.sendAsync(request(b.key, b.body), HttpResponse.BodyHandlers.ofString())
          .whenComplete((resp, err) -> {
            if (!close(t)) {
              return;
            }
            if (err == null && resp.statusCode() == 202) {
              http.duplicatesAcknowledged.incrementAndGet();
            }
            afterBatch(b);
          });
    }

    private boolean retryable(int status, Throwable err) {
      if (err != null) {
        Throwable e = MqttLink.unwrap(err);
        return e instanceof HttpTimeoutException || e instanceof java.io.IOException;
      }
      return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    private long retryDelay(HttpResponse<String> resp, int attempt) {
      if (resp != null) {
        String ra = resp.headers().firstValue("Retry-After").orElse(null);
        if (ra != null && ra.trim().matches("\\d{1,4}")) {
          return Math.min(30_000, Long.parseLong(ra.trim()) * 1000);
        }
      }
      return Math.min(5_000, 100L << Math.min(attempt, 6));
    }

    /** After a batch: maybe a malformed one (a fault), then the next batch. */
    private void afterBatch(Batch b) {
      if (abandon || !faults.malformed(b.id)) {
        finish();
        return;
      }
      AccelReading first = b.readings.get(0);
      String body = "[" + first.toMalformedJson(faults.malformedKind(b.id)) + "]";
      http.malformedSent.incrementAndGet();
      http.messages.incrementAndGet();
      long t = open(() -> { });
      httpClient.sendAsync(request(b.key + "-malformed", body), HttpResponse.BodyHandlers.ofString())
          .whenComplete((resp, err) -> {
            if (!close(t)) {
              return;
            }
            if (err == null && resp.statusCode() >= 400 && resp.statusCode() < 500) {
              http.malformedRejected.incrementAndGet();
            } else if (err == null && resp.statusCode() == 202) {
              malformedAcknowledged.incrementAndGet();
            }
            finish();
          });
    }

    private void finish() {
      synchronized (this) {
        inFlight = false;
      }
      if (bufferSize() >= cfg.get(SimConfig.HTTP_MAX_BATCH) || !producing) {
        flush();
      }
    }
  }

  /** A batch of phone readings and its Idempotency-Key. */
  private static final class Batch {
    final List<AccelReading> readings;
    final String key;
    final String body;
    final long id;
    final long startNanos;
    volatile long token;

    Batch(List<AccelReading> readings, String key, String body, long id, long startNanos) {
      this.readings = readings;
      this.key = key;
      this.body = body;
      this.id = id;
      this.startNanos = startNanos;
    }

    List<LedgerEntry> entries(String status) {
      return readings.stream().map(r -> LedgerEntry.of(r, status)).collect(Collectors.toList());
    }
  }

  /** A one-paragraph human summary of a report. */
  @SuppressWarnings("unchecked")
  public static String describe(Map<String, Object> r) {
    Map<String, Object> t = (Map<String, Object>) r.get("total");
    Map<String, Object> m = (Map<String, Object>) r.get("mqtt");
    Map<String, Object> h = (Map<String, Object>) r.get("http");
    Map<String, Object> f = (Map<String, Object>) r.get("faults");
    StringBuilder b = new StringBuilder();
    b.append(String.format("run %s: %s devices, %s phones, %s readings/s per device, qos %s, %.1f s%n", r.get("run_id"),
        r.get("devices"), r.get("phones"), r.get("rate_per_device"), r.get("qos"), (Double) r.get("elapsed_s")));
    b.append(String.format("  total: sent %s, acknowledged %s, rejected %s, failed %s, unsent %s; throughput %s acked/s%n",
        t.get("sent"), t.get("acknowledged"), t.get("rejected"), t.get("failed"), t.get("unsent"),
        r.get("throughput_acked_per_s")));
    for (Map.Entry<String, Map<String, Object>> c : List.of(Map.entry("mqtt", m), Map.entry("http", h))) {
      Map<String, Object> v = c.getValue();
      Map<String, Object> lat = (Map<String, Object>) v.get("ack_latency_ms");
      b.append(String.format("  %-4s: sent %s, acknowledged %s, rejected %s, failed %s (%s messages, %s retries); "
          + "ack latency ms p50 %s p90 %s p99 %s p99.9 %s max %s%n", c.getKey(), v.get("sent"), v.get("acknowledged"),
          v.get("rejected"), v.get("failed"), v.get("messages"), v.get("retries"), lat.get("p50"), lat.get("p90"),
          lat.get("p99"), lat.get("p99.9"), lat.get("max")));
    }
    b.append(String.format("  faults: malformed sent %s (rejected %s), duplicates sent %s (acknowledged %s), late %s, "
        + "storms %s (reconnects %s), skewed clocks %s, connect failures %s%n",
        (Long) m.get("malformed_sent") + (Long) h.get("malformed_sent"),
        (Long) m.get("malformed_rejected") + (Long) h.get("malformed_rejected"),
        (Long) m.get("duplicates_sent") + (Long) h.get("duplicates_sent"),
        (Long) m.get("duplicates_acknowledged") + (Long) h.get("duplicates_acknowledged"),
        (Long) m.get("late") + (Long) h.get("late"), f.get("reconnect_storms"), f.get("reconnects"),
        f.get("skewed_clocks"), f.get("connect_failures")));
    Map<String, Object> l = (Map<String, Object>) r.get("ledger");
    b.append(String.format("  ledger: %s (%s lines)", l.get("file"), l.get("lines")));
    return b.toString();
  }
}
