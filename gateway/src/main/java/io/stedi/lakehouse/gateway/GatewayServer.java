package io.stedi.lakehouse.gateway;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.commit.CommitCoordinator;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.erasure.ErasureKey;
import io.stedi.lakehouse.erasure.ForgottenIdentities;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.gateway.auth.ErasureGuard;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.stedi.lakehouse.gateway.ingest.IdempotencyStore;
import io.stedi.lakehouse.gateway.ingest.IngestService;
import io.stedi.lakehouse.gateway.ingest.bridge.MqttBridgeVerticle;
import io.stedi.lakehouse.gateway.ingest.http.HttpIngestVerticle;
import io.stedi.lakehouse.gateway.ingest.mqtt.MqttIngestVerticle;
import io.stedi.lakehouse.gateway.ops.GatewayMetrics;
import io.stedi.lakehouse.gateway.ops.GatewayStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running gateway: the writer's commit coordinator (replaying its write-ahead log first), the credential
 * store, and the MQTT and HTTP listeners on one {@link Vertx}. {@link #close()} stops accepting, commits what
 * is durable and releases everything: what SIGTERM runs.
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

  private final Vertx vertx;
  private final Catalog catalog;
  private final CommitCoordinator coordinator;
  private final MqttIngestVerticle mqtt;
  private final java.util.concurrent.atomic.AtomicInteger httpPort;
  /** One of the HTTP listeners (they are alike): what tools and tests inspect. */
  private final HttpIngestVerticle http;
  /** The credentials reload and the erasure scrub. */
  private final long[] timers;
  private final ErasureGuard erasure;
  private volatile boolean closed;

  private GatewayServer(Vertx vertx, Catalog catalog, CommitCoordinator coordinator, MqttIngestVerticle mqtt,
      java.util.concurrent.atomic.AtomicInteger httpPort, HttpIngestVerticle http, long[] timers, ErasureGuard erasure) {
    this.http = http;
    this.erasure = erasure;
    this.vertx = vertx;
    this.catalog = catalog;
    this.coordinator = coordinator;
    this.mqtt = mqtt;
    this.httpPort = httpPort;
    this.timers = timers;
  }

  /** Starts everything on {@code vertx} (which the caller owns) and waits until the listeners are bound. */
  public static GatewayServer start(Vertx vertx, GatewayConfig config) throws Exception {
    LakehouseConfig lake = config.lakehouse();
    Catalog catalog = Catalogs.open(lake);
    IdempotencyStore idempotency = new IdempotencyStore(config.idempotencyFile(),
        config.get(GatewayConfig.IDEMPOTENCY_RETENTION));
    CredentialStore credentials = new CredentialStore(config.credentialsFile());
    // read the erasure receipts before the first commit cycle, so that a replayed log drops forgotten readings
    ErasureGuard erasure = new ErasureGuard(credentials, config.reregistrationsFile());
    erasure.use(ForgottenIdentities.start(catalog, ErasureKey.resolve(lake, catalog),
        config.get(GatewayConfig.ERASURE_REFRESH), erasure));
    CommitCoordinator coordinator = CommitCoordinator.start(catalog, lake, idempotency, erasure.identities().walFilter());
    GatewayMetrics metrics = new GatewayMetrics(coordinator);
    IngestService ingest = new IngestService(vertx, coordinator, metrics, idempotency,
        lake.get(LakehouseConfig.QUARANTINE_PAYLOAD_BYTES), erasure, credentials,
        config.get(GatewayConfig.WAL_SHARE_PERCENT), config.get(GatewayConfig.WAL_SHARE_THRESHOLD_PERCENT),
        config.get(GatewayConfig.WAL_PACE_THRESHOLD_PERCENT));
    MqttIngestVerticle mqtt = new MqttIngestVerticle(config, credentials, ingest);
    GatewayStatus status = new GatewayStatus(metrics, coordinator);
    java.util.concurrent.atomic.AtomicInteger httpPort = new java.util.concurrent.atomic.AtomicInteger(-1);
    int loops = config.get(GatewayConfig.HTTP_EVENT_LOOPS) == 0 ? Runtime.getRuntime().availableProcessors()
        : config.get(GatewayConfig.HTTP_EVENT_LOOPS);
    Future<String> m = config.get(GatewayConfig.MQTT_PORT) < 0 ? Future.succeededFuture("off") : vertx.deployVerticle(mqtt);
    // one deployment of several instances, each on its own event loop: Vert.x binds the socket once and shares it
    // between them, connections round-robin (with port 0 too: the instances of one deployment share its random port)
    java.util.concurrent.atomic.AtomicReference<HttpIngestVerticle> first = new java.util.concurrent.atomic.AtomicReference<>();
    Future<String> h = vertx.deployVerticle(() -> {
      HttpIngestVerticle v = new HttpIngestVerticle(config, credentials, ingest, httpPort, status);
      first.compareAndSet(null, v);
      return v;
    }, new io.vertx.core.DeploymentOptions().setInstances(loops));
    Future<String> b = config.get(GatewayConfig.BRIDGE_URL).isBlank() ? Future.succeededFuture("off")
        : vertx.deployVerticle(new MqttBridgeVerticle(config, ingest));
    Future.all(m, h, b).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    // a new forget request: scrub the credentials and the log of the forgotten (off the event loop, one at a time)
    long refresh = config.get(GatewayConfig.ERASURE_REFRESH).toMillis();
    long scrubTimer = vertx.setPeriodic(refresh, refresh, t -> vertx.executeBlocking(() -> erasure.scrub(coordinator, idempotency, catalog), false)
        .onFailure(e -> LOG.warn("erasure: scrubbing credentials and log failed, retrying: {}", e.toString())));
    // revoke takes effect without a restart (an addition is found at once, when its first check fails)
    long timer = vertx.setPeriodic(config.get(GatewayConfig.CREDENTIALS_REFRESH).toMillis(),
        t -> vertx.executeBlocking(credentials::reloadIfChanged));
    long sampler = vertx.setPeriodic(1000, t -> status.sample()); // readings per second for /status
    LOG.info("gateway {} ready: mqtt port {}, http port {}", coordinator.instanceId(), mqtt.port(), httpPort.get());
    return new GatewayServer(vertx, catalog, coordinator, mqtt, httpPort, first.get(), new long[] {timer, scrubTimer, sampler},
        erasure);
  }

  /** The bound MQTT port, or -1 when MQTT is off. */
  public int mqttPort() {
    return mqtt.port();
  }

  public int httpPort() {
    return httpPort.get();
  }

  public CommitCoordinator coordinator() {
    return coordinator;
  }

  /** Who is refused because they were forgotten. */
  public ErasureGuard erasure() {
    return erasure;
  }

  /** Stops the listeners, commits everything acknowledged, and closes the log and catalog. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (long t : timers) {
      vertx.cancelTimer(t);
    }
    try {
      for (String id : vertx.deploymentIDs()) {
        vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      LOG.warn("stopping listeners: {}", e.toString());
    }
    coordinator.close();
    erasure.close();
    if (catalog instanceof AutoCloseable) {
      try {
        ((AutoCloseable) catalog).close();
      } catch (Exception e) {
        LOG.warn("closing catalog: {}", e.toString());
      }
    }
    LOG.info("gateway stopped; everything acknowledged is committed");
  }
}
