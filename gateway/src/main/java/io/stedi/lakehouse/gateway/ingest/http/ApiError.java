package io.stedi.lakehouse.gateway.ingest.http;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.gateway.ingest.ReadingBatch;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** JSON error responses: {@code {"error": code, "message": ..., "details": [{"index", "field", "reason"}]}}. */
final class ApiError {
  private ApiError() {}

  static void send(RoutingContext ctx, int status, String code, String message, JsonArray details) {
    JsonObject body = new JsonObject().put("error", code).put("message", message);
    if (details != null && !details.isEmpty()) {
      body.put("details", details);
    }
    if (status == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"stedi\"");
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  static void send(RoutingContext ctx, int status, ErrorCode code, String message) {
    send(ctx, status, code.code(), message, null);
  }

  /** Per-reading details of a rejected batch. */
  static JsonArray details(ReadingBatch b) {
    JsonArray a = new JsonArray();
    for (ReadingBatch.Problem p : b.problems()) {
      JsonObject d = new JsonObject().put("reason", p.rejection().code().code()).put("message", p.rejection().message());
      if (p.index() >= 0) {
        d.put("index", p.index());
      }
      if (p.rejection().field() != null) {
        d.put("field", p.rejection().field());
      }
      a.add(d);
    }
    return a;
  }

  /** The HTTP status for a rejected batch: 403 identity, 413 too many, 400 malformed, else 422. */
  static int status(ReadingBatch b) {
    if (b.forbidden()) {
      return 403;
    }
    ErrorCode c = b.firstRejection().code();
    if (c == ErrorCode.PAYLOAD_TOO_LARGE) {
      return 413;
    }
    if (c == ErrorCode.OWNERSHIP_CONFLICT) {
      return 409; // RFC 9110 §15.5.10: conflicts with the current state of the resource (the device's pairing)
    }
    return c == ErrorCode.MALFORMED_JSON || c == ErrorCode.BAD_REQUEST ? 400 : 422;
  }

  /** The error code of a rejected batch as a whole. */
  static String code(ReadingBatch b) {
    if (b.forbidden()) {
      return ErrorCode.FORBIDDEN.code();
    }
    ErrorCode c = b.firstRejection().code();
    return c == ErrorCode.MALFORMED_JSON || c == ErrorCode.BAD_REQUEST || c == ErrorCode.PAYLOAD_TOO_LARGE
        || c == ErrorCode.OWNERSHIP_CONFLICT ? c.code() : "invalid_readings";
  }
}
