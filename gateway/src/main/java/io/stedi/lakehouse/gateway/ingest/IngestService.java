package io.stedi.lakehouse.gateway.ingest;

import io.stedi.lakehouse.commit.CommitCoordinator;
import io.stedi.lakehouse.commit.WalEntry;
import io.stedi.lakehouse.erasure.IdentityKind;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.gateway.auth.ErasureGuard;
import io.stedi.lakehouse.gateway.ops.GatewayMetrics;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest path every protocol calls ({@link #ingest}): ownership and erasure checks, validation against the
 * zone's descriptor, durable appends through the writer's {@link CommitCoordinator}, quarantine records for
 * rejected input, unique delivery keys, and metrics.
 */
public final class IngestService {
  private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);

  private final Vertx vertx;
  private final CommitCoordinator coordinator;
  private final GatewayMetrics metrics;
  private final IdempotencyStore idempotency;
  private final int maxPayloadBytes;
  /** Each protocol's delivery-key prefix {@code <protocol>:<instance>:<start-millis>-}, built once. */
  private final java.util.Map<Protocol, String> keyPrefixes = new java.util.EnumMap<>(Protocol.class);
  private final AtomicLong sequence = new AtomicLong();
  private final ErasureGuard erasure;
  private final CredentialStore credentials;
  private final WalShares shares;
  /** Each protocol's meters, resolved once (no meter lookup per message). */
  private final java.util.Map<Protocol, GatewayMetrics.ProtocolMeters> meters = new java.util.EnumMap<>(Protocol.class);

  /**
   * @param sharePercent most of the log budget one sender may add while the log is above {@code thresholdPercent}
   *     (100: no shares)
   * @param pacePercent commit backlog (percent of the log budget) above which acknowledgements are held back, up to
   *     100 ms at {@code thresholdPercent} (at or above it: no pacing)
   */
  public IngestService(Vertx vertx, CommitCoordinator coordinator, GatewayMetrics metrics, IdempotencyStore idempotency,
      int maxPayloadBytes, ErasureGuard erasure, CredentialStore credentials, int sharePercent, int thresholdPercent,
      int pacePercent) {
    this.shares = new WalShares(coordinator::walBytes, coordinator::walPendingBytes, coordinator.walMaxBytes(),
        thresholdPercent / 100.0,
        sharePercent / 100.0, pacePercent / 100.0);
    this.credentials = credentials;
    this.erasure = erasure;
    this.vertx = vertx;
    this.coordinator = coordinator;
    this.metrics = metrics;
    this.idempotency = idempotency;
    this.maxPayloadBytes = maxPayloadBytes;
    for (Protocol p : Protocol.values()) {
      meters.put(p, metrics.meters(p.label()));
      keyPrefixes.put(p, p.label() + ":" + coordinator.instanceId() + ":" + STARTED + "-");
    }
  }

  /**
   * The one ingest path of every protocol: checks the sender may send this zone, parses and validates the
   * payload against the zone's descriptor, checks each reading is the sender's own and not of a forgotten
   * identity, quarantines what is refused, and appends the rest durably.
   *
   * @param req what arrived, from whom, and in what shape
   * @return completes on the caller's context with what to answer; never fails
   */
  public Future<IngestOutcome> ingest(IngestRequest req) {
    Zone zone = req.zone();
    Origin origin = req.origin();
    String protocol = req.protocol().label();
    if (origin.kind() != zone.ownerKind()) {
      return reject(req, ReadingBatch.refused(new Rejection(ErrorCode.FORBIDDEN, null,
          origin.description() + " may not send " + zone.cliName() + " records")), false);
    }
    if (origin.kind() == IdentityKind.SERIAL && erasure.serialRefused(origin.identity())) {
      return reject(req, ReadingBatch.refused(new Rejection(ErrorCode.FORBIDDEN, null, ERASED)), true);
    }
    ReadingBatch batch = ReadingBatch.parse(zone, req.payload(), req.allowObject(), req.allowArray(), req.maxReadings(),
        row -> check(zone, origin, row));
    if (!batch.ok()) {
      return reject(req, batch, batch.problems().stream().anyMatch(p -> ERASED.equals(p.rejection().message())));
    }
    List<LandingRow> rows = batch.rows();
    int n = rows.size();
    GatewayMetrics.ProtocolMeters meter = meters.get(req.protocol());
    meter.received(n);
    if (!shares.admit(origin.description(), req.payload().length)) {
      // not the sender's fault as such, and nothing is lost: it is told to retry, as with a full log
      metrics.rejected(protocol, "wal_share", n);
      return Future.succeededFuture(new IngestOutcome.Unavailable(new StediException(ErrorCode.WAL_FULL,
          (origin.kind() == IdentityKind.SERIAL ? "this device" : "this token")
              + " has used its share of the gateway's write-ahead log while commits catch up; retry shortly"), true));
    }
    List<WalEntry> entries = landing(rows, req.protocol().source(), newDeliveryKey(req.protocol()));
    WalEntry side = req.sideEntry() == null ? null : req.sideEntry().apply(n);
    if (side != null) {
      entries.add(side);
    }
    long arrived = System.nanoTime();
    // a forgotten customer's new registration lifts the refusal only once its record is durable
    List<String> lifting = zone.registration() ? lifting(zone, rows) : List.of();
    if (!lifting.isEmpty()) { // almost always empty (JFR showed the empty forEach per message)
      lifting.forEach(erasure::customerRegistering);
    }
    Future<Long> durable = append(entries, req.context());
    if (!lifting.isEmpty()) {
      durable = durable.compose(lsn -> vertx.executeBlocking(() -> {
        lifting.forEach(erasure::customerRegistered);
        return lsn;
      }));
    }
    return durable.<IngestOutcome>compose(lsn -> {
          meter.acknowledged(n, System.nanoTime() - arrived);
          IngestOutcome stored = new IngestOutcome.Stored(n);
          long hold = shares.ackDelayMillis();
          if (hold == 0) {
            return Future.succeededFuture(stored);
          }
          // durable already; only the answer waits, so that the sender slows to what the commits keep up with
          meter.paced(n);
          Promise<IngestOutcome> later = Promise.promise();
          vertx.setTimer(hold, id -> later.complete(stored));
          return later.future();
        }).otherwise(err -> {
          lifting.forEach(erasure::registrationFailed);
          return new IngestOutcome.Unavailable(err, isBackPressure(err));
        });
  }

  /** FORBIDDEN when a valid reading is not the sender's own, or belongs to a forgotten identity; else null. */
  private Rejection check(Zone zone, Origin origin, LandingRow row) {
    String owner = (String) row.get(zone.ownerColumn());
    if (!origin.owns(owner)) {
      return new Rejection(ErrorCode.FORBIDDEN, zone.ownerColumn(), origin.kind() == IdentityKind.SERIAL
          ? "reading " + zone.ownerColumn() + " " + owner + " is not this device's (" + origin.identity() + ")"
          : "this token may only send data of " + origin.identity() + ", not " + owner);
    }
    // a customer record may name only devices that are unpaired or paired with that customer (devices pair)
    String serialColumn = zone.registration() ? zone.identityColumns().get(IdentityKind.SERIAL) : null;
    if (serialColumn != null && owner != null) {
      String serial = (String) row.get(serialColumn);
      String paired = credentials.deviceOwner(serial);
      if (paired != null && !paired.equalsIgnoreCase(owner.strip())) {
        return new Rejection(ErrorCode.OWNERSHIP_CONFLICT, serialColumn, serialColumn + " " + serial
            + " is paired with another customer; a customer record may name only the customer's own devices");
      }
    }
    boolean refused = zone.ownerKind() == IdentityKind.SERIAL ? erasure.serialRefused(owner) : erasure.userRefused(owner);
    // a registration sent with a token issued after the forget request is a new consent and brings the customer
    // back; anything else of a forgotten identity (readings, or the app's background sync with the old token) is refused
    if (refused && zone.registration() && origin.issuedAt() != null) {
      java.time.Instant since = erasure.identities().forgottenSince(zone.ownerKind(), owner);
      refused = since != null && !origin.issuedAt().isAfter(since);
    }
    return refused ? new Rejection(ErrorCode.FORBIDDEN, zone.ownerColumn(), ERASED) : null;
  }

  private Future<IngestOutcome> reject(IngestRequest req, ReadingBatch batch, boolean erased) {
    int n = Math.max(1, batch.problems().size());
    Protocol protocol = req.protocol();
    meters.get(protocol).received(n);
    Origin o = req.origin();
    // a refusal of an erased identity keeps neither the content nor the device's serial (it would put the
    // erased identity back into the warehouse)
    Future<Void> stored = erased
        ? refuseErased(protocol, req.zone().cliName(), o.kind() == IdentityKind.SERIAL ? "device (erased)" : o.description(), n)
        : quarantine(protocol, req.zone().cliName(), o.description(), batch.firstRejection(),
            new String(req.payload(), StandardCharsets.UTF_8), n);
    return stored.map(x -> new IngestOutcome.Rejected(batch, erased));
  }

  /** The owners of registration records that are forgotten (each record passed the new-consent check). */
  private List<String> lifting(Zone zone, List<LandingRow> rows) {
    return rows.stream().map(r -> (String) r.get(zone.ownerColumn())).filter(erasure::userRefused).toList();
  }

  /** The message of a refusal because the identity was forgotten. */
  public static final String ERASED = "this customer's data was erased at their request (right to be forgotten);"
      + " data is accepted again after they register again (POST /v1/customers) or the device is provisioned again";

  /** A key prefix unique to one delivery: {@code <protocol>:<instance>:<start-millis>-<seq>}. */
  public String newDeliveryKey(Protocol protocol) {
    return keyPrefixes.get(protocol) + sequence.incrementAndGet();
  }

  private static final long STARTED = System.currentTimeMillis();

  /** Landing entries for validated rows; keys are {@code deliveryKey:i}. */
  public static List<WalEntry> landing(List<LandingRow> rows, String source, String deliveryKey) {
    long now = System.currentTimeMillis();
    List<WalEntry> out = new ArrayList<>(rows.size() + 1); // room for a side entry
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
    return append(entries, vertx.getOrCreateContext());
  }

  private Future<Long> append(List<WalEntry> entries, io.vertx.core.Context context) {
    return Future.fromCompletionStage(coordinator.append(entries), context);
  }

  /**
   * Records rejected input in the quarantine table and the metrics. The future completes once the record is
   * durable, so that callers acknowledge a rejected message only after its quarantine record is safe. Under
   * back-pressure (log full) it completes anyway: the rejection is then counted and logged but not stored.
   */
  public Future<Void> quarantine(Protocol protocol, String zone, String origin, Rejection r, String payload,
      long readings) {
    metrics.rejected(protocol.label(), r.code().code(), Math.max(1, readings));
    WalEntry e = WalEntry.quarantine(zone, origin, r, truncate(payload), System.currentTimeMillis(), protocol.label(),
        newDeliveryKey(protocol) + ":q");
    return append(List.of(e)).<Void>mapEmpty().recover(err -> {
      LOG.warn("quarantine record ({}) of a {} payload not stored: {}", r.code().code(), protocol.label(),
          err.toString());
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

  /** How logs name a device or customer: a keyed hash, never the serial or email (see ErasureKey#logId). */
  public String logId(IdentityKind kind, String value) {
    return erasure.identities().logId(kind, value);
  }

  /** Which serials and users are refused because they were forgotten. */
  public ErasureGuard erasure() {
    return erasure;
  }

  /**
   * Records that input of a forgotten identity was refused, without its content: storing the payload in the
   * quarantine table would put the erased email or serial back into the warehouse.
   */
  public Future<Void> refuseErased(Protocol protocol, String zone, String origin, long readings) {
    return quarantine(protocol, zone, origin, new Rejection(ErrorCode.FORBIDDEN, null,
        "input of an erased identity (bin/stedi forget) refused; content not kept"), null, readings);
  }
}
