package io.stedi.lakehouse.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.gateway.ingest.ReadingBatch;
import io.stedi.lakehouse.gateway.ingest.ReadingBatchPropertiesTest;
import io.stedi.lakehouse.gateway.ingest.ReadingBatchPropertiesTest.Payload;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.types.Types;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Hostile payloads over the wire (QuickTheories-generated; the generators of {@link ReadingBatchPropertiesTest}):
 * random bytes, deep nesting, huge numbers, wrong types, mixed valid and invalid arrays, unicode, broken syntax.
 * Over HTTP (java.net.http) and MQTT 5 QoS 1 (HiveMQ client): the gateway stays up and healthy, each payload
 * gets the verdict the parser predicts, a rejected batch writes no landing row (the landing tables hold exactly
 * the rows of the accepted payloads), and every rejection is a stedi.quarantine row with its reason.
 */
class HostilePayloadsIT {
  private static final int EXAMPLES = Integer.getInteger("stedi.hostile.examples", 200);
  private static final String SERIAL = "st-1";
  private static final String EMAIL = "a@test.com";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  static Path home;

  private static GatewayFixture gw;
  private static String serviceToken;
  private static String boundToken;
  private static String deviceSecret;

  @BeforeAll
  static void start() throws Exception {
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, Map.of()).credentialsFile());
    serviceToken = creds.createToken("hostile-service", null);
    boundToken = creds.createToken("hostile-app", EMAIL);
    deviceSecret = creds.addDevice(SERIAL);
    gw = GatewayFixture.start(home, Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
      gw = null;
    }
  }

  /** One HTTP example: endpoint, which token, the payload, and whether to send an Idempotency-Key. */
  record HttpCase(Zone zone, boolean bound, boolean idempotencyKey, Payload payload) {}

  @Test
  void httpSurvivesHostilePayloadsAndStoresExactlyTheAcceptedBatches() throws Exception {
    Map<String, Integer> accelBefore = landing(Zone.ACCELEROMETER);
    Map<String, Integer> customerBefore = landing(Zone.CUSTOMER);
    Map<String, Integer> expectedAccel = new TreeMap<>(accelBefore);
    Map<String, Integer> expectedCustomers = new TreeMap<>(customerBefore);
    Map<String, Integer> expectedQuarantine = new TreeMap<>();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger rejected = new AtomicInteger();
    Map<String, String> origins = new TreeMap<>(); // landing row → the request that stored it (for failure reports)

    Gen<Zone> zones = Generate.frequency(List.of(org.quicktheories.api.Pair.of(3, Generate.constant(Zone.ACCELEROMETER)),
        org.quicktheories.api.Pair.of(1, Generate.constant(Zone.CUSTOMER))));
    Gen<HttpCase> cases = zones.flatMap(z -> booleans().all().zip(booleans().all(), ReadingBatchPropertiesTest.hostile(z,
        1000), (bound, key, p) -> new HttpCase(z, bound, key, p)));

    qt().withExamples(EXAMPLES).withShrinkCycles(20).forAll(cases).checkAssert(c -> {
      boolean accel = c.zone() == Zone.ACCELEROMETER;
      Function<LandingRow, Rejection> identity = c.bound() ? ReadingBatchPropertiesTest.identity(c.zone()) : row -> null;
      ReadingBatch predicted = ReadingBatch.parse(c.zone(), c.payload().bytes(), !accel, accel, accel ? 1000 : 1, identity);
      HttpRequest.Builder b = HttpRequest.newBuilder(uri(accel ? "/v1/accelerometer" : "/v1/customers"))
          .timeout(Duration.ofSeconds(30))
          .header("Authorization", "Bearer " + (c.bound() ? boundToken : serviceToken))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(c.payload().bytes()));
      if (c.idempotencyKey()) {
        b.header("Idempotency-Key", "hostile-" + UUID.randomUUID());
      }
      HttpResponse<String> r = call(() -> HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
      JsonNode body = call(() -> JSON.readTree(r.body()));
      int n = sent.incrementAndGet();
      if (predicted.ok()) {
        assertThat(r.statusCode()).as("%s: %s", c, r.body()).isEqualTo(202);
        assertThat(body.path("accepted").asInt()).isEqualTo(predicted.rows().size());
        predicted.rows().forEach(row -> {
          (accel ? expectedAccel : expectedCustomers).merge(key(row), 1, Integer::sum);
          origins.put(key(row), c + " -> " + r.statusCode() + " " + r.body() + " " + r.headers().map());
        });
      } else {
        int expectedStatus = predicted.forbidden() ? 403
            : predicted.firstRejection().code() == ErrorCode.PAYLOAD_TOO_LARGE ? 413
            : predicted.firstRejection().code() == ErrorCode.MALFORMED_JSON
                || predicted.firstRejection().code() == ErrorCode.BAD_REQUEST ? 400 : 422;
        assertThat(r.statusCode()).as("%s: %s", c, r.body()).isEqualTo(expectedStatus);
        assertThat(body.path("error").isTextual()).isTrue();
        assertThat(body.path("message").asText()).isNotBlank();
        expectedQuarantine.merge(c.zone().cliName() + " " + predicted.firstRejection().code().code(), 1, Integer::sum);
        rejected.incrementAndGet();
      }
      if (n % 50 == 0) {
        assertHealthy();
      }
    });
    assertHealthy();
    assertThat(sent.get()).as("examples sent (QuickTheories skips repeats)").isGreaterThan(EXAMPLES / 2);
    assertThat(rejected.get()).as("some payloads are rejected").isPositive().isLessThan(sent.get());

    // every rejection becomes one quarantine row (stored asynchronously: wait for it)
    Awaitility.await("quarantine rows of the HTTP rejections").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200)).until(() -> {
          gw.flush();
          return quarantine("client hostile-service", "client hostile-app").values().stream().mapToInt(i -> i).sum()
              >= rejected.get();
        });
    gw.flush();
    assertThat(quarantine("client hostile-service", "client hostile-app")).as("quarantine rows by zone and reason")
        .isEqualTo(expectedQuarantine);
    // no partial batch: the landing tables hold exactly the rows of the accepted requests
    Map<String, Integer> accelAfter = landing(Zone.ACCELEROMETER);
    Map<String, Integer> customerAfter = landing(Zone.CUSTOMER);
    assertThat(count(accelAfter) - count(accelBefore) + count(customerAfter) - count(customerBefore))
        .as("landing rows written").isEqualTo(count(expectedAccel) - count(accelBefore)
            + count(expectedCustomers) - count(customerBefore));
    assertThat(accelAfter).as("accelerometer rows; missing ones came from %s", missing(expectedAccel, accelAfter, origins))
        .isEqualTo(expectedAccel);
    assertThat(customerAfter).as("customer rows; missing ones came from %s", missing(expectedCustomers, customerAfter,
        origins)).isEqualTo(expectedCustomers);
    System.out.printf("HostilePayloadsIT HTTP: %d requests, %d rejected %s, %d landing rows written%n", sent.get(),
        rejected.get(), expectedQuarantine, count(accelAfter) - count(accelBefore) + count(customerAfter)
            - count(customerBefore));
  }

  @Test
  void mqttSurvivesHostilePayloadsAndStoresExactlyTheAcceptedMessages() throws Exception {
    Map<String, Integer> before = landing(Zone.STEP_TRAINER);
    Map<String, Integer> expected = new TreeMap<>(before);
    Map<String, Integer> expectedQuarantine = new TreeMap<>();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger rejected = new AtomicInteger();
    Function<LandingRow, Rejection> identity = row -> SERIAL.equals(row.get("serialNumber")) ? null
        : new Rejection(ErrorCode.FORBIDDEN, "serialNumber", "not this device's");

    Mqtt5AsyncClient device = MqttClient.builder().useMqttVersion5().identifier("hostile-" + UUID.randomUUID())
        .serverHost("127.0.0.1").serverPort(gw.mqttPort()).simpleAuth().username(SERIAL)
        .password(deviceSecret.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().buildAsync();
    device.connect().get(10, TimeUnit.SECONDS);
    try {
      qt().withExamples(EXAMPLES).withShrinkCycles(20).forAll(ReadingBatchPropertiesTest.hostile(Zone.STEP_TRAINER, 10_000))
          .checkAssert(p -> {
            ReadingBatch predicted = ReadingBatch.parse(Zone.STEP_TRAINER, p.bytes(), true, true, 10_000, identity);
            Mqtt5PubAckReasonCode reason = pubAck(device, p.bytes());
            int n = sent.incrementAndGet();
            if (predicted.ok()) {
              assertThat(reason).as("%s", p).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
              predicted.rows().forEach(row -> expected.merge(key(row), 1, Integer::sum));
            } else {
              assertThat(reason).as("%s", p).isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
              expectedQuarantine.merge(Zone.STEP_TRAINER.cliName() + " " + predicted.firstRejection().code().code(), 1,
                  Integer::sum);
              rejected.incrementAndGet();
            }
            assertThat(device.getState().isConnected()).as("still connected after %s", p).isTrue();
            if (n % 50 == 0) {
              assertHealthy();
            }
          });
    } finally {
      device.disconnect().get(10, TimeUnit.SECONDS);
    }
    assertHealthy();
    assertThat(sent.get()).as("examples sent (QuickTheories skips repeats)").isGreaterThan(EXAMPLES / 2);
    assertThat(rejected.get()).as("some messages are rejected").isPositive().isLessThan(sent.get());

    Awaitility.await("quarantine rows of the MQTT rejections").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200)).until(() -> {
          gw.flush();
          return quarantine("device " + SERIAL).values().stream().mapToInt(i -> i).sum() >= rejected.get();
        });
    gw.flush();
    assertThat(quarantine("device " + SERIAL)).as("quarantine rows by zone and reason").isEqualTo(expectedQuarantine);
    Map<String, Integer> after = landing(Zone.STEP_TRAINER);
    assertThat(count(after) - count(before)).as("landing rows written").isEqualTo(count(expected) - count(before));
    assertThat(after).isEqualTo(expected);
    System.out.printf("HostilePayloadsIT MQTT: %d messages, %d rejected %s, %d landing rows written%n", sent.get(),
        rejected.get(), expectedQuarantine, count(after) - count(before));
  }

  /**
   * JSON may escape an unpaired UTF-16 surrogate ({@code "\\ud800"}, RFC 8259 §8.2), which is not Unicode and which
   * Parquet's UTF-8 strings cannot hold. The gateway must refuse such a value (bad input, quarantined) rather than
   * acknowledge it and store something else.
   */
  @Test
  void aStringThatIsNotValidUnicodeIsRejectedOrStoredUnchanged() throws Exception {
    String customer = "{\"customerName\":\"Broken \\ud800 Name\",\"email\":\"surrogate@test.com\","
        + "\"serialNumber\":\"st-surrogate\",\"registrationDate\":1655564376361}";
    String accel = "[{\"user\":\"\\udc00x@test.com\",\"timestamp\":1655564376377,\"x\":1,\"y\":2,\"z\":3}]";
    List<String> problems = new ArrayList<>();
    for (String[] c : List.of(new String[] {"/v1/customers", customer, "customerName", "Broken \uD800 Name"},
        new String[] {"/v1/accelerometer", accel, "user", "\uDC00x@test.com"})) {
      HttpResponse<String> r = call(() -> HTTP.send(HttpRequest.newBuilder(uri(c[0]))
          .header("Authorization", "Bearer " + serviceToken).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(c[1])).build(), HttpResponse.BodyHandlers.ofString()));
      if (r.statusCode() == 202) {
        gw.flush();
        Zone zone = c[0].endsWith("customers") ? Zone.CUSTOMER : Zone.ACCELEROMETER;
        String stored = gw.rows(zone).stream()
            .filter(row -> zone == Zone.CUSTOMER ? "surrogate@test.com".equals(row.getField("email"))
                : Long.valueOf(1655564376377L).equals(row.getField("timestamp")))
            .map(row -> String.valueOf(row.getField(c[2]))).findFirst().orElse("(no row)");
        if (!stored.equals(c[3])) {
          problems.add(c[0] + " answered 202 for " + c[2] + " " + escape(c[3]) + " but stored " + escape(stored));
        }
      } else {
        assertThat(r.statusCode()).as("%s: %s", c[0], r.body()).isIn(400, 422);
      }
    }
    assertThat(problems).as("acknowledged values must be stored as sent").isEmpty();
  }

  // ---------------------------------------------------------------- helpers

  private static void assertHealthy() {
    for (String path : List.of("/health/live", "/health/ready")) {
      HttpResponse<String> r = call(() -> HTTP.send(HttpRequest.newBuilder(uri(path)).build(),
          HttpResponse.BodyHandlers.ofString()));
      assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
    }
  }

  /** Publishes with QoS 1 and returns the PUBACK's reason code (HiveMQ fails the future on an error code). */
  private static Mqtt5PubAckReasonCode pubAck(Mqtt5AsyncClient device, byte[] payload) {
    try {
      Mqtt5PublishResult r = device.publishWith().topic("stedi/step-trainer/" + SERIAL + "/readings")
          .qos(MqttQos.AT_LEAST_ONCE).payload(payload).send().get(30, TimeUnit.SECONDS);
      assertThat(r).isInstanceOf(Mqtt5PublishResult.Mqtt5Qos1Result.class);
      return ((Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Mqtt5PubAckException) {
        return ((Mqtt5PubAckException) e.getCause()).getMqttMessage().getReasonCode();
      }
      throw new AssertionError("the gateway did not acknowledge: " + e.getCause(), e);
    } catch (Exception e) {
      throw new AssertionError("the gateway did not acknowledge: " + e, e);
    }
  }

  /**
   * The seed columns of an accepted row, as one comparable string, as the table can hold them: an unpaired
   * surrogate (accepted today, see {@link #aStringThatIsNotValidUnicodeIsRejectedOrStoredUnchanged}) becomes '?'
   * in Parquet's UTF-8, so the random comparison here does not fail on that known defect again.
   */
  private static String key(LandingRow row) {
    List<Types.NestedField> cols = LandingTables.schema(row.zone()).columns();
    int n = LandingTables.seedColumns(LandingTables.schema(row.zone()));
    List<String> v = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String text = Objects.toString(row.get(cols.get(i).name()));
      v.add(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    }
    return String.join("|", v);
  }

  private static String key(Zone zone, Record r) {
    List<Types.NestedField> cols = LandingTables.schema(zone).columns();
    int n = LandingTables.seedColumns(LandingTables.schema(zone));
    List<String> v = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      v.add(Objects.toString(r.getField(cols.get(i).name())));
    }
    return String.join("|", v);
  }

  /** The landing rows of a zone as a multiset of their seed columns. */
  private static Map<String, Integer> landing(Zone zone) {
    List<Record> rows;
    try {
      rows = gw.rows(zone);
    } catch (NoSuchTableException notYet) {
      rows = List.of();
    }
    Map<String, Integer> m = new TreeMap<>();
    rows.forEach(r -> m.merge(key(zone, r), 1, Integer::sum));
    return m;
  }

  /** Quarantine rows of these origins as a multiset of "zone reason_code". */
  private static Map<String, Integer> quarantine(String... origins) {
    List<Record> rows;
    try {
      rows = gw.quarantine();
    } catch (NoSuchTableException notYet) {
      rows = List.of();
    }
    List<String> o = List.of(origins);
    return rows.stream().filter(r -> o.contains(String.valueOf(r.getField("origin"))))
        .collect(Collectors.toMap(r -> r.getField("zone") + " " + r.getField("reason_code"), r -> 1, Integer::sum,
            TreeMap::new));
  }

  /** The differences between two multisets of rows, printable (with the requests that stored the expected ones). */
  private static String missing(Map<String, Integer> expected, Map<String, Integer> actual, Map<String, String> origins) {
    StringBuilder b = new StringBuilder();
    expected.forEach((k, n) -> {
      if (!n.equals(actual.get(k))) {
        b.append("\n  expected ").append(n).append(" found ").append(actual.get(k)).append(": ").append(escape(k))
            .append("\n    sent as ").append(escape(String.valueOf(origins.get(k))));
      }
    });
    actual.forEach((k, n) -> {
      if (!expected.containsKey(k)) {
        b.append("\n  unexpected ").append(n).append(": ").append(escape(k));
      }
    });
    return b.toString();
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      b.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return b.toString();
  }

  private static int count(Map<String, Integer> multiset) {
    return multiset.values().stream().mapToInt(i -> i).sum();
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gw.httpPort() + path);
  }

  interface Call<T> {
    T run() throws Exception;
  }

  private static <T> T call(Call<T> c) {
    try {
      return c.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError("the gateway did not answer: " + e, e);
    }
  }
}
