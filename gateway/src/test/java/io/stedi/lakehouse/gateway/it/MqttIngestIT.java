package io.stedi.lakehouse.gateway.it;

import static io.stedi.lakehouse.gateway.it.Wire.T0;
import static io.stedi.lakehouse.gateway.it.Wire.step;
import static io.stedi.lakehouse.gateway.it.Wire.stepRows;
import static io.stedi.lakehouse.gateway.it.Wire.topic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.MqttSessionExpiredException;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.apache.iceberg.data.Record;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttSecurityException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT listener over the wire, with clients the product did not write: HiveMQ (MQTT 3.1.1 and 5), Eclipse
 * Paho (3.1.1) and a raw 3.1.1 client on a socket for redeliveries with DUP set.
 */
class MqttIngestIT {
  private static final int MAX_MESSAGE = 1024;

  @TempDir
  static Path tmp;

  /** Default limits. */
  private static GatewayFixture gw;
  /** gateway.mqtt.max-message-bytes=1024, gateway.mqtt.max-connections-per-device=1. */
  private static GatewayFixture limited;
  private static final Map<String, String> SECRETS = new HashMap<>();
  private static final Map<String, String> LIMITED_SECRETS = new HashMap<>();

  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path home = tmp.resolve("main");
    // Devices exist before the gateway starts, so nothing waits for the credentials reload.
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, Map.of()).credentialsFile());
    for (String d : List.of("st-good5", "st-good3", "st-qos0", "st-paho", "st-rev", "st-f5", "st-f5q0", "st-f3",
        "st-own", "st-bad5", "st-bad3", "st-raw", "st-rawp", "st-sess3", "st-sess5", "st-sess0", "st-metrics",
        "st-ka", "st-q2", "st-x1", "st-x2", "st-reuse3", "st-reuse5")) {
      SECRETS.put(d, creds.addDevice(d));
    }
    Path home2 = tmp.resolve("limited");
    Map<String, String> limits = Map.of("gateway.mqtt.max-message-bytes", Integer.toString(MAX_MESSAGE),
        "gateway.mqtt.max-connections-per-device", "1");
    CredentialStore creds2 = new CredentialStore(GatewayFixture.config(home2, limits).credentialsFile());
    for (String d : List.of("st-big5", "st-big5r", "st-big3", "st-one")) {
      LIMITED_SECRETS.put(d, creds2.addDevice(d));
    }
    gw = GatewayFixture.start(home, Map.of());
    limited = GatewayFixture.start(home2, limits);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (limited != null) {
      limited.close();
    }
  }

  @org.junit.jupiter.api.AfterEach
  void closeClients() {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception ignored) {
        // already closed by the test or by the gateway
      }
    }
  }

  private static ConditionFactory await() {
    return Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100));
  }

  // ---------------------------------------------------------------- clients

  /** A HiveMQ MQTT 5 client that remembers why it was disconnected. */
  private final class V5 implements AutoCloseable {
    final Mqtt5AsyncClient client;
    final AtomicReference<Throwable> disconnectCause = new AtomicReference<>();

    V5(GatewayFixture g, String clientId) {
      client = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
          .serverPort(g.mqttPort()).addDisconnectedListener(ctx -> disconnectCause.compareAndSet(null, ctx.getCause()))
          .buildAsync();
      open.add(this);
    }

    Mqtt5ConnAck connect(String user, String secret) throws Exception {
      return connect(user, secret, b -> b);
    }

    Mqtt5ConnAck connect(String user, String secret, UnaryOperator<Mqtt5ConnectBuilder.Send<CompletableFuture<Mqtt5ConnAck>>> more)
        throws Exception {
      Mqtt5ConnectBuilder.Send<CompletableFuture<Mqtt5ConnAck>> b = client.connectWith();
      if (user != null) {
        b = b.simpleAuth().username(user).password(secret.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
      }
      return more.apply(b).send().get(10, TimeUnit.SECONDS);
    }

    /** QoS 1 publish; returns the PUBACK reason code. */
    Mqtt5PubAckReasonCode publish1(String topic, String payload) throws Exception {
      try {
        Mqtt5PublishResult r = client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
            .payload(payload.getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
        return ((Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof Mqtt5PubAckException) { // HiveMQ fails the future on an error reason code
          return ((Mqtt5PubAckException) e.getCause()).getMqttMessage().getReasonCode();
        }
        throw e;
      }
    }

    void publish0(String topic, String payload) throws Exception {
      client.publishWith().topic(topic).qos(MqttQos.AT_MOST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8))
          .send().get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      if (client.getState().isConnected()) {
        client.disconnect().get(10, TimeUnit.SECONDS);
      }
    }
  }

  /** A HiveMQ MQTT 3.1.1 client. */
  private final class V3 implements AutoCloseable {
    final Mqtt3AsyncClient client;

    V3(GatewayFixture g, String clientId) {
      client = MqttClient.builder().useMqttVersion3().identifier(clientId).serverHost("127.0.0.1")
          .serverPort(g.mqttPort()).buildAsync();
      open.add(this);
    }

    Mqtt3ConnAck connect(String user, String secret, boolean cleanSession) throws Exception {
      return client.connectWith().simpleAuth().username(user).password(secret.getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth().cleanSession(cleanSession).send().get(10, TimeUnit.SECONDS);
    }

    void publish(String topic, MqttQos qos, String payload) throws Exception {
      client.publishWith().topic(topic).qos(qos).payload(payload.getBytes(StandardCharsets.UTF_8)).send()
          .get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      if (client.getState().isConnected()) {
        client.disconnect().get(10, TimeUnit.SECONDS);
      }
    }
  }

  /** An Eclipse Paho MQTT 3.1.1 client. */
  private org.eclipse.paho.client.mqttv3.MqttClient paho(GatewayFixture g, String clientId) throws MqttException {
    org.eclipse.paho.client.mqttv3.MqttClient c = new org.eclipse.paho.client.mqttv3.MqttClient(
        "tcp://127.0.0.1:" + g.mqttPort(), clientId, new MemoryPersistence());
    c.setTimeToWait(10_000);
    open.add(() -> {
      if (c.isConnected()) {
        c.disconnect(1_000);
      }
      c.close();
    });
    return c;
  }

  private static MqttConnectOptions pahoOptions(String user, String secret) {
    MqttConnectOptions o = new MqttConnectOptions();
    o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    o.setUserName(user);
    o.setPassword(secret.toCharArray());
    o.setAutomaticReconnect(false);
    o.setConnectionTimeout(10);
    return o;
  }

  private static Mqtt5ConnAckReasonCode refused5(V5 c, String user, String secret) {
    Throwable t = catchThrowable(() -> c.connect(user, secret));
    assertThat(t).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(Mqtt5ConnAckException.class);
    return ((Mqtt5ConnAckException) t.getCause()).getMqttMessage().getReasonCode();
  }

  private static Mqtt3ConnAckReturnCode refused3(V3 c, String user, String secret) {
    Throwable t = catchThrowable(() -> c.connect(user, secret, true));
    assertThat(t).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(Mqtt3ConnAckException.class);
    return ((Mqtt3ConnAckException) t.getCause()).getMqttMessage().getReturnCode();
  }

  private static List<Long> times(List<Record> rows) {
    return rows.stream().map(r -> (Long) r.getField("sensorReadingTime")).sorted().toList();
  }

  /** Waits until the device's quarantine rows (origin exactly {@code origin}) are committed, and returns them. */
  private static List<Record> awaitQuarantined(String origin, int n) {
    List<List<Record>> out = new ArrayList<>();
    await().untilAsserted(() -> {
      gw.flush();
      List<Record> q = Wire.quarantined(gw, origin);
      assertThat(q).hasSize(n);
      out.add(q);
    });
    return out.get(out.size() - 1);
  }

  // ---------------------------------------------------------------- accepted publishes

  @Test
  void qos1ReadingAndArrayGetSuccessPubAckAfterWhichTheRowsAreInStepTrainerLanding() throws Exception {
    V5 v5 = new V5(gw, "good5");
    v5.connect("st-good5", SECRETS.get("st-good5"));
    assertThat(v5.publish1(topic("st-good5"), step("st-good5", T0 + 1, 218))).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    assertThat(v5.publish1(topic("st-good5"), "[" + step("st-good5", T0 + 2, 0) + "," + step("st-good5", T0 + 3, 100000)
        + "]")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);

    V3 v3 = new V3(gw, "good3");
    v3.connect("st-good3", SECRETS.get("st-good3"), true);
    v3.publish(topic("st-good3"), MqttQos.AT_LEAST_ONCE, step("st-good3", T0 + 4, 17));
    v3.publish(topic("st-good3"), MqttQos.AT_LEAST_ONCE, "[" + step("st-good3", T0 + 5, 18) + ","
        + step("st-good3", T0 + 6, 19) + "]");

    gw.flush(); // the PUBACKs came after the fsync: one commit makes every acknowledged reading visible
    List<Record> rows5 = stepRows(gw, "st-good5");
    assertThat(times(rows5)).containsExactly(T0 + 1, T0 + 2, T0 + 3);
    assertThat(rows5).extracting(r -> r.getField("distanceFromObject")).containsExactlyInAnyOrder(218, 0, 100000);
    List<Record> rows3 = stepRows(gw, "st-good3");
    assertThat(times(rows3)).containsExactly(T0 + 4, T0 + 5, T0 + 6);
    List<Record> all = new ArrayList<>(rows5);
    all.addAll(rows3);
    assertThat(all).allSatisfy(r -> {
      assertThat(r.getField("_stedi_source")).isEqualTo("mqtt");
      assertThat(r.getField("_stedi_arrival")).isNotNull();
      assertThat((String) r.getField("_stedi_key")).startsWith("mqtt:");
    });
    assertThat(all).extracting(r -> r.getField("_stedi_key")).doesNotHaveDuplicates();
  }

  @Test
  void qos0PublishLandsToo() throws Exception {
    V5 v5 = new V5(gw, "qos0-5");
    v5.connect("st-qos0", SECRETS.get("st-qos0"));
    v5.publish0(topic("st-qos0"), step("st-qos0", T0 + 10, 5));
    V3 v3 = new V3(gw, "qos0-3");
    v3.connect("st-qos0", SECRETS.get("st-qos0"), true);
    v3.publish(topic("st-qos0"), MqttQos.AT_MOST_ONCE, step("st-qos0", T0 + 11, 6));
    // QoS 0 has no acknowledgement to wait for: wait until both are committed
    await().untilAsserted(() -> {
      gw.flush();
      assertThat(times(stepRows(gw, "st-qos0"))).containsExactly(T0 + 10, T0 + 11);
    });
    assertThat(stepRows(gw, "st-qos0")).extracting(r -> r.getField("_stedi_source")).containsOnly("mqtt");
  }

  @Test
  void pahoMqtt311Qos1PublishIsStored() throws Exception {
    org.eclipse.paho.client.mqttv3.MqttClient c = paho(gw, "paho-good");
    c.connect(pahoOptions("st-paho", SECRETS.get("st-paho")));
    c.publish(topic("st-paho"), step("st-paho", T0 + 20, 42).getBytes(StandardCharsets.UTF_8), 1, false);
    c.disconnect(5_000);
    gw.flush();
    List<Record> rows = stepRows(gw, "st-paho");
    assertThat(times(rows)).containsExactly(T0 + 20);
    assertThat(rows.get(0).getField("distanceFromObject")).isEqualTo(42);
    assertThat(rows.get(0).getField("_stedi_source")).isEqualTo("mqtt");
  }

  // ---------------------------------------------------------------- CONNECT refusals

  @Test
  void wrongSecretUnknownDeviceAndNoCredentialsGetConnAckNotAuthorized() throws Exception {
    String good = SECRETS.get("st-good5");
    // MQTT 5 §3.2.2.2: reason 0x87 Not authorized
    assertThat(refused5(new V5(gw, "bad-secret-5"), "st-good5", good + "x")).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    assertThat(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED.getCode()).isEqualTo(0x87);
    assertThat(refused5(new V5(gw, "unknown-5"), "st-nobody", good)).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    assertThat(refused5(new V5(gw, "anon-5"), null, null)).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    // MQTT 3.1.1 §3.2.2.3: return code 5 Connection Refused, not authorized
    assertThat(refused3(new V3(gw, "bad-secret-3"), "st-good5", "not-the-secret")).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
    assertThat(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED.getCode()).isEqualTo(5);
    assertThat(refused3(new V3(gw, "unknown-3"), "st-nobody", good)).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
    // Paho sees the same return code
    org.eclipse.paho.client.mqttv3.MqttClient p = paho(gw, "paho-bad");
    assertThatThrownBy(() -> p.connect(pahoOptions("st-paho", "wrong")))
        .isInstanceOf(MqttSecurityException.class)
        .satisfies(e -> assertThat(((MqttException) e).getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
    assertThat(p.isConnected()).isFalse();
  }

  @Test
  void revokedDeviceIsRefusedAndItsOpenConnectionStoresNothingMore() throws Exception {
    String secret = SECRETS.get("st-rev");
    V5 before = new V5(gw, "rev-open");
    before.connect("st-rev", secret);
    assertThat(before.publish1(topic("st-rev"), step("st-rev", T0 + 30, 1))).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);

    assertThat(gw.credentials().revokeDevice("st-rev")).isTrue();
    // the running gateway re-reads the credentials file within about a second
    await().untilAsserted(() -> assertThat(refused5(new V5(gw, "rev-5"), "st-rev", secret))
        .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
    assertThat(refused3(new V3(gw, "rev-3"), "st-rev", secret)).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);

    // The connection opened before the revocation must not go on storing readings ("revoked ... take effect
    // within a second"): its next publish is refused or the connection is closed.
    boolean stored;
    try {
      stored = before.publish1(topic("st-rev"), step("st-rev", T0 + 31, 2)) == Mqtt5PubAckReasonCode.SUCCESS;
    } catch (ExecutionException closed) {
      stored = false;
    }
    gw.flush();
    assertThat(times(stepRows(gw, "st-rev"))).as("readings of st-rev after its revocation").containsExactly(T0 + 30);
    assertThat(stored).as("success PUBACK for a revoked device").isFalse();
  }

  // ---------------------------------------------------------------- foreign topic, foreign serial

  @Test
  void foreignTopicMqtt5Qos1GetsPubAckNotAuthorizedAndIsQuarantined() throws Exception {
    V5 c = new V5(gw, "f5");
    c.connect("st-f5", SECRETS.get("st-f5"));
    String payload = step("st-victim", T0 + 40, 3);
    Mqtt5PubAckReasonCode rc = c.publish1(topic("st-victim"), payload);
    assertThat(rc).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
    assertThat(rc.getCode()).isEqualTo(0x87);
    // the connection stays usable for the device's own topic
    assertThat(c.publish1(topic("st-f5"), step("st-f5", T0 + 41, 4))).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);

    List<Record> q = awaitQuarantined("device st-f5 topic " + topic("st-victim"), 1);
    assertThat(q.get(0).getField("reason_code")).isEqualTo("forbidden");
    assertThat(q.get(0).getField("zone")).isEqualTo("step_trainer");
    assertThat(q.get(0).getField("payload")).isEqualTo(payload);
    assertThat(q.get(0).getField("_stedi_source")).isEqualTo("mqtt");
    assertThat(stepRows(gw, "st-victim")).isEmpty();
    assertThat(times(stepRows(gw, "st-f5"))).containsExactly(T0 + 41);
  }

  @Test
  void foreignTopicMqtt5Qos0GetsDisconnectNotAuthorized() throws Exception {
    V5 c = new V5(gw, "f5q0");
    c.connect("st-f5q0", SECRETS.get("st-f5q0"));
    c.publish0(topic("st-victim-q0"), step("st-victim-q0", T0 + 45, 3));
    await().until(() -> !c.client.getState().isConnected());
    assertThat(c.disconnectCause.get()).isInstanceOf(Mqtt5DisconnectException.class);
    assertThat(((Mqtt5DisconnectException) c.disconnectCause.get()).getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.NOT_AUTHORIZED);
    List<Record> q = awaitQuarantined("device st-f5q0 topic " + topic("st-victim-q0"), 1);
    assertThat(q.get(0).getField("reason_code")).isEqualTo("forbidden");
    assertThat(stepRows(gw, "st-victim-q0")).isEmpty();
  }

  @Test
  void foreignTopicMqtt311DisconnectsTheClient() throws Exception {
    org.eclipse.paho.client.mqttv3.MqttClient c = paho(gw, "f3");
    c.connect(pahoOptions("st-f3", SECRETS.get("st-f3")));
    String payload = step("st-victim3", T0 + 50, 3);
    assertThatThrownBy(() -> c.publish(topic("st-victim3"), payload.getBytes(StandardCharsets.UTF_8), 1, false))
        .isInstanceOf(MqttException.class)
        .satisfies(e -> assertThat(((MqttException) e).getReasonCode()).isEqualTo(MqttException.REASON_CODE_CONNECTION_LOST));
    await().until(() -> !c.isConnected());

    List<Record> q = awaitQuarantined("device st-f3 topic " + topic("st-victim3"), 1);
    assertThat(q.get(0).getField("reason_code")).isEqualTo("forbidden");
    assertThat(q.get(0).getField("payload")).isEqualTo(payload);
    assertThat(stepRows(gw, "st-victim3")).isEmpty();
    assertThat(stepRows(gw, "st-f3")).isEmpty();
  }

  @Test
  void readingWithAnotherDevicesSerialOnOwnTopicIsQuarantinedAndAcknowledged() throws Exception {
    V5 c = new V5(gw, "own5");
    c.connect("st-own", SECRETS.get("st-own"));
    String single = step("st-other", T0 + 60, 1);
    String mixed = "[" + step("st-own", T0 + 61, 1) + "," + step("st-other", T0 + 62, 1) + "]";
    Mqtt5PubAckReasonCode rc = c.publish1(topic("st-own"), single);
    assertThat(rc).isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(rc.getCode()).isEqualTo(0x99);
    assertThat(c.publish1(topic("st-own"), mixed)).isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
    // MQTT 3.1.1 has no reason codes: a plain PUBACK (the HiveMQ future completes normally)
    V3 c3 = new V3(gw, "own3");
    c3.connect("st-own", SECRETS.get("st-own"), true);
    String single3 = step("st-other", T0 + 63, 1);
    c3.publish(topic("st-own"), MqttQos.AT_LEAST_ONCE, single3);

    List<Record> q = awaitQuarantined("device st-own", 3);
    assertThat(q).extracting(r -> r.getField("reason_code")).containsOnly("forbidden");
    assertThat(q).extracting(r -> r.getField("payload")).containsExactlyInAnyOrder(single, mixed, single3);
    assertThat(q).extracting(r -> (String) r.getField("message")).allSatisfy(m -> assertThat(m).contains("st-other"));
    assertThat(stepRows(gw, "st-other")).isEmpty();
    assertThat(stepRows(gw, "st-own")).as("the valid reading of a rejected array is not written either").isEmpty();
  }

  // ---------------------------------------------------------------- bad payloads

  @Test
  void badPayloadsAreQuarantinedAcknowledgedWith0x99AndNeverBlockTheDevice() throws Exception {
    V5 c = new V5(gw, "bad5");
    c.connect("st-bad5", SECRETS.get("st-bad5"));
    Map<String, String> expected = new java.util.LinkedHashMap<>();
    expected.put("this is not JSON", "malformed_json");
    expected.put("", "malformed_json");
    expected.put("{\"sensorReadingTime\":" + (T0 + 70) + ",\"serialNumber\":\"st-bad5\"}", "missing_field");
    expected.put("{\"sensorReadingTime\":" + (T0 + 71) + ",\"serialNumber\":\"st-bad5\",\"distanceFromObject\":\"218\"}",
        "wrong_type");
    expected.put(step("st-bad5", T0 + 72, 100_001), "impossible_value");
    expected.put(step("st-bad5", 4_102_444_800_001L, 5), "impossible_value");
    expected.put("[" + step("st-bad5", T0 + 73, 5) + ",{\"serialNumber\":\"st-bad5\",\"distanceFromObject\":5}]",
        "missing_field");
    for (String payload : expected.keySet()) {
      assertThat(c.publish1(topic("st-bad5"), payload)).as(payload).isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
    }
    // the device is not blocked: its next good message is stored
    assertThat(c.publish1(topic("st-bad5"), step("st-bad5", T0 + 74, 9))).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);

    List<Record> q = awaitQuarantined("device st-bad5", expected.size());
    Map<String, String> actual = new HashMap<>();
    for (Record r : q) {
      actual.put((String) r.getField("payload"), (String) r.getField("reason_code"));
      assertThat(r.getField("zone")).isEqualTo("step_trainer");
      assertThat((String) r.getField("message")).isNotBlank();
    }
    assertThat(actual).isEqualTo(expected);
    assertThat(times(stepRows(gw, "st-bad5"))).containsExactly(T0 + 74);
  }

  @Test
  void badPayloadOverMqtt311IsAcknowledgedAndQuarantined() throws Exception {
    org.eclipse.paho.client.mqttv3.MqttClient c = paho(gw, "bad3");
    c.connect(pahoOptions("st-bad3", SECRETS.get("st-bad3")));
    // publish returns only once the PUBACK arrived
    c.publish(topic("st-bad3"), "{\"sensorReadingTime\":true}".getBytes(StandardCharsets.UTF_8), 1, false);
    c.publish(topic("st-bad3"), step("st-bad3", T0 + 80, 8).getBytes(StandardCharsets.UTF_8), 1, false);
    assertThat(c.isConnected()).isTrue();
    List<Record> q = awaitQuarantined("device st-bad3", 1);
    assertThat(q.get(0).getField("reason_code")).isEqualTo("wrong_type");
    assertThat(times(stepRows(gw, "st-bad3"))).containsExactly(T0 + 80);
  }

  @Test
  void qos2IsNotSupported() throws Exception {
    V5 c = new V5(gw, "q2");
    c.connect("st-q2", SECRETS.get("st-q2"));
    c.client.publishWith().topic(topic("st-q2")).qos(MqttQos.EXACTLY_ONCE)
        .payload(step("st-q2", T0 + 85, 1).getBytes(StandardCharsets.UTF_8)).send();
    await().until(() -> !c.client.getState().isConnected());
    assertThat(c.disconnectCause.get()).isInstanceOf(Mqtt5DisconnectException.class);
    assertThat(((Mqtt5DisconnectException) c.disconnectCause.get()).getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.QOS_NOT_SUPPORTED);
    gw.flush();
    assertThat(stepRows(gw, "st-q2")).isEmpty();
  }

  // ---------------------------------------------------------------- limits

  private static String bigArray(String serial, long from, int minBytes) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; b.length() < minBytes; i++) {
      b.append(i == 0 ? "" : ",").append(step(serial, from + i, i));
    }
    return b.append(']').toString();
  }

  @Test
  void messageLargerThanMaxMessageBytesClosesTheConnectionAndStoresNothing() throws Exception {
    String secret5 = LIMITED_SECRETS.get("st-big5");
    V5 c = new V5(limited, "big5");
    c.connect("st-big5", secret5);
    String fits = bigArray("st-big5", T0, MAX_MESSAGE - 200);
    assertThat(fits.length() + topic("st-big5").length() + 2 + 2 + 10).isLessThan(MAX_MESSAGE);
    assertThat(c.publish1(topic("st-big5"), fits)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);

    String big = bigArray("st-big5", T0 + 1000, MAX_MESSAGE + 200); // valid JSON, only too large
    Throwable t = catchThrowable(() -> c.publish1(topic("st-big5"), big));
    assertThat(t).isInstanceOf(ExecutionException.class);
    await().until(() -> !c.client.getState().isConnected());

    V3 c3 = new V3(limited, "big3");
    c3.connect("st-big3", LIMITED_SECRETS.get("st-big3"), true);
    String big3 = bigArray("st-big3", T0 + 2000, MAX_MESSAGE + 200);
    Throwable t3 = catchThrowable(() -> c3.publish(topic("st-big3"), MqttQos.AT_LEAST_ONCE, big3));
    // the gateway closed the connection (HiveMQ reports the clean session as expired with it)
    assertThat(t3).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOfAny(ConnectionClosedException.class, MqttSessionExpiredException.class);
    await().until(() -> !c3.client.getState().isConnected());

    limited.flush();
    assertThat(stepRows(limited, "st-big5")).hasSize(fits.split("sensorReadingTime").length - 1)
        .allSatisfy(r -> assertThat((Long) r.getField("sensorReadingTime")).isLessThan(T0 + 1000));
    assertThat(stepRows(limited, "st-big3")).isEmpty();
  }

  @Test
  void mqtt5TooLargeMessageIsAnsweredWithDisconnectPacketTooLarge() throws Exception {
    // gateway.mqtt.max-message-bytes documents "larger ones close the connection (MQTT 5: reason 0x95)"
    V5 c = new V5(limited, "big5-reason");
    c.connect("st-big5r", LIMITED_SECRETS.get("st-big5r"));
    c.client.publishWith().topic(topic("st-big5r")).qos(MqttQos.AT_LEAST_ONCE)
        .payload(bigArray("st-big5r", T0 + 3000, MAX_MESSAGE + 200).getBytes(StandardCharsets.UTF_8)).send();
    await().until(() -> !c.client.getState().isConnected());
    assertThat(c.disconnectCause.get()).isInstanceOf(Mqtt5DisconnectException.class);
    assertThat(((Mqtt5DisconnectException) c.disconnectCause.get()).getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.PACKET_TOO_LARGE);
  }

  @Test
  void secondConcurrentConnectionOfADeviceIsRefusedWithQuotaExceeded() throws Exception {
    String secret = LIMITED_SECRETS.get("st-one");
    double before = Wire.rejected(limited, "mqtt", "connection_limit");
    V5 first = new V5(limited, "one-a");
    first.connect("st-one", secret);

    Mqtt5ConnAckReasonCode rc = refused5(new V5(limited, "one-b"), "st-one", secret);
    assertThat(rc).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED);
    assertThat(rc.getCode()).isEqualTo(0x97);
    // MQTT 3.1.1 has no quota code: 3 Server unavailable
    assertThat(refused3(new V3(limited, "one-c"), "st-one", secret)).isEqualTo(Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE);
    assertThat(Wire.rejected(limited, "mqtt", "connection_limit") - before).isEqualTo(2.0);

    // the slot is released when the first connection ends
    first.close();
    V5 again = new V5(limited, "one-d");
    await().ignoreExceptions().untilAsserted(() -> assertThat(again.connect("st-one", secret).getReasonCode())
        .isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS));
  }

  // ---------------------------------------------------------------- redelivery and sessions

  @Test
  void redeliveryWithDupSetIsAcknowledgedWithoutASecondWrite() throws Exception {
    String a = step("st-raw", T0 + 100, 1);
    String b = step("st-raw", T0 + 101, 2);
    String c = step("st-raw", T0 + 102, 3);
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("raw-dup", "st-raw", SECRETS.get("st-raw"), true)).isEqualTo(new RawMqtt311.ConnAck(false, 0));
      raw.publishQos1(topic("st-raw"), 7, false, a);
      assertThat(raw.readPubAck()).isEqualTo(7);
      raw.publishQos1(topic("st-raw"), 7, true, a); // our PUBACK was "lost": the client resends with DUP
      assertThat(raw.readPubAck()).isEqualTo(7);
      gw.flush();
      assertThat(times(stepRows(gw, "st-raw"))).containsExactly(T0 + 100);

      raw.publishQos1(topic("st-raw"), 7, false, b); // packet id 7 is free again: a new message
      assertThat(raw.readPubAck()).isEqualTo(7);
      raw.publishQos1(topic("st-raw"), 9, true, c); // first attempt never reached us: DUP but new
      assertThat(raw.readPubAck()).isEqualTo(9);
      raw.publishQos1(topic("st-raw"), 9, true, c); // and its own redelivery
      assertThat(raw.readPubAck()).isEqualTo(9);
      raw.disconnect();
    }
    gw.flush();
    assertThat(times(stepRows(gw, "st-raw"))).containsExactly(T0 + 100, T0 + 101, T0 + 102);
  }

  /**
   * MQTT 3.1.1 §4.3.2 (MQTT-4.3.2-2) and MQTT 5 §4.3.2: after sending a PUBACK the receiver must treat a PUBLISH
   * with the same packet id as a new publication, whatever its DUP flag. A: id 1, acknowledged. B: id 1 again (free
   * after the PUBACK); the link drops before B reaches the gateway; on reconnect the client resends B with DUP=1
   * (MQTT-4.4.0-1). A gateway that deduplicates by packet id acknowledges B and drops it; both must land. The second
   * round has B reach the gateway before the link drops, and is resent: it must land once.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "MQTT {0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {4, 5})
  void aPacketIdReusedAfterItsPubAckIsANewMessageEvenWithDupSet(int level) throws Exception {
    String serial = level == 5 ? "st-reuse5" : "st-reuse3";
    String clientId = "reuse-" + level;
    long t = T0 + 200 + level * 10;
    String a = step(serial, t, 1);
    String b = step(serial, t + 1, 2);
    String c = step(serial, t + 2, 3);
    try (RawMqtt311 raw = level == 5 ? RawMqtt311.open5(gw.mqttPort()) : RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect(clientId, serial, SECRETS.get(serial), false).returnCode()).isZero();
      raw.publishQos1(topic(serial), 1, false, a);
      assertThat(raw.readPubAck()).isEqualTo(1);
      // B with packet id 1 would go out now; the link drops before it reaches the gateway
    }
    try (RawMqtt311 raw = level == 5 ? RawMqtt311.open5(gw.mqttPort()) : RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect(clientId, serial, SECRETS.get(serial), false)).isEqualTo(new RawMqtt311.ConnAck(true, 0));
      raw.publishQos1(topic(serial), 1, true, b); // the resend of B: DUP=1, same packet id as A
      assertThat(raw.readPubAck()).isEqualTo(1);
      raw.publishQos1(topic(serial), 1, false, c); // C reuses id 1 and reaches the gateway; its PUBACK is lost
    }
    try (RawMqtt311 raw = level == 5 ? RawMqtt311.open5(gw.mqttPort()) : RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect(clientId, serial, SECRETS.get(serial), false)).isEqualTo(new RawMqtt311.ConnAck(true, 0));
      raw.publishQos1(topic(serial), 1, true, c); // resent with DUP=1: the same reading
      assertThat(raw.readPubAck()).isEqualTo(1);
      raw.disconnect();
    }
    await().untilAsserted(() -> {
      gw.flush();
      assertThat(times(stepRows(gw, serial))).as("A, B and C, each once").containsExactly(t, t + 1, t + 2);
    });
  }

  @Test
  void redeliveryAfterReconnectInAPersistentSessionIsNotWrittenTwice() throws Exception {
    String d = step("st-rawp", T0 + 110, 1);
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("raw-persist", "st-rawp", SECRETS.get("st-rawp"), false)).isEqualTo(new RawMqtt311.ConnAck(false, 0));
      raw.publishQos1(topic("st-rawp"), 3, false, d);
      assertThat(raw.readPubAck()).isEqualTo(3);
    } // connection lost without DISCONNECT
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("raw-persist", "st-rawp", SECRETS.get("st-rawp"), false)).isEqualTo(new RawMqtt311.ConnAck(true, 0));
      raw.publishQos1(topic("st-rawp"), 3, true, d);
      assertThat(raw.readPubAck()).isEqualTo(3);
      raw.disconnect();
    }
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      // a clean session discards the state: the same DUP packet is now a new message
      assertThat(raw.connect("raw-persist", "st-rawp", SECRETS.get("st-rawp"), true)).isEqualTo(new RawMqtt311.ConnAck(false, 0));
      raw.disconnect();
    }
    gw.flush();
    assertThat(times(stepRows(gw, "st-rawp"))).containsExactly(T0 + 110);
  }

  @Test
  void aPersistentSessionBelongsToItsDeviceNotToAnyoneUsingTheSameClientId() throws Exception {
    // Two Step Trainers whose firmware uses the same client id: the second must not resume the first's session,
    // or its redelivered message (DUP, a packet id the first device used) is acknowledged and never stored.
    String p1 = step("st-x1", T0 + 140, 1);
    String p2 = step("st-x2", T0 + 141, 2);
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("firmware-1.0", "st-x1", SECRETS.get("st-x1"), false)).isEqualTo(new RawMqtt311.ConnAck(false, 0));
      raw.publishQos1(topic("st-x1"), 11, false, p1);
      assertThat(raw.readPubAck()).isEqualTo(11);
      raw.disconnect();
    }
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("firmware-1.0", "st-x2", SECRETS.get("st-x2"), false))
          .as("st-x2 never had a session").isEqualTo(new RawMqtt311.ConnAck(false, 0));
      raw.publishQos1(topic("st-x2"), 11, true, p2); // its first attempt was lost on the way
      assertThat(raw.readPubAck()).isEqualTo(11);
      raw.disconnect();
    }
    gw.flush();
    assertThat(times(stepRows(gw, "st-x1"))).containsExactly(T0 + 140);
    assertThat(times(stepRows(gw, "st-x2"))).containsExactly(T0 + 141);
  }

  @Test
  void persistentSessionIsPresentOnReconnectAndAbsentWithCleanSession() throws Exception {
    String s3 = SECRETS.get("st-sess3");
    V3 a = new V3(gw, "sess3");
    assertThat(a.connect("st-sess3", s3, false).isSessionPresent()).isFalse();
    a.publish(topic("st-sess3"), MqttQos.AT_LEAST_ONCE, step("st-sess3", T0 + 120, 1));
    a.client.disconnect().get(10, TimeUnit.SECONDS);
    assertThat(a.connect("st-sess3", s3, false).isSessionPresent()).isTrue();
    a.client.disconnect().get(10, TimeUnit.SECONDS);
    assertThat(a.connect("st-sess3", s3, true).isSessionPresent()).isFalse();
    a.client.disconnect().get(10, TimeUnit.SECONDS);
    assertThat(a.connect("st-sess3", s3, false).isSessionPresent()).as("a clean session is not kept").isFalse();
    a.client.disconnect().get(10, TimeUnit.SECONDS);

    String s5 = SECRETS.get("st-sess5");
    V5 b = new V5(gw, "sess5");
    assertThat(b.connect("st-sess5", s5, x -> x.cleanStart(false).sessionExpiryInterval(300)).isSessionPresent()).isFalse();
    assertThat(b.publish1(topic("st-sess5"), step("st-sess5", T0 + 121, 1))).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    b.client.disconnect().get(10, TimeUnit.SECONDS);
    assertThat(b.connect("st-sess5", s5, x -> x.cleanStart(false).sessionExpiryInterval(300)).isSessionPresent()).isTrue();
    b.client.disconnect().get(10, TimeUnit.SECONDS);
    assertThat(b.connect("st-sess5", s5, x -> x.cleanStart(true).sessionExpiryInterval(300)).isSessionPresent()).isFalse();
    b.client.disconnect().get(10, TimeUnit.SECONDS);
    gw.flush();
    assertThat(times(stepRows(gw, "st-sess3"))).containsExactly(T0 + 120);
    assertThat(times(stepRows(gw, "st-sess5"))).containsExactly(T0 + 121);
  }

  @Test
  void mqtt5SessionWithoutExpiryIntervalEndsWithTheConnection() throws Exception {
    // MQTT 5 §3.1.2.11.2: Session Expiry Interval absent or 0 = the session ends when the connection closes,
    // so the next CONNACK must say Session Present = 0 (§3.2.2.1.1).
    String s = SECRETS.get("st-sess0");
    V5 c = new V5(gw, "sess0");
    assertThat(c.connect("st-sess0", s, x -> x.cleanStart(false).sessionExpiryInterval(0)).isSessionPresent()).isFalse();
    c.client.disconnect().get(10, TimeUnit.SECONDS);
    assertThat(c.connect("st-sess0", s, x -> x.cleanStart(false).sessionExpiryInterval(0)).isSessionPresent()).isFalse();
  }

  @Test
  void mqtt5ServerKeepAliveCapsWhatTheClientAsks() throws Exception {
    String s = SECRETS.get("st-ka");
    V5 c = new V5(gw, "ka");
    assertThat(c.connect("st-ka", s, x -> x.keepAlive(60)).getServerKeepAlive()).isEmpty();
    c.client.disconnect().get(10, TimeUnit.SECONDS);
    assertThat(c.connect("st-ka", s, x -> x.keepAlive(3600)).getServerKeepAlive()).hasValue(300);
    c.client.disconnect().get(10, TimeUnit.SECONDS);
    assertThat(c.connect("st-ka", s, x -> x.noKeepAlive()).getServerKeepAlive()).hasValue(300);
  }

  // ---------------------------------------------------------------- metrics

  @Test
  void metricsCountRejectionsByReasonAndConnectedDevices() throws Exception {
    String s = SECRETS.get("st-metrics");
    await().untilAsserted(() -> assertThat(Wire.metric(Wire.scrape(gw), "stedi_mqtt_connected_devices", Map.of()))
        .as("no device of an earlier test still connected").isEqualTo(0.0));
    String before = Wire.scrape(gw);

    refused5(new V5(gw, "m-bad-secret"), "st-metrics", "nope");
    refused3(new V3(gw, "m-unknown"), "st-unknown-metrics", s);
    V5 c = new V5(gw, "m-1");
    c.connect("st-metrics", s);
    V3 c3 = new V3(gw, "m-2");
    c3.connect("st-metrics", s, true);
    assertThat(c.publish1(topic("st-someone"), step("st-someone", T0 + 130, 1))).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
    assertThat(c.publish1(topic("st-metrics"), "nope")).isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(c.publish1(topic("st-metrics"), "{\"serialNumber\":\"st-metrics\"}")).isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(c.publish1(topic("st-metrics"), "[" + step("st-metrics", T0 + 131, 1) + "," + step("st-metrics", T0 + 132, 1)
        + "]")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);

    String during = Wire.scrape(gw);
    assertThat(Wire.metric(during, "stedi_mqtt_connected_devices", Map.of())).isEqualTo(2.0);
    Map<String, Double> delta = new java.util.TreeMap<>();
    for (String reason : List.of("unauthenticated", "forbidden", "malformed_json", "missing_field", "wrong_type")) {
      Map<String, String> l = Map.of("protocol", "mqtt", "reason", reason);
      delta.put(reason, Wire.metric(during, "stedi_readings_rejected_total", l)
          - Wire.metric(before, "stedi_readings_rejected_total", l));
    }
    assertThat(delta).containsExactlyInAnyOrderEntriesOf(Map.of("unauthenticated", 2.0, "forbidden", 1.0,
        "malformed_json", 1.0, "missing_field", 1.0, "wrong_type", 0.0));
    Map<String, String> mqtt = Map.of("protocol", "mqtt");
    assertThat(Wire.metric(during, "stedi_readings_received_total", mqtt)
        - Wire.metric(before, "stedi_readings_received_total", mqtt)).isEqualTo(4.0); // 2 bad + 2 good
    assertThat(Wire.metric(during, "stedi_readings_acknowledged_total", mqtt)
        - Wire.metric(before, "stedi_readings_acknowledged_total", mqtt)).isEqualTo(2.0);
    assertThat(Wire.hasMetric(during, "stedi_wal_bytes")).isTrue();

    c.close();
    c3.close();
    await().untilAsserted(() -> assertThat(Wire.metric(Wire.scrape(gw), "stedi_mqtt_connected_devices", Map.of()))
        .isEqualTo(0.0));
  }
}
