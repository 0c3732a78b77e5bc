package io.stedi.lakehouse.gateway.ingest.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PUBACKs written together leave in one flush, and every one of them still reaches the client. */
class FlushCoalescingTest {
  private static final int MESSAGES = 10;

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void thisVertxMqttLetsTheGatewayReachTheConnectionsPipeline() {
    assertThat(FlushCoalescing.available()).isTrue();
  }

  @Test
  void pubacksWrittenTogetherShareOneFlushAndAllArriveInOrder() throws Exception {
    assertThat(pubacksAndFlushes(true)).isEqualTo(1);
  }

  @Test
  void withoutItEachPubackIsFlushedAlone() throws Exception {
    // the control: what the gateway did before (and what the first test would see if the handler did nothing)
    assertThat(pubacksAndFlushes(false)).isEqualTo(MESSAGES);
  }

  /** Acknowledges ten QoS 1 publishes from one task, as durable completions do; returns the flushes that took. */
  private int pubacksAndFlushes(boolean coalesce) throws Exception {
    AtomicInteger flushes = new AtomicInteger();
    AtomicInteger before = new AtomicInteger(-1);
    AtomicBoolean installed = new AtomicBoolean();
    MqttServer server = MqttServer.create(vertx, new MqttServerOptions().setHost("127.0.0.1").setPort(0));
    server.endpointHandler(ep -> {
      installed.set(!coalesce || FlushCoalescing.install(ep));
      try {
        // counts the flushes that reach the socket
        FlushCoalescing.pipeline(ep).addFirst("count-flushes", new ChannelOutboundHandlerAdapter() {
          @Override
          public void flush(ChannelHandlerContext ctx) {
            flushes.incrementAndGet();
            ctx.flush();
          }
        });
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
      ep.publishAutoAck(false);
      List<Integer> ids = new ArrayList<>();
      ep.publishHandler(m -> {
        ids.add(m.messageId());
        if (ids.size() == MESSAGES) {
          // outside the read, as the acknowledgements of durable messages are
          vertx.getOrCreateContext().runOnContext(v -> {
            before.set(flushes.get());
            ids.forEach(ep::publishAcknowledge);
          });
        }
      });
      ep.accept(false);
    });
    int port = server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      DataInputStream in = new DataInputStream(s.getInputStream());
      out.write(connect());
      byte[] connack = new byte[4];
      in.readFully(connack);
      assertThat(connack[0]).isEqualTo((byte) 0x20);
      ByteArrayOutputStream publishes = new ByteArrayOutputStream();
      for (int id = 1; id <= MESSAGES; id++) {
        publishes.write(publish(id));
      }
      out.write(publishes.toByteArray());
      // MQTT 3.1.1 §3.4: PUBACK is 0x40, remaining length 2, the packet identifier of the PUBLISH
      for (int id = 1; id <= MESSAGES; id++) {
        byte[] puback = new byte[4];
        in.readFully(puback);
        assertThat(puback[0]).isEqualTo((byte) 0x40);
        assertThat(((puback[2] & 0xFF) << 8) | (puback[3] & 0xFF)).isEqualTo(id);
      }
    } finally {
      server.close();
    }
    assertThat(installed).isTrue();
    return flushes.get() - before.get();
  }

  private static byte[] connect() {
    byte[] clientId = "flush-test".getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    v.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60}); // clean session, keep-alive 60 s
    v.write(0);
    v.write(clientId.length);
    v.writeBytes(clientId);
    return packet(0x10, v.toByteArray());
  }

  private static byte[] publish(int id) {
    byte[] topic = "t".getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    v.write(0);
    v.write(topic.length);
    v.writeBytes(topic);
    v.write(id >> 8);
    v.write(id & 0xFF);
    v.writeBytes("{}".getBytes(StandardCharsets.US_ASCII));
    return packet(0x32, v.toByteArray()); // PUBLISH, QoS 1
  }

  private static byte[] packet(int type, byte[] body) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.write(type);
    p.write(body.length); // all bodies here are under 128 bytes: a one-byte remaining length
    p.writeBytes(body);
    return p.toByteArray();
  }
}
