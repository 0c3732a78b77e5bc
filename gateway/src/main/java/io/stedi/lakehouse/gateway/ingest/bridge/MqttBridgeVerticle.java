package io.stedi.lakehouse.gateway.ingest.bridge;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.stedi.lakehouse.gateway.ingest.IngestOutcome;
import io.stedi.lakehouse.gateway.ingest.IngestRequest;
import io.stedi.lakehouse.gateway.ingest.IngestService;
import io.stedi.lakehouse.gateway.ingest.Origin;
import io.stedi.lakehouse.gateway.ingest.Protocol;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridge mode: instead of (or beside) its own MQTT listener, the gateway subscribes to an external broker with
 * a shared subscription, so several gateways split the devices' traffic. Each QoS 1 message is acknowledged to
 * the broker only after its readings are in the write-ahead log (manual acks), so a gateway that dies leaves
 * its unacknowledged messages to be redelivered. The broker authenticates devices and enforces topic ACLs;
 * the gateway still checks that every reading's serialNumber matches the topic.
 */
public final class MqttBridgeVerticle extends AbstractVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(MqttBridgeVerticle.class);
  private static final Pattern TOPIC = Pattern.compile("stedi/([^/]+)/([^/]+)/readings");
  private static final int MAX_READINGS = 10_000;
  private static final long RETRY_MS = 200;
  private static final long RECONNECT_MAX_MS = 10_000;

  private final GatewayConfig config;
  private final IngestService ingest;
  private MqttClient client;
  private long reconnectDelay = 250;
  private boolean stopping;

  public MqttBridgeVerticle(GatewayConfig config, IngestService ingest) {
    this.config = config;
    this.ingest = ingest;
  }

  @Override
  public void start(Promise<Void> started) {
    URI url = URI.create(config.get(GatewayConfig.BRIDGE_URL));
    MqttClientOptions o = new MqttClientOptions().setClientId(config.bridgeClientId())
        // a persistent session: the broker keeps QoS 1 messages for us while we restart
        .setCleanSession(false).setAutoKeepAlive(true).setKeepAliveInterval(30).setMaxInflightQueue(1000)
        .setMaxMessageSize(config.get(GatewayConfig.MQTT_MAX_MESSAGE_BYTES));
    o.setAutoAck(false);
    if (!config.get(GatewayConfig.BRIDGE_USER).isBlank()) {
      o.setUsername(config.get(GatewayConfig.BRIDGE_USER)).setPassword(config.get(GatewayConfig.BRIDGE_PASSWORD));
    }
    boolean tls = "mqtts".equals(url.getScheme());
    if (tls) {
      o.setSsl(true).setHostnameVerificationAlgorithm("HTTPS");
    }
    int port = url.getPort() > 0 ? url.getPort() : tls ? 8883 : 1883;
    client = MqttClient.create(vertx, o);
    client.publishHandler(this::onMessage);
    client.closeHandler(x -> {
      ingest.metrics().bridgeSubscribed().set(0);
      if (!stopping) {
        LOG.warn("bridge: connection to {} lost, reconnecting", url);
        scheduleReconnect(url.getHost(), port);
      }
    });
    connect(url.getHost(), port).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("bridge: cannot reach {} yet ({}), will keep trying", url, ar.cause().toString());
        scheduleReconnect(url.getHost(), port);
      }
      started.complete(); // the gateway serves its other listeners while the broker is away
    });
  }

  private io.vertx.core.Future<Void> connect(String host, int port) {
    return client.connect(port, host).compose(ack -> client.subscribe(config.get(GatewayConfig.BRIDGE_TOPIC),
        MqttQoS.AT_LEAST_ONCE.value())).map(id -> {
          reconnectDelay = 250;
          ingest.metrics().bridgeSubscribed().set(1);
          LOG.info("bridge: subscribed to {} at {}:{} as {}", config.get(GatewayConfig.BRIDGE_TOPIC), host, port,
              config.bridgeClientId());
          return null;
        });
  }

  private void scheduleReconnect(String host, int port) {
    vertx.setTimer(reconnectDelay, t -> connect(host, port).onFailure(e -> {
      LOG.warn("bridge: reconnect to {}:{} failed: {}", host, port, e.toString());
      scheduleReconnect(host, port);
    }));
    reconnectDelay = Math.min(RECONNECT_MAX_MS, reconnectDelay * 2);
  }

  private void onMessage(MqttPublishMessage m) {
    Matcher t = TOPIC.matcher(m.topicName());
    Zone zone = t.matches() ? zoneOf(t.group(1)) : null;
    if (zone == null) {
      ingest.quarantine(Protocol.BRIDGE, Zone.STEP_TRAINER.cliName(), "bridge topic " + m.topicName(),
          new Rejection(ErrorCode.FORBIDDEN, null, "topic " + m.topicName() + " is not stedi/{zone}/{serial}/readings"
              + " of a zone devices publish"), m.payload().toString(StandardCharsets.UTF_8), 1).onComplete(x -> m.ack());
      return;
    }
    // the broker authenticated the device and enforced its topic ACL: the topic names the sender
    store(m, IngestRequest.device(Protocol.BRIDGE, zone, Origin.device(t.group(2)), m.payload().getBytes(),
        MAX_READINGS, context));
  }

  private static Zone zoneOf(String segment) {
    for (Zone z : Zone.values()) {
      if (segment.equals(z.mqttTopic())) {
        return z;
      }
    }
    return null;
  }

  private void store(MqttPublishMessage m, IngestRequest req) {
    ingest.ingest(req).onSuccess(outcome -> {
      if (!(outcome instanceof IngestOutcome.Unavailable u)) {
        m.ack(); // stored, or quarantined
      } else if (u.backPressure()) {
        vertx.setTimer(RETRY_MS, x -> store(m, req)); // not acked: the broker holds further messages
      } else {
        LOG.error("bridge: storing a message of device {} failed; it stays unacknowledged: {}",
            ingest.logId(req.origin().kind(), req.origin().identity()), u.cause().toString());
      }
    });
  }

  @Override
  public void stop(Promise<Void> stopped) {
    stopping = true;
    if (client != null && client.isConnected()) {
      client.disconnect().onComplete(x -> stopped.complete());
    } else {
      stopped.complete();
    }
  }
}
