package io.stedi.lakehouse.gateway.ingest;

import io.stedi.lakehouse.commit.CommitCoordinator;
import io.stedi.lakehouse.commit.WalEntry;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.gateway.auth.ErasureGuard;
import io.stedi.lakehouse.gateway.ops.GatewayMetrics;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.Rejection;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both protocols share: durable appends through the writer's {@link CommitCoordinator}, quarantine
 * records for rejected input, unique idempotency keys, and metrics.
 */
public final class IngestService {
  private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);

  private final Vertx vertx;
  private final CommitCoordinator coordinator;
  private final GatewayMetrics metrics;
  private final IdempotencyStore idempotency;
  private final int maxPayloadBytes;
  private final String instance;
  private final AtomicLong sequence = new AtomicLong();
  private final ErasureGuard erasure;

  public IngestService(Vertx vertx, CommitCoordinator coordinator, GatewayMetrics metrics, IdempotencyStore idempotency,
      int maxPayloadBytes, ErasureGuard erasure) {
    this.erasure = erasure;
    this.vertx = vertx;
    this.coordinator = coordinator;
    this.metrics = metrics;
    this.idempotency = idempotency;
    this.maxPayloadBytes = maxPayloadBytes;
    this.instance = coordinator.instanceId();
  }

  /** A key prefix unique to one delivery: {@code <protocol>:<instance>:<start-millis>-<seq>}. */
  public String newDeliveryKey(String protocol) {
    return protocol + ":" + instance + ":" + STARTED + "-" + sequence.incrementAndGet();
  }

  private static final long STARTED = System.currentTimeMillis();

  /** Landing entries for validated rows; keys are {@code deliveryKey:i}. */
  public static List<WalEntry> landing(List<LandingRow> rows, String source, String deliveryKey) {
    long now = System.currentTimeMillis();
    List<WalEntry> out = new ArrayList<>(rows.size() + 1);
    for (int i = 0; i < rows.size(); i++) {
      out.add(WalEntry.landing(rows.get(i), now, source, deliveryKey + ":" + i));
    }
    return out;
  }

  /**
   * Appends durably; the future completes (on the caller's Vert.x context) once the batch is on disk. Fails
   * with {@link ErrorCode#WAL_FULL} under back-pressure.
   */
  public Future<Long> append(List<WalEntry> entries) {
    return Future.fromCompletionStage(coordinator.append(entries), vertx.getOrCreateContext());
  }

  /**
   * Records rejected input in the quarantine table and the metrics. The future completes once the record is
   * durable, so that callers acknowledge a rejected message only after its quarantine record is safe. Under
   * back-pressure (log full) it completes anyway: the rejection is then counted and logged but not stored.
   */
  public Future<Void> quarantine(String protocol, String zone, String origin, Rejection r, String payload, long readings) {
    metrics.rejected(protocol, r.code().code(), Math.max(1, readings));
    WalEntry e = WalEntry.quarantine(zone, origin, r, truncate(payload), System.currentTimeMillis(), protocol,
        newDeliveryKey(protocol) + ":q");
    return append(List.of(e)).<Void>mapEmpty().recover(err -> {
      LOG.warn("quarantine record for {} ({}) not stored: {}", origin, r.code().code(), err.toString());
      return Future.succeededFuture();
    });
  }

  private String truncate(String s) {
    return s == null || s.length() <= maxPayloadBytes ? s : s.substring(0, maxPayloadBytes);
  }

  /**
   * Whether the gateway can take writes: its write-ahead log has room. A catalog or object-store outage does not
   * count: the log buffers it (see {@link CommitCoordinator}), and health reports it separately.
   */
  public boolean ready() {
    return coordinator.walHasRoom(Math.min(64 * 1024, coordinator.walMaxBytes() / 16));
  }

  /** Whether an append failure is back-pressure (retry later) rather than a bug. */
  public static boolean isBackPressure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StediException && ((StediException) c).code().retryable()) {
        return true;
      }
    }
    return false;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public IdempotencyStore idempotency() {
    return idempotency;
  }

  public CommitCoordinator coordinator() {
    return coordinator;
  }

  /** Which serials and users are refused because they were forgotten. */
  public ErasureGuard erasure() {
    return erasure;
  }

  /**
   * Records that input of a forgotten identity was refused, without its content: storing the payload in the
   * quarantine table would put the erased email or serial back into the warehouse.
   */
  public Future<Void> refuseErased(String protocol, String zone, String origin, long readings) {
    return quarantine(protocol, zone, origin, new Rejection(ErrorCode.FORBIDDEN, null,
        "input of an erased identity (bin/stedi forget) refused; content not kept"), null, readings);
  }
}
