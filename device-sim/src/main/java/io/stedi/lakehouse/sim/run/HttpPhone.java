package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.faults.FaultModel;
import io.stedi.lakehouse.sim.generate.ReadingGenerator;
import io.stedi.lakehouse.sim.model.AccelReading;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated phone: collects 2 or 3 accelerometer readings per tick and posts them in batches
 * ({@code POST /v1/accelerometer}), one request at a time, each batch with its own Idempotency-Key that every retry
 * and every deliberate duplicate reuses.
 */
final class HttpPhone {
  private static final Logger LOG = LoggerFactory.getLogger(HttpPhone.class);

  private final RunContext c;
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

  HttpPhone(RunContext c, int index, SimCredentials.Token cred) {
    this.c = c;
    this.index = index;
    this.token = cred.token();
    this.gen = c.sensors.phone(index, cred.email());
    this.skew = c.faults.clockSkewMillis(FaultModel.PHONE, index);
    this.uri = HttpApi.endpoint(c.s.http(), "accelerometer");
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
      long late = c.faults.lateDelayMillis(FaultModel.messageId(FaultModel.PHONE, index, base * 4 + j));
      if (late > 0) {
        c.http.late.incrementAndGet();
        long t = c.open(c.unsent::incrementAndGet);
        c.scheduler.schedule(() -> {
          if (c.close(t)) {
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
    if (bufferSize() >= c.cfg.get(SimConfig.HTTP_MAX_BATCH)) {
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
      if (inFlight || buffer.isEmpty() || c.abandon) {
        return;
      }
      int n = Math.min(buffer.size(), c.cfg.get(SimConfig.HTTP_MAX_BATCH));
      List<AccelReading> readings = new ArrayList<>(buffer.subList(0, n));
      buffer.subList(0, n).clear();
      inFlight = true;
      long bs = batchSeq++;
      String body = readings.stream().map(AccelReading::toJson).collect(Collectors.joining(",", "[", "]"));
      b = new Batch(readings, c.s.runId() + "-p" + index + "-" + bs, body,
          FaultModel.messageId(FaultModel.PHONE_BATCH, index, bs), System.nanoTime());
    }
    c.http.sent.addAndGet(b.readings.size());
    b.token = c.open(() -> {
      c.http.failed.addAndGet(b.readings.size());
      c.ledger.append(b.entries(LedgerEntry.FAILED));
    });
    post(b, 0);
  }

  private HttpRequest request(String key, String body) {
    return HttpApi.post(uri, c.cfg.get(SimConfig.HTTP_TIMEOUT), token, key, body);
  }

  private void post(Batch b, int attempt) {
    c.http.messages.incrementAndGet();
    c.httpClient.sendAsync(request(b.key, b.body), HttpResponse.BodyHandlers.ofString())
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
    if (HttpApi.mayRetry(c, status, err, attempt)) {
      c.http.retries.incrementAndGet();
      long delay = HttpApi.retryDelayMillis(resp, attempt);
      c.scheduler.schedule(() -> post(b, attempt + 1), delay, TimeUnit.MILLISECONDS);
      return;
    }
    if (!c.close(b.token)) {
      return; // the run gave up on it and counted it as failed
    }
    if (status == 202) {
      c.http.acknowledged.addAndGet(b.readings.size());
      c.http.latency(System.nanoTime() - b.startNanos);
      c.ledger.append(b.entries(LedgerEntry.ACKED));
      if (!c.abandon && c.faults.duplicate(b.id)) {
        duplicate(b);
        return;
      }
    } else if (status >= 400 && status < 500 && status != 429) {
      c.http.rejected.addAndGet(b.readings.size());
      c.ledger.append(b.entries(LedgerEntry.REJECTED));
      if (c.rejectionLogged.compareAndSet(false, true)) {
        LOG.warn("phone {}: a batch was refused: HTTP {} {}", index, status, resp.body());
      }
    } else {
      c.http.failed.addAndGet(b.readings.size());
      c.ledger.append(b.entries(LedgerEntry.FAILED));
      LOG.debug("phone {}: batch {} failed: {}", index, b.key, err != null ? err.toString() : "HTTP " + status);
    }
    afterBatch(b);
  }

  /** Delivers an acknowledged batch again with the same Idempotency-Key: the receiver must store nothing. */
  private void duplicate(Batch b) {
    c.http.duplicatesSent.incrementAndGet();
    c.http.messages.incrementAndGet();
    long t = c.open(() -> { });
    c.httpClient.sendAsync(request(b.key, b.body), HttpResponse.BodyHandlers.ofString())
        .whenComplete((resp, err) -> {
          if (!c.close(t)) {
            return;
          }
          if (err == null && resp.statusCode() == 202) {
            c.http.duplicatesAcknowledged.incrementAndGet();
          }
          afterBatch(b);
        });
  }

  /** After a batch: maybe a malformed one (a fault), then the next batch. */
  private void afterBatch(Batch b) {
    if (c.abandon || !c.faults.malformed(b.id)) {
      finish();
      return;
    }
    AccelReading first = b.readings.get(0);
    String body = "[" + first.toMalformedJson(c.faults.malformedKind(b.id)) + "]";
    c.http.malformedSent.incrementAndGet();
    c.http.messages.incrementAndGet();
    long t = c.open(() -> { });
    c.httpClient.sendAsync(request(b.key + "-malformed", body), HttpResponse.BodyHandlers.ofString())
        .whenComplete((resp, err) -> {
          if (!c.close(t)) {
            return;
          }
          if (err == null && resp.statusCode() >= 400 && resp.statusCode() < 500) {
            c.http.malformedRejected.incrementAndGet();
          } else if (err == null && resp.statusCode() == 202) {
            c.malformedAcknowledged.incrementAndGet();
          }
          finish();
        });
  }

  private void finish() {
    synchronized (this) {
      inFlight = false;
    }
    if (bufferSize() >= c.cfg.get(SimConfig.HTTP_MAX_BATCH) || !c.producing) {
      flush();
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
}
