package io.stedi.lakehouse.gateway.ingest.http;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.stedi.lakehouse.gateway.ops.GatewayStatus;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * {@code GET /status} (a page that refreshes itself) and {@code GET /status.json} (what it draws). They show no
 * personal data, but the fleet's size and health are an operator's business: served to loopback clients only
 * unless {@code gateway.status.public} is true (for a deployment that puts its own authentication in front).
 */
final class StatusRoutes {
  // the page may run its own inline script and talk to this origin only: nothing is fetched from anywhere else
  private static final String CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
      + "connect-src 'self'; img-src data:";

  private StatusRoutes() {}

  static void mount(Router router, GatewayConfig config, GatewayStatus status, String page) {
    boolean open = config.get(GatewayConfig.STATUS_PUBLIC);
    router.get("/status").handler(ctx -> {
      if (allowed(ctx, open)) {
        ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").putHeader("Cache-Control", "no-store")
            .putHeader("Content-Security-Policy", CSP).end(page);
      }
    });
    router.get("/status.json").handler(ctx -> {
      if (allowed(ctx, open)) {
        ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
            .end(status.json().encode());
      }
    });
  }

  private static boolean allowed(RoutingContext ctx, boolean open) {
    if (open || loopback(ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress())) {
      return true;
    }
    ApiError.send(ctx, 403, ErrorCode.FORBIDDEN, "the status page is served to loopback clients only "
        + "(set gateway.status.public=true behind your own authentication)");
    return false;
  }

  /** Whether an IP literal is a loopback address (no name lookup: the peer address is always a literal). */
  static boolean loopback(String ip) {
    if (ip == null) {
      return false;
    }
    try {
      return InetAddress.getByName(ip).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
