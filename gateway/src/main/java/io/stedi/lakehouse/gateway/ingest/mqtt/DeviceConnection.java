package io.stedi.lakehouse.gateway.ingest.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.stedi.lakehouse.gateway.ingest.IngestOutcome;
import io.stedi.lakehouse.gateway.ingest.IngestRequest;
import io.stedi.lakehouse.gateway.ingest.IngestService;
import io.stedi.lakehouse.gateway.ingest.Origin;
import io.stedi.lakehouse.gateway.ingest.Protocol;
import io.stedi.lakehouse.table.Zone;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's MQTT connection: validates and stores its publishes in order, acknowledges QoS 1 only after
 * the write-ahead log fsync, and holds messages while the log pushes back (the device's in-flight window then
 * fills and it waits). Runs on the connection's event loop only.
 */
final class DeviceConnection {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceConnection.class);
  private static final int MAX_HELD = 1000;
  private static final long RETRY_MS = 200;
  /** Most readings one PUBLISH may carry (a JSON array). */
  static final int MAX_READINGS = 10_000;

  private final io.vertx.core.Vertx vertx;
  private final MqttEndpoint ep;
  private final String serial;
  /** The sender of every publish of this connection, and the context its outcomes complete on (built once). */
  private final Origin origin;
  private final io.vertx.core.Context context;
  private final boolean v5;
  private final IngestService ingest;
  /** The topics this device may publish to, and their zones. */
  private final java.util.Map<String, Zone> topics;
  private final ArrayDeque<MqttPublishMessage> held = new ArrayDeque<>();
  private final Set<Integer> inFlight = new HashSet<>();
  private boolean blocked;
  private boolean closed;
  /** How logs name this device (a keyed hash, never the serial). */
  private final String logId;

  DeviceConnection(io.vertx.core.Vertx vertx, MqttEndpoint ep, String serial, String logId, boolean v5,
      IngestService ingest, java.util.Map<String, Zone> topics) {
    this.logId = logId;
    this.topics = topics;
    this.vertx = vertx;
    this.ep = ep;
    this.serial = serial;
    this.origin = Origin.device(serial);
    this.context = vertx.getOrCreateContext(); // built on the connection's event loop
    this.v5 = v5;
    this.ingest = ingest;
  }

  void onPublish(MqttPublishMessage m) {
    if (m.qosLevel() == MqttQoS.EXACTLY_ONCE) {
      // Only QoS 0 and 1 are offered (MQTT 5 §3.3.1.2: a server may refuse QoS it does not support).
      LOG.warn("mqtt: device {} sent QoS 2, which is not supported", logId);
      if (v5) {
        ep.disconnect(MqttDisconnectReasonCode.QOS_NOT_SUPPORTED, MqttProperties.NO_PROPERTIES);
      } else {
        ep.close();
      }
      return;
    }
    if (!topics.containsKey(m.topicName())) {
      MqttIngestVerticle.refuseForeignTopic(ep, serial, v5, m, ingest);
      return;
    }
    boolean qos1 = m.qosLevel() == MqttQoS.AT_LEAST_ONCE;
    // MQTT 3.1.1 §4.3.2 (MQTT-4.3.2-2), MQTT 5 §4.3.2: once the PUBACK is sent, a PUBLISH with the same packet id
    // is a new message whatever its DUP flag, so packet ids are never a dedup key across a PUBACK. Only a DUP
    // redelivery of a message of this connection that is not yet acknowledged (being stored, or held) is the same
    // message: its own completion acknowledges it, and a second PUBACK could acknowledge a later message that
    // reuses the id. Readings delivered again after a PUBACK (a resend after a crash) are recognised by content
    // in the writer's dedup window instead.
    if (qos1 && m.isDup() && (inFlight.contains(m.messageId())
        || held.stream().anyMatch(h -> h.messageId() == m.messageId()))) {
      return;
    }
    if (!blocked && held.isEmpty() && !ingest.ready()) {
      // The log is full: hold messages (unacknowledged) until commits free room. A catalog outage alone does not
      // stop acknowledgements; the log buffers it.
      blocked = true;
      vertx.setTimer(RETRY_MS, t -> drain());
    }
    if (blocked || !held.isEmpty()) {
      if (held.size() >= MAX_HELD) {
        LOG.warn("mqtt: device {} has {} messages held by back-pressure, disconnecting", logId, held.size());
        if (v5) {
          ep.disconnect(MqttDisconnectReasonCode.SERVER_BUSY, MqttProperties.NO_PROPERTIES);
        } else {
          ep.close();
        }
        return;
      }
      held.add(m);
      return;
    }
    store(m);
  }

  private void store(MqttPublishMessage m) {
    boolean qos1 = m.qosLevel() == MqttQoS.AT_LEAST_ONCE;
    if (qos1) {
      inFlight.add(m.messageId());
    }
    ingest.ingest(IngestRequest.device(Protocol.MQTT, topics.get(m.topicName()), origin, m.payload().getBytes(),
            MAX_READINGS, context))
        .onSuccess(outcome -> {
          if (qos1) {
            inFlight.remove(m.messageId());
          }
          if (outcome instanceof IngestOutcome.Unavailable u) {
            unavailable(m, u);
            return;
          }
          if (qos1 && !closed) {
            if (outcome instanceof IngestOutcome.Rejected && v5) {
              // quarantined: acknowledged so the device does not resend a message that can never be valid
              // (MQTT 5 §3.4.2.1: reason 0x99 payload format invalid)
              ep.publishAcknowledge(m.messageId(), MqttPubAckReasonCode.PAYLOAD_FORMAT_INVALID,
                  MqttProperties.NO_PROPERTIES);
            } else {
              ep.publishAcknowledge(m.messageId());
            }
          }
          if (!blocked && !held.isEmpty()) {
            store(held.poll()); // held messages go one at a time, in order
          }
        });
  }

  private void unavailable(MqttPublishMessage m, IngestOutcome.Unavailable u) {
    if (u.backPressure()) {
      // Hold it and everything after it, and try again shortly; nothing is acknowledged meanwhile.
      blocked = true;
      held.addFirst(m);
      vertx.setTimer(RETRY_MS, t -> drain());
    } else {
      LOG.error("mqtt: storing a message of device {} failed, closing so it is redelivered: {}", logId,
          u.cause().toString());
      ep.close();
    }
  }

  private void drain() {
    if (closed) {
      return;
    }
    if (!ingest.ready()) {
      vertx.setTimer(RETRY_MS, t -> drain());
      return;
    }
    blocked = false;
    if (!held.isEmpty()) {
      store(held.poll());
    }
  }

  void closed() {
    closed = true;
    held.clear();
  }
}
