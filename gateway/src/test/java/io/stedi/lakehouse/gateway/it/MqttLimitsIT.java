package io.stedi.lakehouse.gateway.it;

import static io.stedi.lakehouse.gateway.it.Wire.T0;
import static io.stedi.lakehouse.gateway.it.Wire.step;
import static io.stedi.lakehouse.gateway.it.Wire.topic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import java.io.EOFException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT listener's limits, over a raw socket (a client that does exactly what the bytes say): the keep-alive
 * cap for MQTT 3.1.1, session takeover by the newest CONNECT of a client id, session expiry and the gateway-wide
 * connection cap.
 */
class MqttLimitsIT {
  @TempDir
  static Path tmp;

  private static GatewayFixture gw;
  private static final Map<String, String> SECRETS = new HashMap<>();
  private static final Duration EXPIRY = Duration.ofSeconds(2);

  @BeforeAll
  static void start() throws Exception {
    Path home = tmp.resolve("home");
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, Map.of()).credentialsFile());
    for (String d : List.of("st-ka3", "st-take3", "st-take5", "st-sess3", "st-sess5", "st-cap1", "st-cap2", "st-cap3")) {
      SECRETS.put(d, creds.addDevice(d));
    }
    gw = GatewayFixture.start(home, Map.of("gateway.mqtt.max-keep-alive-seconds", "300",
        "gateway.mqtt.max-connections-per-device", "1", "gateway.mqtt.session-expiry", EXPIRY.toSeconds() + "s"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  /**
   * MQTT 3.1.1 §3.1.2.10: with Keep Alive 0 the server never notices a half-open link; a 3.1.1 server cannot
   * answer with another value (MQTT 5 can, Server Keep Alive). So 0 and values above the cap are refused with
   * CONNACK return code 2, identifier rejected (§3.2.2.3), as mosquitto's max_keepalive does.
   */
  @Test
  void mqtt311KeepAliveZeroOrAboveTheCapIsRefused() throws Exception {
    String s = SECRETS.get("st-ka3");
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("ka-0", "st-ka3", s, true, 0).returnCode()).isEqualTo(2);
    }
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("ka-big", "st-ka3", s, true, 65535).returnCode()).isEqualTo(2);
    }
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("ka-300", "st-ka3", s, true, 300).returnCode()).isZero();
      raw.disconnect();
    }
  }

  /**
   * MQTT 3.1.1 §3.1.4 (MQTT-3.1.4-2): if the client id is already connected, the server disconnects the existing
   * client. Here even with one connection allowed per device: the takeover replaces it instead of being refused.
   */
  @Test
  void mqtt311TheNewestConnectOfAClientIdTakesOver() throws Exception {
    String s = SECRETS.get("st-take3");
    try (RawMqtt311 old = RawMqtt311.open(gw.mqttPort()); RawMqtt311 now = RawMqtt311.open(gw.mqttPort())) {
      assertThat(old.connect("take", "st-take3", s, true).returnCode()).isZero();
      assertThat(now.connect("take", "st-take3", s, true).returnCode()).isZero();
      assertThatThrownBy(old::read).as("the old connection is closed").isInstanceOf(EOFException.class);
      now.publishQos1(topic("st-take3"), 1, false, step("st-take3", T0, 10));
      assertThat(now.readPubAck()).isEqualTo(1);
      now.disconnect();
    }
  }

  /** MQTT 5 §3.1.4 and §3.14.2.1: the existing connection gets DISCONNECT with reason 0x8E, Session taken over. */
  @Test
  void mqtt5TheOldConnectionIsToldItsSessionWasTakenOver() throws Exception {
    String s = SECRETS.get("st-take5");
    try (RawMqtt311 old = RawMqtt311.open5(gw.mqttPort()); RawMqtt311 now = RawMqtt311.open5(gw.mqttPort())) {
      assertThat(old.connect("take5", "st-take5", s, true).returnCode()).isZero();
      assertThat(now.connect("take5", "st-take5", s, true).returnCode()).isZero();
      RawMqtt311.Packet p = old.read();
      assertThat(p.type()).as("DISCONNECT").isEqualTo(14);
      assertThat(p.body()[0] & 0xFF).isEqualTo(0x8E);
      now.publishQos1(topic("st-take5"), 7, false, step("st-take5", T0, 11));
      assertThat(now.readPubAck()).isEqualTo(7);
      now.disconnect();
    }
  }

  /**
   * MQTT 3.1.1 §3.2.2.2: a persistent session (Clean Session 0) is resumed with Session Present 1; the gateway keeps
   * it gateway.mqtt.session-expiry after the connection ends, then it is gone (Session Present 0).
   */
  @Test
  void mqtt311APersistentSessionExpires() throws Exception {
    String s = SECRETS.get("st-sess3");
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("sess3", "st-sess3", s, false).sessionPresent()).isFalse();
      raw.disconnect();
    }
    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("sess3", "st-sess3", s, false).sessionPresent()).as("resumed at once").isTrue();
      raw.disconnect();
    }
    // the first try comes after the expiry: a try that found the session would resume it and restart its clock
    Awaitility.await().pollDelay(EXPIRY.plusMillis(500)).atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
        assertThat(raw.connect("sess3", "st-sess3", s, true).sessionPresent()).as("expired").isFalse();
      }
    });
  }

  /**
   * MQTT 5 §3.2.2.3.2: a client asking for a longer Session Expiry Interval (300 s) than the server keeps is told the
   * server's value in the CONNACK.
   */
  @Test
  void mqtt5ALongerSessionExpiryIsCutToTheServersLimit() throws Exception {
    try (RawMqtt311 raw = RawMqtt311.open5(gw.mqttPort())) {
      RawMqtt311.ConnAck ack = raw.connect("sess5", "st-sess5", SECRETS.get("st-sess5"), false);
      assertThat(ack.returnCode()).isZero();
      assertThat(raw.connAckIntProperty(0x11)).as("Session Expiry Interval").isEqualTo(EXPIRY.toSeconds());
      raw.disconnect();
    }
  }

  /**
   * gateway.mqtt.max-connections bounds connections whoever makes them: the next CONNECT gets MQTT 3.1.1 return code 3,
   * server unavailable (§3.2.2.3), or MQTT 5 reason 0x89, server busy (§3.2.2.2); a slot freed is usable again.
   */
  @Test
  void theGatewayWideConnectionCapRefusesTheNextConnect() throws Exception {
    Path home = tmp.resolve("cap");
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, Map.of()).credentialsFile());
    Map<String, String> secrets = new HashMap<>();
    for (String d : List.of("st-cap1", "st-cap2", "st-cap3")) {
      secrets.put(d, creds.addDevice(d));
    }
    try (GatewayFixture capped = GatewayFixture.start(home, Map.of("gateway.mqtt.max-connections", "2"));
        RawMqtt311 one = RawMqtt311.open(capped.mqttPort()); RawMqtt311 two = RawMqtt311.open(capped.mqttPort())) {
      assertThat(one.connect("c1", "st-cap1", secrets.get("st-cap1"), true).returnCode()).isZero();
      assertThat(two.connect("c2", "st-cap2", secrets.get("st-cap2"), true).returnCode()).isZero();
      try (RawMqtt311 third = RawMqtt311.open(capped.mqttPort())) {
        assertThat(third.connect("c3", "st-cap3", secrets.get("st-cap3"), true).returnCode()).isEqualTo(3);
      }
      try (RawMqtt311 third = RawMqtt311.open5(capped.mqttPort())) {
        assertThat(third.connect("c3", "st-cap3", secrets.get("st-cap3"), true).returnCode()).isEqualTo(0x89);
      }
      two.disconnect();
      Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        try (RawMqtt311 third = RawMqtt311.open(capped.mqttPort())) {
          assertThat(third.connect("c3", "st-cap3", secrets.get("st-cap3"), true).returnCode()).isZero();
        }
      });
      one.disconnect();
    }
  }
}
