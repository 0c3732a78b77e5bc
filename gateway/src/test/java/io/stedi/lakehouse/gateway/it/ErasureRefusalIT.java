package io.stedi.lakehouse.gateway.it;

import static io.stedi.lakehouse.gateway.it.Wire.T0;
import static io.stedi.lakehouse.gateway.it.Wire.accelRows;
import static io.stedi.lakehouse.gateway.it.Wire.step;
import static io.stedi.lakehouse.gateway.it.Wire.stepRows;
import static io.stedi.lakehouse.gateway.it.Wire.topic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.erasure.ErasureKey;
import io.stedi.lakehouse.erasure.ErasureReceiptTable;
import io.stedi.lakehouse.erasure.IdentityKind;
import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.data.Record;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The right to be forgotten at the gateway: once stedi.erasure_receipts holds a request (pending is enough),
 * a forgotten serial cannot connect over MQTT and a forgotten user's readings get 403, quarantined without
 * their content; registering again (devices add, POST /v1/customers) lifts it, also across a restart.
 */
class ErasureRefusalIT {
  private static final Map<String, String> CFG = Map.of("gateway.erasure.refresh", "200ms");
  private static final String GONE_USER = "Gone.User@test.com";

  @TempDir
  static Path tmp;

  private static Path home;
  private static GatewayFixture gw;
  private static Catalog catalog;
  private static CredentialStore creds;
  private static String svc;
  private static final Map<String, String> secrets = new java.util.HashMap<>();

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Mqtt5AsyncClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    home = tmp.resolve("home");
    creds = new CredentialStore(GatewayFixture.config(home, CFG).credentialsFile());
    for (String d : List.of("st-keep", "st-gone")) {
      secrets.put(d, creds.addDevice(d));
    }
    svc = creds.createToken("svc", null);
    gw = GatewayFixture.start(home, CFG);
    catalog = Catalogs.open(gw.config().lakehouse());
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (catalog instanceof AutoCloseable) {
      ((AutoCloseable) catalog).close();
    }
  }

  @AfterEach
  void disconnect() {
    for (Mqtt5AsyncClient c : clients) {
      if (c.getState().isConnected()) {
        c.disconnect();
      }
    }
  }

  private static ConditionFactory await() {
    return Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100));
  }

  /** What bin/stedi forget writes first: a pending receipt with the keyed hashes. */
  private static void forget(IdentityKind kind, String value) {
    forget(gw, catalog, kind, value);
  }

  /** Files a pending erasure request; returns its request time. */
  private static Instant forget(GatewayFixture g, Catalog catalog, IdentityKind kind, String value) {
    ErasureKey key = ErasureKey.resolve(g.config().lakehouse(), catalog);
    Table t = ErasureReceiptTable.ensure(catalog, 5, key);
    String h = key.hash(kind, value);
    Instant at = Instant.now();
    ErasureReceiptTable.appendPending(t, new ErasureReceiptTable.PendingReceipt(UUID.randomUUID().toString(),
        at, kind, h, kind == IdentityKind.EMAIL ? Set.of(h) : Set.of(),
        kind == IdentityKind.SERIAL ? Set.of(h) : Set.of()));
    return at;
  }

  private Mqtt5AsyncClient v5(String id) {
    Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
        .serverPort(gw.mqttPort()).buildAsync();
    clients.add(c);
    return c;
  }

  private void connect5(String clientId, String serial, String secret) throws Exception {
    v5(clientId).connectWith().simpleAuth().username(serial).password(secret.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth().send().get(10, TimeUnit.SECONDS);
  }

  private Mqtt5ConnAckReasonCode refused5(String clientId, String serial, String secret) {
    Throwable t = catchThrowable(() -> connect5(clientId, serial, secret));
    assertThat(t).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(Mqtt5ConnAckException.class);
    return ((Mqtt5ConnAckException) t.getCause()).getMqttMessage().getReasonCode();
  }

  private static Mqtt3ConnAckReturnCode refused3(String clientId, String serial, String secret) {
    Mqtt3AsyncClient c = MqttClient.builder().useMqttVersion3().identifier(clientId).serverHost("127.0.0.1")
        .serverPort(gw.mqttPort()).buildAsync();
    Throwable t = catchThrowable(() -> c.connectWith().simpleAuth().username(serial)
        .password(secret.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send().get(10, TimeUnit.SECONDS));
    assertThat(t).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(Mqtt3ConnAckException.class);
    return ((Mqtt3ConnAckException) t.getCause()).getMqttMessage().getReturnCode();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return post(svc, path, body);
  }

  private HttpResponse<String> post(String token, String path, String body) throws Exception {
    return post(gw, token, path, body, null);
  }

  private HttpResponse<String> post(GatewayFixture g, String token, String path, String body, String idempotencyKey)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + path))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String accel(String user, long time) {
    return "[{\"user\":\"" + user + "\",\"timestamp\":" + time + ",\"x\":1,\"y\":2,\"z\":3}]";
  }

  private static String customer(String email) {
    return "{\"customerName\":\"Gone User\",\"email\":\"" + email + "\",\"serialNumber\":\"st-new\","
        + "\"registrationDate\":" + T0 + ",\"shareWithResearchAsOfDate\":" + T0 + "}";
  }

  @Test
  void aForgottenSerialCannotConnectUntilItIsProvisionedAgain() throws Exception {
    var open = v5("gone-open");
    open.connectWith().simpleAuth().username("st-gone").password(secrets.get("st-gone").getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth().send().get(10, TimeUnit.SECONDS);

    forget(IdentityKind.SERIAL, "ST-GONE"); // any case: serials are compared case-insensitively
    // refused as not authorized; once the gateway has scrubbed its credentials (the device record goes too), as an
    // unknown device
    await().untilAsserted(() -> assertThat(refused5("gone-5", "st-gone", secrets.get("st-gone")))
        .isIn(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    assertThat(refused3("gone-3", "st-gone", secrets.get("st-gone")))
        .isIn(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED, Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD);
    await().untilAsserted(() -> assertThat(new CredentialStore(gw.config().credentialsFile()).deviceCreatedAt("st-gone")).as("device record removed").isNull());
    // a connection opened before the request stores nothing more
    catchThrowable(() -> open.publishWith().topic(topic("st-gone")).qos(MqttQos.AT_LEAST_ONCE)
        .payload(step("st-gone", T0 + 1, 5).getBytes(StandardCharsets.UTF_8)).send().get(5, TimeUnit.SECONDS));
    // other devices are unaffected
    connect5("keep", "st-keep", secrets.get("st-keep"));

    String again = creds.addDevice("st-gone"); // provisioned again after the request: lifted
    // the running gateway re-reads the credentials file within about a second
    await().ignoreExceptions().untilAsserted(() -> connect5("gone-again-" + UUID.randomUUID(), "st-gone", again));
    Mqtt5AsyncClient c = clients.get(clients.size() - 1);
    c.publishWith().topic(topic("st-gone")).qos(MqttQos.AT_LEAST_ONCE)
        .payload(step("st-gone", T0 + 2, 6).getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
    gw.flush();
    assertThat(stepRows(gw, "st-gone")).extracting(r -> r.getField("sensorReadingTime")).containsExactly(T0 + 2);
  }

  @Test
  void aForgottenUsersReadingsGet403UntilTheyRegisterAgainAlsoAfterARestart() throws Exception {
    assertThat(post("/v1/accelerometer", accel(GONE_USER, T0)).statusCode()).isEqualTo(202);
    forget(IdentityKind.EMAIL, GONE_USER);

    await().untilAsserted(() -> assertThat(post("/v1/accelerometer", accel(GONE_USER.toLowerCase(), T0 + 1))
        .statusCode()).isEqualTo(403));
    HttpResponse<String> r = post("/v1/accelerometer", accel(GONE_USER, T0 + 2));
    assertThat(r.statusCode()).isEqualTo(403);
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getString("error")).isEqualTo("forbidden");
    assertThat(body.getJsonArray("details").getJsonObject(0).getString("field")).isEqualTo("user");
    assertThat(post("/v1/accelerometer", accel("someone.else@test.com", T0 + 3)).statusCode()).isEqualTo(202);
    gw.flush();
    // quarantined like other rejections, but without the payload: it would put the erased email back
    List<Record> q = Wire.quarantined(gw, "client svc");
    assertThat(q).isNotEmpty().allSatisfy(row -> {
      assertThat(row.getField("reason_code")).isEqualTo("forbidden");
      assertThat(row.getField("payload")).isNull();
      assertThat(String.valueOf(row.getField("message"))).doesNotContainIgnoringCase(GONE_USER);
    });
    assertThat(accelRows(gw, GONE_USER)).extracting(x -> x.getField("timestamp")).containsExactly(T0);

    // the app's background sync with a token issued before the request does not lift it (no new consent) ...
    assertThat(post("/v1/customers", customer(GONE_USER)).statusCode()).isEqualTo(403);
    // ... registering again with a newly issued token does; the customer record itself is stored
    String fresh = creds.createToken("svc-after", null);
    // (the running gateway re-reads the credentials file within about a second)
    await().untilAsserted(() -> assertThat(post(fresh, "/v1/customers", customer(GONE_USER)).statusCode()).isEqualTo(202));
    assertThat(post("/v1/accelerometer", accel(GONE_USER, T0 + 4)).statusCode()).isEqualTo(202);
    gw.flush();
    assertThat(accelRows(gw, GONE_USER)).extracting(x -> x.getField("timestamp")).containsExactlyInAnyOrder(T0, T0 + 4);
    assertThat(gw.rows(Zone.CUSTOMER)).anyMatch(c -> GONE_USER.equals(c.getField("email")));
    Path lifted = gw.config().reregistrationsFile();
    assertThat(Files.readString(lifted)).doesNotContainIgnoringCase(GONE_USER);

    // the lift survives a restart (kept in the gateway home)
    gw.close();
    gw = GatewayFixture.start(home, CFG);
    assertThat(post("/v1/accelerometer", accel(GONE_USER, T0 + 5)).statusCode()).isEqualTo(202);
  }

  /**
   * The refusal lifts only once the new registration is durable: a registration that could not be stored (the log
   * is full: 503) lifts nothing, and the customer's readings are still refused once the log has room again.
   */
  @Test
  void aRegistrationThatCouldNotBeStoredLiftsNothing() throws Exception {
    Path h = tmp.resolve("full");
    // one sender fills the whole log here: fair shares off
    Map<String, String> tiny = Map.of("wal.max-bytes", "16k", "wal.segment-bytes", "4k", "commit.interval", "24h",
        "gateway.wal.share-percent", "100", "gateway.erasure.refresh", "200ms");
    CredentialStore c = new CredentialStore(GatewayFixture.config(h, tiny).credentialsFile());
    String filler = c.createToken("filler", null);
    String email = "Full.Log@test.com";
    try (GatewayFixture g = GatewayFixture.start(h, tiny)) {
      Catalog cat = Catalogs.open(g.config().lakehouse());
      try {
        Instant at = forget(g, cat, IdentityKind.EMAIL, email);
        // A new request makes the gateway commit its log and delete the committed segments (the scrub). Fill the
        // log only after that, or the scrub would free the room this test needs to be gone.
        String marker = "stedi.writer." + g.config().lakehouse().get(LakehouseConfig.INSTANCE_ID) + ".scrubbed-through";
        await().untilAsserted(() -> assertThat(((SupportsNamespaces) cat).loadNamespaceMetadata(LandingTables.NAMESPACE))
            .hasEntrySatisfying(marker, v -> assertThat(Long.parseLong(v)).isGreaterThanOrEqualTo(at.toEpochMilli())));
      } finally {
        ((AutoCloseable) cat).close();
      }
      await().untilAsserted(() -> assertThat(post(g, filler, "/v1/accelerometer", accel(email, T0), null).statusCode())
          .isEqualTo(403));
      String fresh = c.createToken("after", null); // a new consent's token
      await().untilAsserted(() -> assertThat(post(g, fresh, "/v1/accelerometer", "[]", null).statusCode()).isNotEqualTo(401));
      int sent = 0;
      HttpResponse<String> last;
      while ((last = post(g, filler, "/v1/accelerometer", accel("other@test.com", T0 + 10 + sent), null)).statusCode() == 202) {
        assertThat(++sent).as("the 16k log fills up").isLessThan(10_000);
      }
      assertThat(last.statusCode()).as(last.body()).isEqualTo(503);
      HttpResponse<String> reg = post(g, fresh, "/v1/customers", customer(email), "reg-1");
      assertThat(reg.statusCode()).as(reg.body()).isEqualTo(503);
      assertThat(g.config().reregistrationsFile()).as("no lift recorded").doesNotExist();
      g.flush(); // the log drains
      assertThat(post(g, fresh, "/v1/accelerometer", accel(email, T0 + 1), null).statusCode()).as("still refused")
          .isEqualTo(403);
    }
  }
}
