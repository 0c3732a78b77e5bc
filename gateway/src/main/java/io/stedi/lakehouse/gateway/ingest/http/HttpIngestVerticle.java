package io.stedi.lakehouse.gateway.ingest.http;

import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.stedi.lakehouse.gateway.ingest.IngestService;
import io.stedi.lakehouse.gateway.ops.GatewayStatus;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 and HTTP/2 listener (HTTPS when a certificate is configured) for the companion app and the website:
 * API v1, health, metrics and the OpenAPI document.
 */
public final class HttpIngestVerticle extends AbstractVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(HttpIngestVerticle.class);

  private final GatewayConfig config;
  private final CredentialStore credentials;
  private final IngestService ingest;
  private final AtomicInteger boundPort;
  private final GatewayStatus status;
  private HttpServer server;

  /**
   * A listener on gateway.http.port that reports the port it bound in {@code boundPort}, which the instances of one
   * deployment share.
   */
  public HttpIngestVerticle(GatewayConfig config, CredentialStore credentials, IngestService ingest,
      AtomicInteger boundPort, GatewayStatus status) {
    this.boundPort = boundPort;
    this.status = status;
    this.config = config;
    this.credentials = credentials;
    this.ingest = ingest;
  }

  public int port() {
    return boundPort.get();
  }

  @Override
  public void start(Promise<Void> started) {
    String openapi = resource("/openapi.yaml");
    String statusPage = resource("/status.html");
    ApiV1 api = new ApiV1(config, credentials, ingest);
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    // Ready means "can take writes": the write-ahead log has room. A catalog outage is reported beside it (the log
    // buffers it), so a load balancer keeps sending traffic while operators see the outage.
    router.get("/health/ready").handler(ctx -> {
      boolean ready = ingest.ready();
      var c = ingest.coordinator();
      JsonObject catalog = new JsonObject().put("status", c.healthy() ? "UP" : "DOWN");
      if (!c.healthy()) {
        catalog.put("failing_since", java.time.Instant.ofEpochMilli(c.failingSinceMillis()).toString())
            .put("reason", c.lastError() == null ? "unknown" : c.lastError().code())
            .put("buffered_bytes", c.walBytes());
      }
      json(ctx, ready ? 200 : 503, new JsonObject().put("status", ready ? "UP" : "DOWN")
          .put("checks", new JsonObject()
              .put("wal", ready ? "UP" : "FULL")
              .put("wal_bytes", c.walBytes())
              .put("wal_max_bytes", c.walMaxBytes())
              .put("catalog", catalog)));
    });
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(ingest.metrics().scrape()));
    StatusRoutes.mount(router, config, status, statusPage);
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(openapi));
    router.post("/v1/*").handler(api::authenticate);
    router.post("/v1/*").handler(BodyHandler.create(false).setBodyLimit(config.get(GatewayConfig.HTTP_MAX_BODY_BYTES)));
    // one route per zone the app posts, from the zones' descriptors: /v1/accelerometer, /v1/customers
    for (io.stedi.lakehouse.table.Zone zone : io.stedi.lakehouse.table.Zone.values()) {
      if (zone.httpPath() != null) {
        router.post("/v1/" + zone.httpPath()).handler(ctx -> api.handle(ctx, zone));
      }
    }
    router.errorHandler(413, ctx -> ApiError.send(ctx, 413, "payload_too_large",
        "request body exceeds gateway.http.max-body-bytes (" + config.get(GatewayConfig.HTTP_MAX_BODY_BYTES) + " bytes)",
        null));
    router.errorHandler(404, ctx -> ApiError.send(ctx, 404, "not_found", "no such resource: " + ctx.request().path(), null));
    router.errorHandler(405, ctx -> ApiError.send(ctx, 405, "method_not_allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path(), null));
    router.errorHandler(500, ctx -> {
      LOG.error("http {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
      ApiError.send(ctx, 500, "internal", "internal error", null);
    });

    HttpServerOptions o = new HttpServerOptions().setHost(config.get(GatewayConfig.HOST))
        .setPort(config.get(GatewayConfig.HTTP_PORT)).setCompressionSupported(false)
        // no h2c upgrade on plain http (RFC 9113 section 3.1 removed it): Vert.x's upgraded answers made the JDK
        // client fail on /metrics; HTTP/2 is offered over TLS through ALPN (below)
        .setHttp2ClearTextEnabled(false)
        // a connection that sends nothing for this long is closed: idle clients do not hold sockets forever
        .setIdleTimeout((int) config.get(GatewayConfig.HTTP_IDLE_TIMEOUT).toSeconds())
        .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS);
    if (config.tls()) {
      o.setSsl(true).setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.get(GatewayConfig.TLS_CERT))
              .setKeyPath(config.get(GatewayConfig.TLS_KEY)));
    }
    server = vertx.createHttpServer(o).requestHandler(router);
    server.listen().onSuccess(s -> {
      boundPort.set(s.actualPort());
      LOG.info("HTTP{} listening on {}:{}", config.tls() ? "S (HTTP/2 and HTTP/1.1)" : "", config.get(GatewayConfig.HOST),
          s.actualPort());
      started.complete();
    }).onFailure(started::fail);
  }

  @Override
  public void stop(Promise<Void> stopped) {
    server.close().onComplete(x -> stopped.complete());
  }

  static void json(io.vertx.ext.web.RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static String resource(String name) {
    try (InputStream in = HttpIngestVerticle.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
