package io.stedi.lakehouse.gateway.ingest.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.stedi.lakehouse.gateway.ingest.IngestService;
import io.stedi.lakehouse.gateway.ingest.ReadingBatch;
import io.stedi.lakehouse.table.Zone;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import java.nio.charset.StandardCharsets;
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

  private final io.vertx.core.Vertx vertx;
  private final MqttEndpoint ep;
  private final String serial;
  private final boolean v5;
  private final IngestService ingest;
  private final ArrayDeque<MqttPublishMessage> held = new ArrayDeque<>();
  private final Set<Integer> inFlight = new HashSet<>();
  private boolean blocked;
  private boolean closed;

  DeviceConnection(io.vertx.core.Vertx vertx, MqttEndpoint ep, String serial, boolean v5, IngestService ingest) {
    this.vertx = vertx;
    this.ep = ep;
    this.serial = serial;
    this.v5 = v5;
    this.ingest = ingest;
  }

  void onPublish(MqttPublishMessage m) {
    if (m.qosLevel() == MqttQoS.EXACTLY_ONCE) {
      // Only QoS 0 and 1 are offered (MQTT 5 §3.3.1.2: a server may refuse QoS it does not support).
      LOG.warn("mqtt: device {} sent QoS 2, which is not supported", serial);
      if (v5) {
        ep.disconnect(MqttDisconnectReasonCode.QOS_NOT_SUPPORTED, MqttProperties.NO_PROPERTIES);
      } else {
        ep.close();
      }
      return;
    }
    if (!MqttIngestVerticle.ownTopic(m.topicName(), serial)) {
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
        LOG.warn("mqtt: device {} has {} messages held by back-pressure, disconnecting", serial, held.size());
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
    byte[] payload = m.payload().getBytes();
    ReadingBatch batch = MqttIngestVerticle.parse(serial, payload);
    if (!batch.ok()) {
      long n = Math.max(1, batch.problems().size());
      ingest.metrics().received("mqtt", n);
      ingest.quarantine("mqtt", Zone.STEP_TRAINER.cliName(), "device " + serial, batch.firstRejection(),
          new String(payload, StandardCharsets.UTF_8), n).onComplete(x -> {
            // Acknowledge once quarantined, so the device does not resend a message that can never be valid
            // (MQTT 5: reason 0x99 payload format invalid).
            if (qos1 && !closed) {
              if (v5) {
                ep.publishAcknowledge(m.messageId(), MqttPubAckReasonCode.PAYLOAD_FORMAT_INVALID,
                    MqttProperties.NO_PROPERTIES);
              } else {
                ep.publishAcknowledge(m.messageId());
              }
            }
          });
      return;
    }
    int n = batch.rows().size();
    ingest.metrics().received("mqtt", n);
    if (qos1) {
      inFlight.add(m.messageId());
    }
    long arrived = System.nanoTime();
    ingest.append(IngestService.landing(batch.rows(), "mqtt", ingest.newDeliveryKey("mqtt")))
        .onSuccess(lsn -> {
          ingest.metrics().acknowledged("mqtt", n);
          ingest.metrics().durable("mqtt", System.nanoTime() - arrived);
          if (qos1) {
            inFlight.remove(m.messageId());
            if (!closed) {
              ep.publishAcknowledge(m.messageId());
            }
          }
          if (!blocked && !held.isEmpty()) {
            store(held.poll()); // held messages go one at a time, in order
          }
        })
        .onFailure(err -> {
          if (qos1) {
            inFlight.remove(m.messageId());
          }
          if (IngestService.isBackPressure(err)) {
            // Hold it and everything after it, and try again shortly; nothing is acknowledged meanwhile.
            blocked = true;
            held.addFirst(m);
            vertx.setTimer(RETRY_MS, t -> drain());
          } else {
            LOG.error("mqtt: storing a message of device {} failed, closing so it is redelivered: {}", serial,
                err.toString());
            ep.close();
          }
        });
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
