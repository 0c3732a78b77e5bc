package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.faults.FaultModel;
import io.stedi.lakehouse.sim.generate.ReadingGenerator;
import io.stedi.lakehouse.sim.model.StepReading;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated Step Trainer: one MQTT connection, one reading per message. Readings taken while the device is
 * disconnected (a reconnect storm) wait in a backlog; a lost connection marks the unacknowledged publishes as
 * possibly delivered twice (the client resends them), which the ledger records as an extra {@code failed} line.
 */
final class MqttDevice {
  private static final Logger LOG = LoggerFactory.getLogger(MqttDevice.class);

  private final RunContext c;
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
  private final ArrayDeque<PendingReading> backlog = new ArrayDeque<>();
  /** Publishes waiting for their PUBACK, so a lost connection can mark them as delivered more than once maybe. */
  private final Set<PendingReading> unacked = ConcurrentHashMap.newKeySet();

  MqttDevice(RunContext c, int index, SimCredentials.Device cred) {
    this.c = c;
    this.index = index;
    this.serial = cred.serial();
    this.link = MqttLink.create(c.cfg.get(SimConfig.MQTT_VERSION), c.s.mqtt(), c.s.trust(), c.s.insecure(),
        "stedi-sim-" + cred.serial(), cred.serial(), cred.secret(), c.s.qos(), c.cfg.get(SimConfig.MQTT_KEEP_ALIVE),
        this::connectionLost);
    this.trainer = c.sensors.stepTrainer(index, cred.serial());
    this.skew = c.faults.clockSkewMillis(FaultModel.STEP_TRAINER, index);
  }

  /**
   * The connection dropped: the client resends what was not acknowledged once it is back. Each of those may
   * have been stored already (the PUBACK was lost), so it may land twice: the ledger says so.
   */
  private void connectionLost() {
    for (PendingReading p : unacked) {
      p.interrupted = true;
    }
  }

  CompletableFuture<Boolean> connectFirst() {
    CompletableFuture<Boolean> out = new CompletableFuture<>();
    // 4 attempts, 0.5 + 1 + 1.5 s apart: a refused CONNECT (not authorized) is retried too, because a device
    // provisioned a moment ago is known to the gateway only after its next credentials reload (every second)
    attemptConnect(out, 1, 4);
    return out.thenApply(ok -> {
      synchronized (this) {
        usable = ok;
        connected = ok;
      }
      if (!ok) {
        c.connectFailures.incrementAndGet();
      }
      return ok;
    });
  }

  private void attemptConnect(CompletableFuture<Boolean> out, int attempt, int attempts) {
    // With automatic reconnect, a server that cannot be reached never fails the connect future (the client keeps
    // trying): the timeout ends that, and another attempt would only wait as long again.
    long timeout = c.cfg.get(SimConfig.MQTT_CONNECT_TIMEOUT).toMillis();
    link.connect().orTimeout(timeout, TimeUnit.MILLISECONDS).whenComplete((v, err) -> {
      if (err == null) {
        out.complete(true);
        return;
      }
      Throwable e = MqttLink.unwrap(err);
      boolean timedOut = e instanceof TimeoutException;
      if (timedOut || attempt >= attempts || c.abandon) {
        LOG.error("Step Trainer {} cannot connect: {}", serial, timedOut
            ? "not connected after sim.mqtt.connect-timeout (" + timeout + " ms)" : e.toString());
        link.disconnect().exceptionally(x -> null);
        out.complete(false);
        return;
      }
      link.disconnect().exceptionally(x -> null).whenComplete((x, y) ->
          c.scheduler.schedule(() -> attemptConnect(out, attempt + 1, attempts), 500L * attempt, TimeUnit.MILLISECONDS));
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
    long late = c.faults.lateDelayMillis(id);
    if (late > 0) {
      c.mqtt.late.incrementAndGet();
      long token = c.open(c.unsent::incrementAndGet);
      c.scheduler.schedule(() -> {
        if (c.close(token)) {
          submit(new PendingReading(r, id, false));
        }
      }, late, TimeUnit.MILLISECONDS);
    } else {
      submit(new PendingReading(r, id, false));
    }
  }

  void submit(PendingReading p) {
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
  private void publish(PendingReading p) {
    if (!p.duplicate) {
      c.mqtt.sent.incrementAndGet();
    }
    c.mqtt.messages.incrementAndGet();
    long token = c.open(() -> {
      if (!p.duplicate) {
        c.mqtt.failed.incrementAndGet();
      }
      c.ledger.append(LedgerEntry.of(p.reading, LedgerEntry.FAILED));
    });
    unacked.add(p);
    long start = System.nanoTime();
    link.publish(p.reading.toJson().getBytes(StandardCharsets.UTF_8)).thenAccept(res -> {
      unacked.remove(p);
      if (!c.close(token)) {
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

  private void outcome(PendingReading p, MqttLink.Result res, long nanos) {
    switch (res.outcome()) {
      case ACKED:
        (p.duplicate ? c.mqtt.duplicatesAcknowledged : c.mqtt.acknowledged).incrementAndGet();
        c.mqtt.latency(nanos);
        c.ledger.append(LedgerEntry.of(p.reading, LedgerEntry.ACKED));
        if (p.interrupted) {
          // sent again after a lost connection: the first copy may have been stored too
          c.mqtt.retries.incrementAndGet();
          c.ledger.append(LedgerEntry.of(p.reading, LedgerEntry.FAILED));
        }
        break;
      case SENT:
        c.ledger.append(LedgerEntry.of(p.reading, LedgerEntry.SENT));
        break;
      case REJECTED:
        if (!p.duplicate) {
          c.mqtt.rejected.incrementAndGet();
        }
        if (c.rejectionLogged.compareAndSet(false, true)) {
          LOG.warn("Step Trainer {}: a reading was refused ({})", serial, res.reason());
        }
        c.ledger.append(LedgerEntry.of(p.reading, LedgerEntry.REJECTED));
        break;
      default:
        if (!p.duplicate) {
          c.mqtt.failed.incrementAndGet();
        }
        LOG.debug("Step Trainer {}: no acknowledgement: {}", serial, res.reason());
        c.ledger.append(LedgerEntry.of(p.reading, LedgerEntry.FAILED));
    }
    if (p.duplicate || c.abandon) {
      return;
    }
    if (res.outcome() == MqttLink.Outcome.ACKED && c.faults.duplicate(p.id)) {
      c.mqtt.duplicatesSent.incrementAndGet();
      submit(new PendingReading(p.reading, p.id, true));
    }
    if (c.faults.malformed(p.id)) {
      sendMalformed(p);
    }
  }

  private void sendMalformed(PendingReading p) {
    synchronized (this) {
      if (!connected) {
        return;
      }
      inflight++;
    }
    c.mqtt.malformedSent.incrementAndGet();
    c.mqtt.messages.incrementAndGet();
    long token = c.open(() -> { });
    byte[] payload = p.reading.toMalformedJson(c.faults.malformedKind(p.id)).getBytes(StandardCharsets.UTF_8);
    link.publish(payload).thenAccept(res -> {
      if (!c.close(token)) {
        return;
      }
      try {
        if (res.outcome() == MqttLink.Outcome.REJECTED) {
          c.mqtt.malformedRejected.incrementAndGet();
        } else if (res.outcome() == MqttLink.Outcome.ACKED) {
          c.malformedAcknowledged.incrementAndGet(); // MQTT 3.1.1 cannot say no; other brokers do not check
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
    c.reconnects.incrementAndGet();
    link.disconnect().handle((v, e) -> null).thenRun(() -> reconnectAttempt(1));
  }

  private void reconnectAttempt(int attempt) {
    if (c.abandon) {
      return;
    }
    link.connect().whenComplete((v, err) -> {
      if (err == null || link.connected()) {
        resume();
      } else if (link.connectedOrReconnecting()) {
        c.scheduler.schedule(this::waitConnected, 200, TimeUnit.MILLISECONDS);
      } else {
        LOG.debug("Step Trainer {}: reconnect attempt {} failed: {}", serial, attempt, MqttLink.unwrap(err).toString());
        c.scheduler.schedule(() -> reconnectAttempt(attempt + 1), Math.min(5_000, 200L * attempt), TimeUnit.MILLISECONDS);
      }
    });
  }

  private void waitConnected() {
    if (c.abandon) {
      return;
    }
    if (link.connected()) {
      resume();
    } else if (link.connectedOrReconnecting()) {
      c.scheduler.schedule(this::waitConnected, 200, TimeUnit.MILLISECONDS);
    } else {
      reconnectAttempt(1);
    }
  }

  private void resume() {
    List<PendingReading> flush;
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
