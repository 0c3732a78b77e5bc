package io.stedi.lakehouse.gateway.ingest.http;

import io.stedi.lakehouse.commit.WalEntry;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.stedi.lakehouse.gateway.ingest.IdempotencyStore;
import io.stedi.lakehouse.gateway.ingest.IngestService;
import io.stedi.lakehouse.gateway.ingest.ReadingBatch;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The handlers of API v1: {@code POST /v1/accelerometer} and {@code POST /v1/customers}. */
final class ApiV1 {
  private static final String ERASED = "this customer's data was erased at their request (right to be forgotten);"
      + " readings are accepted again after they register again (POST /v1/customers)";

  private final GatewayConfig config;
  private final CredentialStore credentials;
  private final IngestService ingest;
  private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();

  ApiV1(GatewayConfig config, CredentialStore credentials, IngestService ingest) {
    this.config = config;
    this.credentials = credentials;
    this.ingest = ingest;
  }

  void accelerometer(RoutingContext ctx) {
    handle(ctx, Zone.ACCELEROMETER, "user", false, config.get(GatewayConfig.HTTP_MAX_BATCH));
  }

  void customers(RoutingContext ctx) {
    handle(ctx, Zone.CUSTOMER, "email", true, 1);
  }

  private void handle(RoutingContext ctx, Zone zone, String ownerField, boolean single, int maxReadings) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      ingest.metrics().rejected("https", ErrorCode.UNSUPPORTED_MEDIA_TYPE.code(), 1);
      ApiError.send(ctx, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json, got " + type);
      return;
    }
    Optional<CredentialStore.Token> token = credentials.authenticateToken(bearer(ctx));
    if (token.isEmpty()) {
      ingest.metrics().rejected("https", ErrorCode.UNAUTHENTICATED.code(), 1);
      ApiError.send(ctx, 401, ErrorCode.UNAUTHENTICATED, "a valid 'Authorization: Bearer <token>' header is required");
      return;
    }
    CredentialStore.Token t = token.get();
    Buffer body = ctx.body().buffer();
    byte[] bytes = body == null ? new byte[0] : body.getBytes();
    String idemHeader = ctx.request().getHeader("Idempotency-Key");
    String idemKey = idemHeader == null ? null : t.id() + ":" + idemHeader;
    String bodyHash = sha256(bytes);
    if (idemKey != null) {
      if (idemHeader.isBlank() || idemHeader.length() > 200) {
        ApiError.send(ctx, 400, ErrorCode.BAD_REQUEST, "Idempotency-Key must be 1..200 characters");
        return;
      }
      IdempotencyStore.Entry seen = ingest.idempotency().get(idemKey);
      if (seen != null) {
        if (!seen.bodyHash().equals(bodyHash)) {
          ingest.metrics().rejected("https", ErrorCode.IDEMPOTENCY_CONFLICT.code(), 1);
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
      if (inFlight.putIfAbsent(idemKey, Boolean.TRUE) != null) {
        ctx.response().putHeader("Retry-After", "1");
        ApiError.send(ctx, 429, "request_in_progress", "a request with Idempotency-Key '" + idemHeader
            + "' is still being processed; retry shortly", null);
        return;
      }
    }
    if (idemKey == null && !ingest.ready()) {
      unavailable(ctx, "the gateway cannot store data right now: its write-ahead log is full (wal.max-bytes)");
      return;
    }
    String email = t.email();
    boolean readings = zone == Zone.ACCELEROMETER;
    ReadingBatch batch = ReadingBatch.parse(zone, bytes, single, !single, maxReadings, row -> {
      Rejection r = owner(row, ownerField, email);
      return r == null && readings ? erased(row, ownerField) : r;
    });
    if (!batch.ok()) {
      release(idemKey);
      int n = Math.max(1, batch.problems().size());
      ingest.metrics().received("https", n);
      ReadingBatch rejected = batch;
      // readings of an erased customer are quarantined without their content (it would hold the erased email)
      Future<Void> stored = erased(batch) ? ingest.refuseErased("https", zone.cliName(), "client " + t.name(), n)
          : ingest.quarantine("https", zone.cliName(), "client " + t.name(), batch.firstRejection(),
              new String(bytes, StandardCharsets.UTF_8), n);
      stored.onComplete(x -> ApiError.send(ctx, ApiError.status(rejected),
              ApiError.code(rejected), summary(rejected), ApiError.details(rejected)));
      return;
    }
    List<LandingRow> rows = batch.rows();
    ingest.metrics().received("https", rows.size());
    String response = new JsonObject().put("accepted", rows.size()).encode();
    List<WalEntry> entries = new ArrayList<>(IngestService.landing(rows, "https", ingest.newDeliveryKey("https")));
    IdempotencyStore.Entry record = idemKey == null ? null
        : new IdempotencyStore.Entry(idemKey, bodyHash, 202, response, System.currentTimeMillis());
    if (record != null) {
      entries.add(IdempotencyStore.sideEntry(record));
    }
    Future<Void> registered = zone == Zone.CUSTOMER ? reregister(ctx, rows) : Future.succeededFuture();
    registered.compose(x -> ingest.append(entries)).onComplete(ar -> {
      if (ar.succeeded()) {
        if (record != null) {
          ingest.idempotency().remember(record);
        }
        release(idemKey);
        ingest.metrics().acknowledged("https", rows.size());
        ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json").end(response);
      } else {
        release(idemKey);
        unavailable(ctx, "not stored, retry later: " + ar.cause().getMessage());
      }
    });
  }

  private void release(String idemKey) {
    if (idemKey != null) {
      inFlight.remove(idemKey);
    }
  }

  private void unavailable(RoutingContext ctx, String message) {
    ingest.metrics().rejected("https", "unavailable", 1);
    ctx.response().putHeader("Retry-After", "1");
    ApiError.send(ctx, 503, "unavailable", message, null);
  }

  private Rejection erased(LandingRow row, String field) {
    return ingest.erasure().userRefused(String.valueOf(row.get(field)))
        ? new Rejection(ErrorCode.FORBIDDEN, field, ERASED) : null;
  }

  private static boolean erased(ReadingBatch b) {
    return b.problems().stream().anyMatch(p -> ERASED.equals(p.rejection().message()));
  }

  /**
   * A customer record for a forgotten email is a new registration: it lifts the refusal (durably, before the
   * record is stored, so that the commit-time filter lets it through). The file write runs off the event loop.
   */
  private Future<Void> reregister(RoutingContext ctx, List<LandingRow> rows) {
    List<String> refused = rows.stream().map(r -> String.valueOf(r.get("email")))
        .filter(e -> ingest.erasure().userRefused(e)).toList();
    if (refused.isEmpty()) {
      return Future.succeededFuture();
    }
    return ctx.vertx().executeBlocking(() -> {
      refused.forEach(e -> ingest.erasure().customerRegistering(e));
      return null;
    });
  }

  private static Rejection owner(LandingRow row, String field, String email) {
    if (email == null || email.equalsIgnoreCase(String.valueOf(row.get(field)))) {
      return null;
    }
    return new Rejection(ErrorCode.FORBIDDEN, field, "this token may only send data of " + email + ", not "
        + row.get(field));
  }

  private static String summary(ReadingBatch b) {
    if (b.problems().size() == 1 && b.problems().get(0).index() < 0) {
      return b.firstRejection().message();
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
