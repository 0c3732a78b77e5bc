package io.stedi.lakehouse.gateway.ingest.mqtt;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.mqtt.MqttEndpoint;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets one MQTT connection's PUBACKs share a socket write. A PUBACK goes out when its message is durable, from a
 * task on the event loop; Vert.x flushes every write made outside a read, so each PUBACK cost one {@code write}
 * system call (strace: 200,999 writes in 5 s at about 57 k msgs/s, half of the event loop's CPU in system time).
 * Messages that arrived together become durable in the same group commit, so their PUBACK tasks run back to back:
 * Netty's {@link FlushConsolidationHandler} turns their flushes into one, done after the tasks already queued (no
 * timer, so a lone PUBACK is not delayed).
 *
 * <p>vertx-mqtt has no hook into a connection's pipeline; its endpoint holds the connection in a private field,
 * read here once by reflection. If a later vertx-mqtt renames it, the gateway logs a warning once and writes as
 * before ({@code FlushCoalescingTest} fails first).
 */
final class FlushCoalescing {
  private static final Logger LOG = LoggerFactory.getLogger(FlushCoalescing.class);
  private static final String NAME = "stedi-flush-coalescing";
  /** Flushes let through at once when this many were held (Netty's default). */
  private static final int EXPLICIT_FLUSH_AFTER = 256;
  private static final Field CONNECTION = connectionField();

  private FlushCoalescing() {}

  private static Field connectionField() {
    try {
      Field f = Class.forName("io.vertx.mqtt.impl.MqttEndpointImpl").getDeclaredField("conn");
      f.setAccessible(true);
      return NetSocketInternal.class.isAssignableFrom(f.getType()) ? f : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("mqtt: PUBACK flush coalescing unavailable with this vertx-mqtt ({}); each PUBACK is flushed alone",
          e.toString());
      return null;
    }
  }

  /** Whether this vertx-mqtt lets the gateway coalesce flushes. */
  static boolean available() {
    return CONNECTION != null;
  }

  /**
   * Installs the coalescing handler on the connection of {@code ep}, on its event loop; returns whether it did.
   * Added next to Vert.x's handler, so under TLS the PUBACKs of one flush also share a TLS record.
   */
  static boolean install(MqttEndpoint ep) {
    if (CONNECTION == null) {
      return false;
    }
    try {
      ChannelPipeline pipeline = pipeline(ep);
      if (pipeline.get(NAME) == null && pipeline.get("handler") != null) {
        pipeline.addBefore("handler", NAME, new FlushConsolidationHandler(EXPLICIT_FLUSH_AFTER, true));
      }
      return pipeline.get(NAME) != null;
    } catch (IllegalAccessException | RuntimeException e) {
      LOG.warn("mqtt: PUBACK flush coalescing not installed: {}", e.toString());
      return false;
    }
  }

  /** The Netty pipeline of {@code ep}'s connection (only when {@link #available()}). */
  static ChannelPipeline pipeline(MqttEndpoint ep) throws IllegalAccessException {
    return ((NetSocketInternal) CONNECTION.get(ep)).channelHandlerContext().pipeline();
  }
}
