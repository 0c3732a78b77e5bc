package io.stedi.lakehouse.gateway.ingest.http;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.stedi.lakehouse.gateway.ingest.IdempotencyStore;
import io.stedi.lakehouse.gateway.ingest.IngestOutcome;
import io.stedi.lakehouse.gateway.ingest.IngestRequest;
import io.stedi.lakehouse.gateway.ingest.IngestService;
import io.stedi.lakehouse.gateway.ingest.Origin;
import io.stedi.lakehouse.gateway.ingest.Protocol;
import io.stedi.lakehouse.gateway.ingest.ReadingBatch;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/** The handlers of API v1: {@code POST /v1/accelerometer} and {@code POST /v1/customers}. */
final class ApiV1 {
  private final GatewayConfig config;
  private final CredentialStore credentials;
  private final IngestService ingest;

  ApiV1(GatewayConfig config, CredentialStore credentials, IngestService ingest) {
    this.config = config;
    this.credentials = credentials;
    this.ingest = ingest;
  }

  private static final String TOKEN = "stedi.token";

  /**
   * Runs before the body is buffered: a request without a valid bearer token gets 401 before the gateway reads (and
   * holds in memory) up to gateway.http.max-body-bytes of it.
   */
  void authenticate(RoutingContext ctx) {
    Optional<CredentialStore.Token> token = credentials.authenticateToken(bearer(ctx));
    if (token.isEmpty()) {
      ingest.metrics().rejected(Protocol.HTTPS.label(), ErrorCode.UNAUTHENTICATED.code(), 1);
      ApiError.send(ctx, 401, ErrorCode.UNAUTHENTICATED, "a valid 'Authorization: Bearer <token>' header is required");
      return;
    }
    ctx.put(TOKEN, token.get());
    ctx.next();
  }

  /** Handles {@code POST /v1/<zone.httpPath()>}: a batch (array) or one record, as the zone's descriptor says. */
  void handle(RoutingContext ctx, Zone zone) {
    int maxReadings = zone.httpBatch() ? config.get(GatewayConfig.HTTP_MAX_BATCH) : 1;
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      ingest.metrics().rejected(Protocol.HTTPS.label(), ErrorCode.UNSUPPORTED_MEDIA_TYPE.code(), 1);
      ApiError.send(ctx, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json, got " + type);
      return;
    }
    CredentialStore.Token t = ctx.get(TOKEN); // authenticated before the body was read (authenticate)
    Buffer body = ctx.body().buffer();
    byte[] bytes = body == null ? new byte[0] : body.getBytes();
    String idemHeader = ctx.request().getHeader("Idempotency-Key");
    String idemKey = idemHeader == null ? null : t.id() + ":" + idemHeader;
    // hashed only when there is a key to remember it under: it is a full pass over the body
    String bodyHash = idemKey == null ? null : sha256(bytes);
    if (idemKey != null) {
      if (idemHeader.isBlank() || idemHeader.length() > 200) {
        ApiError.send(ctx, 400, ErrorCode.BAD_REQUEST, "Idempotency-Key must be 1..200 characters");
        return;
      }
      IdempotencyStore.Entry seen = ingest.idempotency().get(idemKey);
      if (seen != null) {
        if (!seen.bodyHash().equals(bodyHash)) {
          ingest.metrics().rejected(Protocol.HTTPS.label(), ErrorCode.IDEMPOTENCY_CONFLICT.code(), 1);
          ApiError.send(ctx, 422, ErrorCode.IDEMPOTENCY_CONFLICT,
              "Idempotency-Key '" + idemHeader + "' was used before with a different body");
          return;
        }
        ctx.response().setStatusCode(seen.status()).putHeader("Content-Type", "application/json")
            .putHeader("Idempotent-Replayed", "true").end(seen.response());
        return;
      }
      if (!ingest.ready()) {
        unavailable(ctx, "the gateway cannot store data right now: its write-ahead log is full (wal.max-bytes)");
        return;
      }
      if (!ingest.idempotency().begin(idemKey)) {
        ctx.response().putHeader("Retry-After", "1");
        ApiError.send(ctx, 429, ErrorCode.REQUEST_IN_PROGRESS, "a request with Idempotency-Key '" + idemHeader
            + "' is still being processed; retry shortly");
        return;
      }
    }
    if (idemKey == null && !ingest.ready()) {
      unavailable(ctx, "the gateway cannot store data right now: its write-ahead log is full (wal.max-bytes)");
      return;
    }
    // the idempotency record is appended atomically with the readings, and remembered once they are durable
    IdempotencyStore.Entry[] record = new IdempotencyStore.Entry[1];
    IngestRequest req = new IngestRequest(Protocol.HTTPS, zone, Origin.client(t.name(), t.email(), issued(t)), bytes,
        !zone.httpBatch(), zone.httpBatch(), maxReadings, idemKey == null ? null : n -> IdempotencyStore.sideEntry(
            record[0] = new IdempotencyStore.Entry(idemKey, bodyHash, 202, accepted(n), System.currentTimeMillis())),
        ctx.vertx().getOrCreateContext());
    ingest.ingest(req).onComplete(ar -> {
      release(idemKey);
      IngestOutcome outcome = ar.result();
      if (outcome instanceof IngestOutcome.Stored stored) {
        String response = accepted(stored.readings());
        if (record[0] != null) {
          ingest.idempotency().remember(record[0]);
        }
        ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json").end(response);
      } else if (outcome instanceof IngestOutcome.Rejected rejected) {
        ReadingBatch b = rejected.batch();
        ApiError.send(ctx, ApiError.status(b), ApiError.code(b), summary(b, zone), ApiError.details(b));
      } else {
        unavailable(ctx, "not stored, retry later: " + ((IngestOutcome.Unavailable) outcome).cause().getMessage());
      }
    });
  }

  private static java.time.Instant issued(CredentialStore.Token t) {
    try {
      return java.time.Instant.parse(t.createdAt());
    } catch (RuntimeException e) {
      return null; // unknown: it cannot lift an erasure refusal
    }
  }

  private static String accepted(int n) {
    return new JsonObject().put("accepted", n).encode();
  }

  private void release(String idemKey) {
    if (idemKey != null) {
      ingest.idempotency().end(idemKey);
    }
  }

  private void unavailable(RoutingContext ctx, String message) {
    ingest.metrics().rejected(Protocol.HTTPS.label(), ErrorCode.UNAVAILABLE.code(), 1);
    ctx.response().putHeader("Retry-After", "1");
    ApiError.send(ctx, 503, ErrorCode.UNAVAILABLE, message);
  }

  private static String summary(ReadingBatch b, Zone zone) {
    if (b.problems().size() == 1 && (b.problems().get(0).index() < 0 || !zone.httpBatch())) {
      return b.firstRejection().message(); // the payload as a whole, or the one record a single-record POST carries
    }
    return b.problems().size() + " reading(s) rejected; nothing of this batch was stored: fix them and resend";
  }

  private static String bearer(RoutingContext ctx) {
    String h = ctx.request().getHeader("Authorization");
    if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return h.substring(7).trim();
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
