package io.stedi.lakehouse.sim.run;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;

/** One Step Trainer's MQTT connection (HiveMQ client, MQTT 5 or 3.1.1), reduced to what the simulator needs. */
abstract class MqttLink {
  /** What became of one publish. */
  enum Outcome { ACKED, SENT, REJECTED, FAILED }

  /** An outcome with the reason (the PUBACK reason code or the exception). */
  record Result(Outcome outcome, String reason) {}

  final String serial;
  final String secret;
  final MqttQos qos;
  final int keepAlive;

  MqttLink(String serial, String secret, int qos, int keepAlive) {
    this.serial = serial;
    this.secret = secret;
    this.qos = qos == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE;
    this.keepAlive = keepAlive;
  }

  /**
   * A client that reconnects by itself (with the same credentials: they are set on the client, not only on the
   * first CONNECT) and, when the server lost the session (a restarted gateway), publishes unacknowledged QoS 1
   * messages again. {@code onConnectionLost} runs whenever the connection drops without the device asking.
   */
  static MqttLink create(int version, Endpoints.MqttAddress address, TrustManagerFactory trust, boolean insecure,
      String clientId, String serial, String secret, int qos, int keepAlive, Runnable onConnectionLost) {
    MqttClientBuilder b = MqttClient.builder().identifier(clientId).serverHost(address.host())
        .serverPort(address.port()).automaticReconnect().initialDelay(200, TimeUnit.MILLISECONDS)
        .maxDelay(5, TimeUnit.SECONDS).applyAutomaticReconnect()
        .addDisconnectedListener(ctx -> {
          if (ctx.getSource() != com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource.USER) {
            ctx.getReconnector().republishIfSessionExpired(true);
            onConnectionLost.run();
          }
        });
    if (address.tls()) {
      MqttClientSslConfigBuilder ssl = MqttClientSslConfig.builder();
      if (trust != null) {
        ssl = ssl.trustManagerFactory(trust);
      }
      if (insecure) {
        ssl = ssl.hostnameVerifier((host, session) -> true);
      }
      b = b.sslConfig(ssl.build());
    }
    byte[] password = secret.getBytes(StandardCharsets.UTF_8);
    return version == 3
        ? new V3(b.useMqttVersion3().simpleAuth().username(serial).password(password).applySimpleAuth().buildAsync(),
            serial, secret, qos, keepAlive)
        : new V5(b.useMqttVersion5().simpleAuth().username(serial).password(password).applySimpleAuth().buildAsync(),
            serial, secret, qos, keepAlive);
  }

  /** Connects (persistent session, so unacknowledged QoS 1 messages are resent after a reconnect). */
  abstract CompletableFuture<Void> connect();

  abstract CompletableFuture<Void> disconnect();

  /** Whether the client is connected now. */
  abstract boolean connected();

  /** Whether the client is connected or reconnecting by itself (automatic reconnect). */
  abstract boolean connectedOrReconnecting();

  /** Publishes one payload to the device's topic; never completes exceptionally. */
  abstract CompletableFuture<Result> publish(byte[] payload);

  String topic() {
    return "stedi/step-trainer/" + serial + "/readings";
  }

  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private static final class V5 extends MqttLink {
    private final Mqtt5AsyncClient client;

    V5(Mqtt5AsyncClient client, String serial, String secret, int qos, int keepAlive) {
      super(serial, secret, qos, keepAlive);
      this.client = client;
    }

    @Override
    CompletableFuture<Void> connect() {
      return client.connectWith().cleanStart(false).sessionExpiryInterval(300).keepAlive(keepAlive).send()
          .thenApply(ack -> null);
    }

    @Override
    CompletableFuture<Void> disconnect() {
      return client.disconnect();
    }

    @Override
    boolean connected() {
      return client.getState().isConnected();
    }

    @Override
    boolean connectedOrReconnecting() {
      return client.getState().isConnectedOrReconnect();
    }

    @Override
    CompletableFuture<Result> publish(byte[] payload) {
      CompletableFuture<Result> out = new CompletableFuture<>();
      try {
        client.publishWith().topic(topic()).qos(qos).payload(payload).send().whenComplete((r, err) -> {
          if (err == null) {
            out.complete(new Result(qos == MqttQos.AT_MOST_ONCE ? Outcome.SENT : Outcome.ACKED, null));
          } else {
            Throwable e = unwrap(err);
            if (e instanceof Mqtt5PubAckException) {
              out.complete(new Result(Outcome.REJECTED,
                  ((Mqtt5PubAckException) e).getMqttMessage().getReasonCode().toString()));
            } else {
              out.complete(new Result(Outcome.FAILED, e.toString()));
            }
          }
        });
      } catch (RuntimeException e) {
        out.complete(new Result(Outcome.FAILED, e.toString()));
      }
      return out;
    }
  }

  private static final class V3 extends MqttLink {
    private final Mqtt3AsyncClient client;

    V3(Mqtt3AsyncClient client, String serial, String secret, int qos, int keepAlive) {
      super(serial, secret, qos, keepAlive);
      this.client = client;
    }

    @Override
    CompletableFuture<Void> connect() {
      return client.connectWith().cleanSession(false).keepAlive(keepAlive).send().thenApply(ack -> null);
    }

    @Override
    CompletableFuture<Void> disconnect() {
      return client.disconnect();
    }

    @Override
    boolean connected() {
      return client.getState().isConnected();
    }

    @Override
    boolean connectedOrReconnecting() {
      return client.getState().isConnectedOrReconnect();
    }

    @Override
    CompletableFuture<Result> publish(byte[] payload) {
      CompletableFuture<Result> out = new CompletableFuture<>();
      try {
        client.publishWith().topic(topic()).qos(qos).payload(payload).send().whenComplete((r, err) -> {
          if (err == null) {
            out.complete(new Result(qos == MqttQos.AT_MOST_ONCE ? Outcome.SENT : Outcome.ACKED, null));
          } else {
            out.complete(new Result(Outcome.FAILED, unwrap(err).toString()));
          }
        });
      } catch (RuntimeException e) {
        out.complete(new Result(Outcome.FAILED, e.toString()));
      }
      return out;
    }
  }
}
