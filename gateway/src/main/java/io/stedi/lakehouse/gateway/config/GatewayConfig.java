package io.stedi.lakehouse.gateway.config;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gateway's typed configuration: listeners, TLS, limits and bridge mode. The writer's keys
 * ({@link LakehouseConfig}) come from the same sources. {@link #validate()} fails fast naming the key.
 */
public final class GatewayConfig {
  public static final ConfigKey<String> HOST = ConfigKey.string("gateway.host", "127.0.0.1",
      "Address the MQTT and HTTP listeners bind to. Any address other than loopback needs TLS (gateway.tls.cert): "
          + "credentials and personal data never cross a network in the clear.");
  public static final ConfigKey<Integer> MQTT_PORT = ConfigKey.integer("gateway.mqtt.port", "1883",
      "MQTT listener port (MQTT over TLS when gateway.tls.cert is set); 0 picks a free port; -1 disables it.");
  public static final ConfigKey<Integer> HTTP_PORT = ConfigKey.integer("gateway.http.port", "8080",
      "HTTP listener port (HTTPS with HTTP/2 when gateway.tls.cert is set); 0 picks a free port.");
  public static final ConfigKey<String> TLS_CERT = ConfigKey.string("gateway.tls.cert", "",
      "PEM certificate chain; when set, every listener uses TLS.");
  public static final ConfigKey<String> TLS_KEY = ConfigKey.string("gateway.tls.key", "",
      "PEM private key (PKCS#8) of gateway.tls.cert.");
  public static final ConfigKey<Integer> MQTT_MAX_MESSAGE_BYTES = ConfigKey.integer("gateway.mqtt.max-message-bytes",
      "262144", "Largest MQTT message accepted; larger ones close the connection (MQTT 5: reason 0x95).");
  public static final ConfigKey<Integer> MQTT_MAX_CONNECTIONS_PER_DEVICE = ConfigKey.integer(
      "gateway.mqtt.max-connections-per-device", "2", "Concurrent MQTT connections one device may hold.");
  public static final ConfigKey<Integer> MQTT_MAX_CONNECTIONS = ConfigKey.integer("gateway.mqtt.max-connections",
      "10000", "Concurrent MQTT connections the gateway accepts in all; more are refused (MQTT 3.1.1 CONNACK 3, "
          + "MQTT 5 0x89 server busy).");
  public static final ConfigKey<Duration> MQTT_SESSION_EXPIRY = ConfigKey.duration("gateway.mqtt.session-expiry", "2h",
      "Longest a persistent MQTT session (Clean Session 0, MQTT 5 Session Expiry Interval) outlives its connection; "
          + "MQTT 5 devices asking for longer are told this value.");
  public static final ConfigKey<Integer> WAL_SHARE_PERCENT = ConfigKey.integer("gateway.wal.share-percent", "10",
      "While the write-ahead log is above gateway.wal.share-threshold-percent of wal.max-bytes, one device or app "
          + "token may add at most this percent of wal.max-bytes until it drains (HTTP 503, MQTT PUBACK held); "
          + "100 turns shares off.");
  public static final ConfigKey<Integer> WAL_SHARE_THRESHOLD_PERCENT = ConfigKey.integer(
      "gateway.wal.share-threshold-percent", "25", "Write-ahead log fill (percent of wal.max-bytes) above which "
          + "senders are held to gateway.wal.share-percent.");
  public static final ConfigKey<Integer> WAL_PACE_THRESHOLD_PERCENT = ConfigKey.integer(
      "gateway.wal.pace-threshold-percent", "5", "Commit backlog (bytes acknowledged and not committed yet, percent of "
          + "wal.max-bytes) above which acknowledgements of durable data are held back, more the larger the backlog "
          + "(up to 100 ms at gateway.wal.share-threshold-percent), so that senders slow to the rate commits keep up "
          + "with; at or above the share threshold: no pacing.");
  public static final ConfigKey<Integer> MQTT_MAX_KEEP_ALIVE = ConfigKey.integer("gateway.mqtt.max-keep-alive-seconds",
      "300", "Largest keep-alive a device may ask for: MQTT 5 devices asking for more (or 0) are told this value; "
          + "MQTT 3.1.1 devices asking for more or for 0 are refused (CONNACK 2).");
  public static final ConfigKey<Integer> HTTP_MAX_BATCH = ConfigKey.integer("gateway.http.max-batch", "1000",
      "Most readings in one POST /v1/accelerometer.");
  public static final ConfigKey<Integer> HTTP_EVENT_LOOPS = ConfigKey.integer("gateway.http.event-loops", "0",
      "Event loops serving HTTP (each parses, validates and answers its own connections); 0 means one per CPU core.");
  public static final ConfigKey<java.time.Duration> HTTP_IDLE_TIMEOUT = ConfigKey.duration("gateway.http.idle-timeout",
      "2m", "An HTTP connection with no traffic for this long is closed.");
  public static final ConfigKey<Long> HTTP_MAX_BODY_BYTES = ConfigKey.size("gateway.http.max-body-bytes", "1m",
      "Largest HTTP request body; larger ones get 413.");
  public static final ConfigKey<Duration> IDEMPOTENCY_RETENTION = ConfigKey.duration("gateway.idempotency.retention",
      "24h", "How long an Idempotency-Key is remembered.");
  public static final ConfigKey<String> CREDENTIALS_FILE = ConfigKey.string("gateway.credentials-file", "",
      "Device secrets and API tokens (salted hashes only). Empty means <stedi.home>/gateway/credentials.json.");
  public static final ConfigKey<String> BRIDGE_URL = ConfigKey.string("gateway.bridge.url", "",
      "Bridge mode: an external broker to subscribe to (mqtt://host:1883 or mqtts://host:8883). Empty disables it.");
  public static final ConfigKey<String> BRIDGE_TOPIC = ConfigKey.string("gateway.bridge.topic",
      "$share/stedi/stedi/step-trainer/+/readings", "Bridge mode: the (shared) subscription.");
  public static final ConfigKey<String> BRIDGE_CLIENT_ID = ConfigKey.string("gateway.bridge.client-id", "",
      "Bridge mode: MQTT client id. Empty means stedi-bridge-<writer.instance-id>.");
  public static final ConfigKey<String> BRIDGE_USER = ConfigKey.string("gateway.bridge.username", "",
      "Bridge mode: user name at the external broker.");
  public static final ConfigKey<String> BRIDGE_PASSWORD = ConfigKey.string("gateway.bridge.password", "",
      "Bridge mode: password at the external broker (never logged).");

  public static final ConfigKey<Boolean> STATUS_PUBLIC = ConfigKey.bool("gateway.status.public", "false",
      "Serve /status and /status.json (fleet counts, rates, WAL, commits; no personal data) to any client; false: to "
          + "loopback clients only.");
  public static final ConfigKey<Duration> CREDENTIALS_REFRESH = ConfigKey.duration("gateway.credentials.refresh", "1s",
      "How often the gateway re-reads a changed credentials file, so that revocations take effect without a "
          + "restart (new credentials work at once: an unknown name or secret re-reads it, at most 10 times a second).");
  public static final ConfigKey<Duration> ERASURE_REFRESH = ConfigKey.duration("gateway.erasure.refresh", "5s",
      "How often stedi.erasure_receipts is re-read; a forgotten identity is refused at most this long after bin/stedi forget starts.");

  /** Every gateway key, in documentation order. */
  public static final List<ConfigKey<?>> KEYS = List.of(HOST, MQTT_PORT, HTTP_PORT, TLS_CERT, TLS_KEY,
      MQTT_MAX_MESSAGE_BYTES, MQTT_MAX_CONNECTIONS_PER_DEVICE, MQTT_MAX_CONNECTIONS, MQTT_SESSION_EXPIRY,
      MQTT_MAX_KEEP_ALIVE, HTTP_MAX_BATCH, HTTP_EVENT_LOOPS, HTTP_IDLE_TIMEOUT, HTTP_MAX_BODY_BYTES,
      IDEMPOTENCY_RETENTION, CREDENTIALS_FILE, BRIDGE_URL, BRIDGE_TOPIC, BRIDGE_CLIENT_ID, BRIDGE_USER, BRIDGE_PASSWORD,
      CREDENTIALS_REFRESH, STATUS_PUBLIC, ERASURE_REFRESH, WAL_SHARE_PERCENT, WAL_SHARE_THRESHOLD_PERCENT,
      WAL_PACE_THRESHOLD_PERCENT);

  private final Map<ConfigKey<?>, Object> values;
  private final LakehouseConfig lakehouse;

  private GatewayConfig(Map<ConfigKey<?>, Object> values, LakehouseConfig lakehouse) {
    this.values = values;
    this.lakehouse = lakehouse;
  }

  /** Every key the gateway reads: its own and the writer's. */
  public static List<ConfigKey<?>> allKeys() {
    List<ConfigKey<?>> all = new ArrayList<>(LakehouseConfig.KEYS);
    all.addAll(KEYS);
    return all;
  }

  /** Resolves and validates. */
  public static GatewayConfig from(ConfigSources sources) {
    Map<ConfigKey<?>, Object> v = sources.resolve(KEYS);
    GatewayConfig c = new GatewayConfig(v, LakehouseConfig.from(sources));
    c.validate();
    return c;
  }

  public <T> T get(ConfigKey<T> key) {
    return key.type().cast(values.get(key));
  }

  /** The writer's config, from the same sources. */
  public LakehouseConfig lakehouse() {
    return lakehouse;
  }

  /** Fails fast; messages start with the key. */
  public void validate() {
    port(MQTT_PORT, true);
    port(HTTP_PORT, false);
    if (get(TLS_CERT).isBlank() != get(TLS_KEY).isBlank()) {
      throw new IllegalArgumentException("gateway.tls.key and gateway.tls.cert must be set together");
    }
    if (!tls() && !isLoopback(get(HOST))) {
      throw new IllegalArgumentException("gateway.host " + get(HOST) + " is reachable from the network, which needs TLS: "
          + "set gateway.tls.cert and gateway.tls.key (deploy/init/secure-init.sh makes a pair), or bind to 127.0.0.1");
    }
    if (get(MQTT_MAX_MESSAGE_BYTES) < 256 || get(MQTT_MAX_MESSAGE_BYTES) > 256 * 1024 * 1024) {
      throw new IllegalArgumentException("gateway.mqtt.max-message-bytes must be 256..268435456");
    }
    if (get(HTTP_IDLE_TIMEOUT).toSeconds() < 1 || get(HTTP_IDLE_TIMEOUT).toHours() > 24) {
      throw new IllegalArgumentException("gateway.http.idle-timeout must be between 1s and 24h");
    }
    if (get(HTTP_EVENT_LOOPS) < 0 || get(HTTP_EVENT_LOOPS) > 64) {
      throw new IllegalArgumentException("gateway.http.event-loops must be 0..64");
    }
    if (get(MQTT_MAX_CONNECTIONS_PER_DEVICE) < 1) {
      throw new IllegalArgumentException("gateway.mqtt.max-connections-per-device must be at least 1");
    }
    if (get(MQTT_MAX_CONNECTIONS) < 1) {
      throw new IllegalArgumentException("gateway.mqtt.max-connections must be at least 1");
    }
    if (get(MQTT_SESSION_EXPIRY).isNegative() || get(MQTT_SESSION_EXPIRY).toDays() > 30) {
      throw new IllegalArgumentException("gateway.mqtt.session-expiry must be 0s..30d");
    }
    if (get(WAL_SHARE_PERCENT) < 1 || get(WAL_SHARE_PERCENT) > 100) {
      throw new IllegalArgumentException("gateway.wal.share-percent must be 1..100");
    }
    if (get(WAL_PACE_THRESHOLD_PERCENT) < 0 || get(WAL_PACE_THRESHOLD_PERCENT) > 100) {
      throw new IllegalArgumentException("gateway.wal.pace-threshold-percent must be between 0 and 100");
    }
    if (get(WAL_SHARE_THRESHOLD_PERCENT) < 0 || get(WAL_SHARE_THRESHOLD_PERCENT) > 100) {
      throw new IllegalArgumentException("gateway.wal.share-threshold-percent must be 0..100");
    }
    if (get(MQTT_MAX_KEEP_ALIVE) < 1 || get(MQTT_MAX_KEEP_ALIVE) > 65535) {
      throw new IllegalArgumentException("gateway.mqtt.max-keep-alive-seconds must be 1..65535");
    }
    if (get(HTTP_MAX_BATCH) < 1) {
      throw new IllegalArgumentException("gateway.http.max-batch must be at least 1");
    }
    if (get(HTTP_MAX_BODY_BYTES) < 1024 || get(HTTP_MAX_BODY_BYTES) > 64L * 1024 * 1024) {
      throw new IllegalArgumentException("gateway.http.max-body-bytes must be 1k..64m");
    }
    if (get(IDEMPOTENCY_RETENTION).toMinutes() < 1) {
      throw new IllegalArgumentException("gateway.idempotency.retention must be at least 1m");
    }
    if (get(CREDENTIALS_REFRESH).toMillis() < 100 || get(CREDENTIALS_REFRESH).toMillis() > 3_600_000) {
      throw new IllegalArgumentException("gateway.credentials.refresh must be between 100ms and 1h");
    }
    if (get(ERASURE_REFRESH).toMillis() < 100 || get(ERASURE_REFRESH).toMillis() > 3_600_000) {
      throw new IllegalArgumentException("gateway.erasure.refresh must be 100ms..1h");
    }
    String url = get(BRIDGE_URL);
    if (!url.isBlank() && !url.matches("mqtts?://[^:/]+(:\\d+)?/?")) {
      throw new IllegalArgumentException("gateway.bridge.url must look like mqtt://host:1883 or mqtts://host:8883");
    }
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.equals("::1") || host.equals("[::1]") || host.startsWith("127.");
  }

  private void port(ConfigKey<Integer> key, boolean mayDisable) {
    int p = get(key);
    if (p < (mayDisable ? -1 : 0) || p > 65535) {
      throw new IllegalArgumentException(key.name() + " must be " + (mayDisable ? "-1 (off) or " : "") + "0..65535");
    }
  }

  public boolean tls() {
    return !get(TLS_CERT).isBlank();
  }

  /** Where device secrets and tokens are kept. */
  public Path credentialsFile() {
    String f = get(CREDENTIALS_FILE);
    return f.isBlank() ? lakehouse.home().resolve("gateway").resolve("credentials.json") : Path.of(f).toAbsolutePath();
  }

  /** Where Idempotency-Key records are kept once their WAL segment is committed. */
  public Path idempotencyFile() {
    return lakehouse.home().resolve("gateway").resolve("idempotency-" + lakehouse.get(LakehouseConfig.INSTANCE_ID) + ".log");
  }

  /** Where the emails that registered again after being forgotten are kept (hashes only; this gateway only). */
  public Path reregistrationsFile() {
    return lakehouse.home().resolve("gateway").resolve("reregistrations.json");
  }

  /** The bridge's MQTT client id. */
  public String bridgeClientId() {
    String id = get(BRIDGE_CLIENT_ID);
    return id.isBlank() ? "stedi-bridge-" + lakehouse.get(LakehouseConfig.INSTANCE_ID) : id;
  }
}
