package io.stedi.lakehouse.gateway.ingest.mqtt;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.stedi.lakehouse.erasure.IdentityKind;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.stedi.lakehouse.gateway.ingest.IngestService;
import io.stedi.lakehouse.gateway.ingest.Protocol;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT 3.1.1 and 5 listener for Step Trainers. A device connects with its serial number and secret, publishes
 * to {@code stedi/step-trainer/{serial}/readings}, and gets its QoS 1 PUBACK only once the readings are on disk.
 */
public final class MqttIngestVerticle extends AbstractVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(MqttIngestVerticle.class);
  static final String TOPIC_PREFIX = "stedi/";
  static final String TOPIC_SUFFIX = "/readings";
  private static final int MQTT_5 = 5;

  private final GatewayConfig config;
  private final CredentialStore credentials;
  private final IngestService ingest;
  private final MqttSessions sessions = new MqttSessions();
  /** The open connection of each session (device and client id), for session takeover. */
  private final java.util.concurrent.ConcurrentHashMap<String, MqttEndpoint> live = new java.util.concurrent.ConcurrentHashMap<>();
  private MqttServer server;
  private final AtomicInteger boundPort = new AtomicInteger(-1);

  public MqttIngestVerticle(GatewayConfig config, CredentialStore credentials, IngestService ingest) {
    this.config = config;
    this.credentials = credentials;
    this.ingest = ingest;
  }

  /** The port the listener bound (after start). */
  public int port() {
    return boundPort.get();
  }

  @Override
  public void start(Promise<Void> started) {
    MqttServerOptions o = new MqttServerOptions()
        .setHost(config.get(GatewayConfig.HOST))
        .setPort(config.get(GatewayConfig.MQTT_PORT))
        .setMaxMessageSize(config.get(GatewayConfig.MQTT_MAX_MESSAGE_BYTES))
        .setTimeoutOnConnect(30);
    if (config.tls()) {
      o.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(config.get(GatewayConfig.TLS_CERT)).setKeyPath(config.get(GatewayConfig.TLS_KEY)));
    }
    server = MqttServer.create(vertx, o);
    // sessions nobody took up again within their expiry are dropped (also checked when a client reconnects)
    vertx.setPeriodic(60_000, t -> sessions.expire(System.currentTimeMillis()));
    server.endpointHandler(this::onConnect)
        .exceptionHandler(e -> LOG.debug("mqtt connection error: {}", e.toString()))
        .listen()
        .onSuccess(s -> {
          boundPort.set(s.actualPort());
          LOG.info("MQTT{} listening on {}:{}", config.tls() ? " over TLS" : "", config.get(GatewayConfig.HOST),
              s.actualPort());
          started.complete();
        })
        .onFailure(started::fail);
  }

  @Override
  public void stop(Promise<Void> stopped) {
    server.close().onComplete(x -> stopped.complete());
  }

  private void onConnect(MqttEndpoint ep) {
    boolean v5 = ep.protocolVersion() == MQTT_5;
    int cap = config.get(GatewayConfig.MQTT_MAX_CONNECTIONS);
    if (ingest.metrics().connectedDevices().get() >= cap) {
      // a bound on the gateway's memory and file descriptors whoever connects; checked before the (costly) secret
      // check. MQTT 3.1.1 §3.2.2.3 return code 3 server unavailable; MQTT 5 §3.2.2.2 reason 0x89 server busy.
      ingest.metrics().rejected("mqtt", "server_busy", 1);
      ep.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY
          : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
      return;
    }
    String user = ep.auth() == null ? null : ep.auth().getUsername();
    String secret = ep.auth() == null ? null : ep.auth().getPassword();
    if (!credentials.authenticateDevice(user, secret)) {
      // MQTT 3.1.1 §3.2.2.3 return code 5 / MQTT 5 §3.2.2.2 reason 0x87: not authorized. The secret is never logged.
      // both names are the caller's choice: logged sanitised (printable, bounded), never verbatim
      LOG.warn("mqtt connect refused: device {} (client {}) not authorized", ingest.logId(IdentityKind.SERIAL, user),
          forLog(ep.clientIdentifier()));
      ingest.metrics().rejected("mqtt", ErrorCode.UNAUTHENTICATED.code(), 1);
      ep.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
          : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
      return;
    }
    String logId = ingest.logId(IdentityKind.SERIAL, user); // logs name devices by a keyed hash, never the serial
    if (ingest.erasure().serialRefused(user)) {
      // forgotten with bin/stedi forget: refused until the device is provisioned again (devices add)
      LOG.warn("mqtt connect refused: device {} was erased (right to be forgotten); re-provision it to reconnect", logId);
      ingest.metrics().rejected("mqtt", ErrorCode.FORBIDDEN.code(), 1);
      ep.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
          : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
      return;
    }
    int keepAlive = ep.keepAliveTimeSeconds();
    int maxKeepAlive = config.get(GatewayConfig.MQTT_MAX_KEEP_ALIVE);
    if (!v5 && (keepAlive == 0 || keepAlive > maxKeepAlive)) {
      // MQTT 3.1.1 cannot tell a client to use another keep-alive (MQTT 5 can: Server Keep Alive, below). 0 would
      // let a half-open link hold the device's session forever (§3.1.2.10), so refuse it the way mosquitto's
      // max_keepalive does: CONNACK return code 2, identifier rejected (§3.2.2.3).
      LOG.warn("mqtt connect refused: device {} asked for keep-alive {} s (MQTT 3.1.1 devices must use 1..{})",
          logId, keepAlive, maxKeepAlive);
      ingest.metrics().rejected("mqtt", "keep_alive", 1);
      ep.reject(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
      return;
    }
    // a session belongs to the device and its client id: another device using the same id gets its own
    String sessionId = user + '\u0000' + ep.clientIdentifier();
    // MQTT 3.1.1 §3.1.4 (MQTT-3.1.4-2), MQTT 5 §3.1.4: a CONNECT with the client id of a connected client takes
    // over; the server disconnects the existing one (MQTT 5: reason 0x8E Session taken over). A device whose link
    // went half-open reconnects at once instead of waiting out the old link's keep-alive.
    MqttEndpoint previous = live.put(sessionId, ep);
    if (previous != null) {
      takeOver(previous, logId);
    }
    int max = config.get(GatewayConfig.MQTT_MAX_CONNECTIONS_PER_DEVICE);
    // a takeover replaces a connection: it needs no new slot (the previous one's is released when it closes)
    if (!sessions.acquire(user, previous != null ? max + 1 : max)) {
      live.remove(sessionId, ep);
      LOG.warn("mqtt connect refused: device {} already holds {} connections", logId, max);
      ingest.metrics().rejected("mqtt", "connection_limit", 1);
      ep.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED
          : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
      return;
    }
    MqttSessions.State[] state = new MqttSessions.State[1];
    boolean present = sessions.open(sessionId, ep.isCleanSession(), state, System.currentTimeMillis());
    DeviceConnection conn = new DeviceConnection(vertx, ep, user, logId, v5, ingest, topics(user));
    ep.publishAutoAck(false);
    ep.autoKeepAlive(true);
    FlushCoalescing.install(ep);
    java.util.function.BooleanSupplier active = credentials.deviceActiveCheck(user);
    ep.publishHandler(m -> {
      boolean erased = ingest.erasure().serialRefused(user);
      if (erased || !active.getAsBoolean()) {
        // revoked or forgotten since this connection was accepted: take nothing more from it
        LOG.warn("mqtt: device {} was {}, closing its connection", logId, erased ? "erased" : "revoked");
        ingest.metrics().rejected("mqtt", ErrorCode.UNAUTHENTICATED.code(), 1);
        if (v5) {
          ep.disconnect(MqttDisconnectReasonCode.NOT_AUTHORIZED, MqttProperties.NO_PROPERTIES);
        } else {
          ep.close();
        }
        return;
      }
      conn.onPublish(m);
    });
    ep.exceptionHandler(e -> {
      if (v5 && e instanceof io.netty.handler.codec.TooLongFrameException) {
        // MQTT 5 §4.13: tell the client why before the connection closes
        ep.disconnect(MqttDisconnectReasonCode.PACKET_TOO_LARGE, MqttProperties.NO_PROPERTIES);
      }
    });
    // MQTT 5 §3.1.2.11.2: Session Expiry Interval absent or 0 = the session ends with the connection; longer than
    // the server's limit is cut to it (and the CONNACK says so, §3.2.2.3.2). MQTT 3.1.1 sessions get the limit.
    long maxExpiry = config.get(GatewayConfig.MQTT_SESSION_EXPIRY).toSeconds();
    long expirySeconds = ep.isCleanSession() ? 0 : v5 ? Math.min(sessionExpirySeconds(ep), maxExpiry) : maxExpiry;
    boolean keepSession = expirySeconds > 0;
    ep.closeHandler(x -> {
      sessions.release(user);
      if (live.remove(sessionId, ep)) {
        // not when taken over: the session is the new connection's now
        sessions.close(sessionId, !keepSession, expirySeconds * 1000, System.currentTimeMillis());
      }
      ingest.metrics().connectedDevices().decrementAndGet();
      conn.closed();
    });
    ingest.metrics().connectedDevices().incrementAndGet();
    MqttProperties props = new MqttProperties();
    if (v5 && (ep.keepAliveTimeSeconds() == 0 || ep.keepAliveTimeSeconds() > maxKeepAlive)) {
      // MQTT 5 §3.2.2.3.14 Server Keep Alive: the client must use the server's value.
      props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.SERVER_KEEP_ALIVE.value(), maxKeepAlive));
    }
    if (v5 && sessionExpirySeconds(ep) > expirySeconds) {
      // MQTT 5 §3.2.2.3.2: the server tells the client the Session Expiry Interval it uses instead of the asked one
      props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(),
          (int) expirySeconds));
    }
    if (props.isEmpty()) {
      ep.accept(present);
    } else {
      ep.accept(present, props);
    }
  }

  private static long sessionExpirySeconds(MqttEndpoint ep) {
    MqttProperties props = ep.connectProperties();
    MqttProperties.MqttProperty<?> p = props == null ? null
        : props.getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
    return p == null ? 0 : Integer.toUnsignedLong((Integer) p.value());
  }

  /**
   * Closes the connection a new CONNECT of the same client id replaces. It may be closing already (its close handler
   * has not run yet, as after a DISCONNECT just before the new CONNECT): then there is nothing to close.
   */
  private static void takeOver(MqttEndpoint previous, String logId) {
    if (!previous.isConnected()) {
      return;
    }
    LOG.info("mqtt: device {} connected again with the same client id; closing its previous connection", logId);
    try {
      if (previous.protocolVersion() == MQTT_5) {
        previous.disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, MqttProperties.NO_PROPERTIES);
      } else {
        previous.close();
      }
    } catch (IllegalStateException closedMeanwhile) {
      LOG.debug("mqtt: the previous connection of device {} closed on its own", logId);
    }
  }

  /** A name a client chose, fit for a log line: printable ASCII only, at most 64 characters. */
  static String forLog(String s) {
    if (s == null) {
      return "(none)";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), 64) + 1);
    for (int i = 0; i < s.length() && b.length() < 64; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return s.length() > 64 ? b.append('…').toString() : b.toString();
  }

  /**
   * The topics device {@code serial} may publish to, and the zone each carries: {@code stedi/<segment>/<serial>/readings}
   * for every zone whose descriptor names an MQTT topic segment. Built once per connection.
   */
  static Map<String, Zone> topics(String serial) {
    Map<String, Zone> m = new LinkedHashMap<>();
    for (Zone z : Zone.values()) {
      if (z.mqttTopic() != null) {
        m.put(TOPIC_PREFIX + z.mqttTopic() + "/" + serial + TOPIC_SUFFIX, z);
      }
    }
    return Map.copyOf(m);
  }

  /** Quarantines a foreign-topic publish and refuses it (MQTT 5: PUBACK 0x87; 3.1.1: disconnect). */
  static void refuseForeignTopic(MqttEndpoint ep, String serial, boolean v5, MqttPublishMessage m, IngestService ingest) {
    String msg = "device " + serial + " may publish only to " + String.join(" or ", new java.util.TreeSet<>(topics(serial).keySet()))
        + ", not " + m.topicName();
    // the log names neither the device nor the topic it tried (which names a serial); the quarantine row does
    LOG.warn("mqtt: device {} published to a topic that is not its own", ingest.logId(IdentityKind.SERIAL, serial));
    ingest.quarantine(Protocol.MQTT, Zone.STEP_TRAINER.cliName(), "device " + serial + " topic " + m.topicName(),
        new Rejection(ErrorCode.FORBIDDEN, null, msg), m.payload().toString(StandardCharsets.UTF_8), 1).onComplete(x -> {
          if (v5 && m.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
            ep.publishAcknowledge(m.messageId(), MqttPubAckReasonCode.NOT_AUTHORIZED, MqttProperties.NO_PROPERTIES);
          } else if (v5) {
            ep.disconnect(MqttDisconnectReasonCode.NOT_AUTHORIZED, MqttProperties.NO_PROPERTIES);
          } else {
            ep.close();
          }
        });
  }
}
