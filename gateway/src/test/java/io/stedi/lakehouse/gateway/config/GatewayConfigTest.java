package io.stedi.lakehouse.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.gateway.cli.GatewayCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The gateway's keys: every default pinned, every validation rule names its key, the README table is current. */
class GatewayConfigTest {
  @TempDir
  Path tmp;

  @Test
  void pinsEveryDefault() {
    GatewayConfig c = GatewayConfig.from(ConfigSources.defaults());
    assertThat(c.get(GatewayConfig.HOST)).isEqualTo("127.0.0.1");
    assertThat(c.get(GatewayConfig.MQTT_PORT)).isEqualTo(1883);
    assertThat(c.get(GatewayConfig.HTTP_PORT)).isEqualTo(8080);
    assertThat(c.get(GatewayConfig.TLS_CERT)).isEmpty();
    assertThat(c.get(GatewayConfig.TLS_KEY)).isEmpty();
    assertThat(c.get(GatewayConfig.MQTT_MAX_MESSAGE_BYTES)).isEqualTo(256 * 1024);
    assertThat(c.get(GatewayConfig.MQTT_MAX_CONNECTIONS_PER_DEVICE)).isEqualTo(2);
    assertThat(c.get(GatewayConfig.MQTT_MAX_KEEP_ALIVE)).isEqualTo(300);
    assertThat(c.get(GatewayConfig.HTTP_MAX_BATCH)).isEqualTo(1000);
    assertThat(c.get(GatewayConfig.HTTP_MAX_BODY_BYTES)).isEqualTo(1L << 20);
    assertThat(c.get(GatewayConfig.HTTP_EVENT_LOOPS)).isZero();
    assertThat(c.get(GatewayConfig.HTTP_IDLE_TIMEOUT)).isEqualTo(java.time.Duration.ofMinutes(2));
    assertThat(c.get(GatewayConfig.IDEMPOTENCY_RETENTION)).isEqualTo(Duration.ofHours(24));
    assertThat(c.get(GatewayConfig.CREDENTIALS_FILE)).isEmpty();
    assertThat(c.get(GatewayConfig.BRIDGE_URL)).isEmpty();
    assertThat(c.get(GatewayConfig.BRIDGE_TOPIC)).isEqualTo("$share/stedi/stedi/step-trainer/+/readings");
    assertThat(c.get(GatewayConfig.BRIDGE_CLIENT_ID)).isEmpty();
    assertThat(c.get(GatewayConfig.BRIDGE_USER)).isEmpty();
    assertThat(c.get(GatewayConfig.BRIDGE_PASSWORD)).isEmpty();
    assertThat(c.get(GatewayConfig.ERASURE_REFRESH)).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.get(GatewayConfig.MQTT_MAX_CONNECTIONS)).isEqualTo(10_000);
    assertThat(c.get(GatewayConfig.MQTT_SESSION_EXPIRY)).isEqualTo(Duration.ofHours(2));
    assertThat(c.get(GatewayConfig.WAL_SHARE_PERCENT)).isEqualTo(10);
    assertThat(c.get(GatewayConfig.WAL_SHARE_THRESHOLD_PERCENT)).isEqualTo(25);
    assertThat(c.get(GatewayConfig.WAL_PACE_THRESHOLD_PERCENT)).isEqualTo(5);
    assertThat(c.get(GatewayConfig.CREDENTIALS_REFRESH)).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.get(GatewayConfig.STATUS_PUBLIC)).isFalse();
    assertThat(GatewayConfig.KEYS).as("a new key needs a pinned default above").hasSize(27);
    assertThat(c.tls()).isFalse();
    assertThat(c.lakehouse().get(LakehouseConfig.INSTANCE_ID)).isEqualTo("writer-1");
  }

  @Test
  void defaultTextsParseToTheDefaults() {
    GatewayConfig c = GatewayConfig.from(ConfigSources.defaults());
    for (ConfigKey<?> k : GatewayConfig.KEYS) {
      assertThat((Object) c.get(k)).as(k.name()).isEqualTo(k.parse(k.defaultText()));
    }
  }

  @Test
  void keyNamesAndEnvironmentNamesAreUniqueAndDocumented() {
    Set<String> names = new HashSet<>();
    Set<String> envs = new HashSet<>();
    for (ConfigKey<?> k : GatewayConfig.allKeys()) {
      assertThat(names.add(k.name())).as("duplicate key %s", k.name()).isTrue();
      assertThat(envs.add(k.envName())).as("duplicate env %s", k.envName()).isTrue();
      assertThat(k.description()).as(k.name()).isNotBlank().endsWith(".");
    }
    for (ConfigKey<?> k : GatewayConfig.KEYS) {
      assertThat(k.name()).startsWith("gateway.");
      assertThat(k.envName()).startsWith("STEDI_GATEWAY_");
    }
    assertThat(GatewayConfig.allKeys()).hasSize(LakehouseConfig.KEYS.size() + GatewayConfig.KEYS.size())
        .containsAll(LakehouseConfig.KEYS).containsAll(GatewayConfig.KEYS);
    assertThat(GatewayConfig.MQTT_PORT.envName()).isEqualTo("STEDI_GATEWAY_MQTT_PORT");
    assertThat(GatewayConfig.MQTT_MAX_CONNECTIONS_PER_DEVICE.envName())
        .isEqualTo("STEDI_GATEWAY_MQTT_MAX_CONNECTIONS_PER_DEVICE");
  }

  @Test
  void portsAcceptTheirRangeAndNameTheKey() {
    for (String ok : List.of("-1", "0", "1", "1883", "65535")) {
      assertThat(over("gateway.mqtt.port", ok).get(GatewayConfig.MQTT_PORT)).isEqualTo(Integer.parseInt(ok));
    }
    for (String bad : List.of("-2", "65536", "100000")) {
      assertThatThrownBy(() -> over("gateway.mqtt.port", bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("gateway.mqtt.port must be -1 (off) or 0..65535");
    }
    for (String ok : List.of("0", "1", "8080", "65535")) {
      assertThat(over("gateway.http.port", ok).get(GatewayConfig.HTTP_PORT)).isEqualTo(Integer.parseInt(ok));
    }
    for (String bad : List.of("-1", "-2", "65536")) {
      assertThatThrownBy(() -> over("gateway.http.port", bad)).hasMessage("gateway.http.port must be 0..65535");
    }
  }

  @Test
  void tlsCertificateAndKeyComeTogether() {
    assertThatThrownBy(() -> over("gateway.tls.cert", "/etc/cert.pem"))
        .hasMessageStartingWith("gateway.tls.key").hasMessageContaining("gateway.tls.cert");
    assertThatThrownBy(() -> over("gateway.tls.key", "/etc/key.pem"))
        .hasMessageStartingWith("gateway.tls.key").hasMessageContaining("gateway.tls.cert");
    GatewayConfig both = over(Map.of("gateway.tls.cert", "/etc/cert.pem", "gateway.tls.key", "/etc/key.pem"));
    assertThat(both.tls()).isTrue();
    assertThat(over("gateway.tls.cert", " ").tls()).as("blank means unset").isFalse();
  }

  /** Plain MQTT and HTTP only on loopback: a network address without TLS refuses to start. */
  @Test
  void aNetworkAddressNeedsTls() {
    for (String host : List.of("0.0.0.0", "10.0.0.5", "::", "gateway.example.com")) {
      assertThatThrownBy(() -> over("gateway.host", host)).as(host).hasMessageStartingWith("gateway.host " + host)
          .hasMessageContaining("TLS");
    }
    for (String host : List.of("127.0.0.1", "127.0.1.1", "localhost", "::1")) {
      assertThat(over("gateway.host", host).get(GatewayConfig.HOST)).isEqualTo(host);
    }
    assertThat(over(Map.of("gateway.host", "0.0.0.0", "gateway.tls.cert", "/etc/cert.pem", "gateway.tls.key",
        "/etc/key.pem")).tls()).isTrue();
  }

  @Test
  void sizesAndLimitsHaveBoundsThatNameTheKey() {
    rule("gateway.mqtt.max-message-bytes", List.of("256", "262144", "268435456"), List.of("0", "255", "268435457"),
        "gateway.mqtt.max-message-bytes must be 256..268435456");
    rule("gateway.mqtt.max-connections-per-device", List.of("1", "2", "1000"), List.of("0", "-1"),
        "gateway.mqtt.max-connections-per-device must be at least 1");
    rule("gateway.mqtt.max-keep-alive-seconds", List.of("1", "300", "65535"), List.of("0", "-5", "65536"),
        "gateway.mqtt.max-keep-alive-seconds must be 1..65535");
    rule("gateway.http.max-batch", List.of("1", "1000", "1000000"), List.of("0", "-1"),
        "gateway.http.max-batch must be at least 1");
    rule("gateway.http.max-body-bytes", List.of("1k", "1024", "1m", "64m"), List.of("1", "1023", "65m", "1g"),
        "gateway.http.max-body-bytes must be 1k..64m");
    rule("gateway.idempotency.retention", List.of("1m", "60s", "24h", "7d"), List.of("59s", "500ms", "0s"),
        "gateway.idempotency.retention must be at least 1m");
    rule("gateway.erasure.refresh", List.of("100ms", "5s", "1h"), List.of("99ms", "0s", "61m"),
        "gateway.erasure.refresh must be 100ms..1h");
    assertThat(over("gateway.http.max-body-bytes", "64m").get(GatewayConfig.HTTP_MAX_BODY_BYTES)).isEqualTo(64L << 20);
    assertThat(over("gateway.idempotency.retention", "7d").get(GatewayConfig.IDEMPOTENCY_RETENTION))
        .isEqualTo(Duration.ofDays(7));
  }

  @Test
  void bridgeUrlMustBeAnMqttUrl() {
    rule("gateway.bridge.url", List.of("mqtt://broker", "mqtt://127.0.0.1:1883", "mqtts://broker.example.com:8883",
        "mqtt://broker:1883/", " "), List.of("http://broker:1883", "mqtt://", "mqtt://broker:port", "broker:1883",
        "mqtt://broker:1883/topic", "tcp://broker:1883"),
        "gateway.bridge.url must look like mqtt://host:1883 or mqtts://host:8883");
  }

  @Test
  void unparsableValuesNameTheKey() {
    assertThatThrownBy(() -> over("gateway.mqtt.port", "mqtt")).hasMessageStartingWith("gateway.mqtt.port: cannot parse");
    assertThatThrownBy(() -> over("gateway.http.port", "")).hasMessageStartingWith("gateway.http.port: cannot parse");
    assertThatThrownBy(() -> over("gateway.http.max-body-bytes", "lots"))
        .hasMessageStartingWith("gateway.http.max-body-bytes: cannot parse");
    assertThatThrownBy(() -> over("gateway.idempotency.retention", "forever"))
        .hasMessageStartingWith("gateway.idempotency.retention: cannot parse");
    assertThatThrownBy(() -> over("gateway.mqtt.max-keep-alive-seconds", "1.5"))
        .hasMessageStartingWith("gateway.mqtt.max-keep-alive-seconds: cannot parse");
    assertThatThrownBy(() -> ConfigSources.of(Map.of("gateway.no-such-key", "1"), Map.of(), null, GatewayConfig.allKeys()))
        .hasMessageContaining("unknown config key 'gateway.no-such-key'");
  }

  @Test
  void writerKeysAreValidatedThroughTheGatewayToo() {
    assertThatThrownBy(() -> over("commit.max-records", "0")).hasMessageStartingWith("commit.max-records must be");
  }

  @Test
  void cliBeatsEnvBeatsFileBeatsDefault() throws Exception {
    Path file = tmp.resolve("stedi.properties");
    Files.writeString(file, "gateway.mqtt.port=1000\ngateway.http.port=1001\ngateway.http.max-batch=7\n");
    Map<String, String> env = Map.of("STEDI_GATEWAY_HTTP_PORT", "2001", "STEDI_GATEWAY_MQTT_PORT", "2000",
        "STEDI_GATEWAY_BRIDGE_PASSWORD", "pw");
    ConfigSources s = ConfigSources.of(Map.of("gateway.mqtt.port", "3000"), env, file, GatewayConfig.allKeys());
    GatewayConfig c = GatewayConfig.from(s);
    assertThat(c.get(GatewayConfig.MQTT_PORT)).isEqualTo(3000);
    assertThat(c.get(GatewayConfig.HTTP_PORT)).isEqualTo(2001);
    assertThat(c.get(GatewayConfig.HTTP_MAX_BATCH)).isEqualTo(7);
    assertThat(c.get(GatewayConfig.BRIDGE_PASSWORD)).isEqualTo("pw");
    assertThat(c.get(GatewayConfig.MQTT_MAX_KEEP_ALIVE)).isEqualTo(300);
    assertThat(s.origin("gateway.mqtt.port")).isEqualTo("cli");
    assertThat(s.origin("gateway.http.port")).isEqualTo("env");
    assertThat(s.origin("gateway.http.max-batch")).isEqualTo("file");
    assertThat(s.origin("gateway.host")).isEqualTo("default");
  }

  @Test
  void derivedLocationsAndIds() {
    GatewayConfig c = over(Map.of("stedi.home", tmp.toString()));
    assertThat(c.credentialsFile()).isEqualTo(tmp.resolve("gateway").resolve("credentials.json"));
    assertThat(c.idempotencyFile()).isEqualTo(tmp.resolve("gateway").resolve("idempotency-writer-1.log"));
    assertThat(c.bridgeClientId()).isEqualTo("stedi-bridge-writer-1");

    GatewayConfig other = over(Map.of("stedi.home", tmp.toString(), "writer.instance-id", "gw-2",
        "gateway.credentials-file", "creds.json", "gateway.bridge.client-id", "bridge-a"));
    assertThat(other.credentialsFile()).isEqualTo(Path.of("creds.json").toAbsolutePath());
    assertThat(other.idempotencyFile()).isEqualTo(tmp.resolve("gateway").resolve("idempotency-gw-2.log"));
    assertThat(other.bridgeClientId()).isEqualTo("bridge-a");
  }

  @Test
  void readmeDocumentsEveryKey() throws Exception {
    String text = Files.readString(Path.of("..", "README.md"));
    for (ConfigKey<?> k : GatewayConfig.KEYS) {
      assertThat(text).as("README documents %s", k.name())
          .contains("| `" + k.name() + "` | `" + k.envName() + "` | `" + k.defaultText() + "` |");
    }
  }

  @Test
  void readmeTableIsWhatConfigTablePrints() throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cl = GatewayCli.commandLine();
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute("gateway", "--config-table")).isZero();
    List<String> generated = out.toString().lines().collect(Collectors.toList());
    assertThat(generated).hasSize(GatewayConfig.KEYS.size() + 2);
    String readme = Files.readString(Path.of("..", "README.md")).replace("\r\n", "\n");
    assertThat(readme).as("README gateway table is stale: run bin/stedi gateway --config-table")
        .contains(String.join("\n", generated) + "\n");
  }

  private void rule(String key, List<String> good, List<String> bad, String message) {
    for (String v : good) {
      assertThatCode(() -> over(key, v)).as("%s=%s is valid", key, v).doesNotThrowAnyException();
    }
    for (String v : bad) {
      assertThatThrownBy(() -> over(key, v)).as("%s=%s is invalid", key, v).isInstanceOf(IllegalArgumentException.class)
          .hasMessage(message);
    }
  }

  private static GatewayConfig over(String key, String value) {
    return over(Map.of(key, value));
  }

  private static GatewayConfig over(Map<String, String> values) {
    return GatewayConfig.from(ConfigSources.defaults().withOverrides(new LinkedHashMap<>(values)));
  }
}
