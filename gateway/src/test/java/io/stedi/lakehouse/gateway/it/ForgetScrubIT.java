package io.stedi.lakehouse.gateway.it;

import static io.stedi.lakehouse.gateway.it.Wire.T0;
import static io.stedi.lakehouse.gateway.it.Wire.step;
import static io.stedi.lakehouse.gateway.it.Wire.topic;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.erasure.ErasureKey;
import io.stedi.lakehouse.erasure.ErasureReceiptTable;
import io.stedi.lakehouse.erasure.IdentityKind;
import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's own copies of a forgotten person: once a forget request is in stedi.erasure_receipts, the gateway
 * deletes their tokens and device record from the credentials file and leaves no write-ahead log segment holding
 * their readings. A raw, case-insensitive byte scan of the gateway's files (everything under the home but the
 * warehouse and the catalog, which {@code forget} itself erases) finds neither the email nor the serial.
 */
class ForgetScrubIT {
  private static final Map<String, String> CFG = Map.of("gateway.erasure.refresh", "200ms");
  private static final String CAROL = "Carol.Crane@test.com";
  private static final String SERIAL = "carol-st-0001";

  @TempDir
  static Path tmp;

  private static Path home;
  private static GatewayFixture gw;
  private static Catalog catalog;
  private static String secret;
  private static String carolToken;
  private static String otherToken;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    home = tmp.resolve("home");
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, CFG).credentialsFile());
    secret = creds.addDevice(SERIAL);
    creds.pairDevices(List.of(SERIAL), CAROL);
    creds.addDevice("other-st-1");
    carolToken = creds.createToken("carol-phone", CAROL);
    otherToken = creds.createToken("dave-phone", "dave@test.com");
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

  private HttpResponse<String> post(String token, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.httpPort() + path))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").header("Idempotency-Key", UUID.randomUUID().toString())
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** What bin/stedi forget writes first: a pending receipt with the keyed hashes of the email and its serials. */
  private static void forget() {
    ErasureKey key = ErasureKey.resolve(gw.config().lakehouse(), catalog);
    Table t = ErasureReceiptTable.ensure(catalog, 5, key);
    String email = key.hash(IdentityKind.EMAIL, CAROL);
    String serial = key.hash(IdentityKind.SERIAL, SERIAL);
    ErasureReceiptTable.appendPending(t, new ErasureReceiptTable.PendingReceipt(UUID.randomUUID().toString(),
        Instant.now(), IdentityKind.EMAIL, email, Set.of(email), Set.of(serial)));
  }

  /** Files of the gateway under the home that contain {@code needle}, case-insensitively. */
  private static List<Path> holding(String needle) {
    byte[] n = needle.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
    Path warehouse = home.resolve("warehouse");
    try (Stream<Path> files = Files.walk(home)) {
      return files.filter(Files::isRegularFile).filter(p -> !p.startsWith(warehouse))
          .filter(p -> !p.getFileName().toString().endsWith(".db")).filter(p -> contains(p, n)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean contains(Path p, byte[] needle) {
    try {
      byte[] b = Files.readAllBytes(p);
      outer:
      for (int i = 0; i + needle.length <= b.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (Character.toLowerCase((char) (b[i + j] & 0xFF)) != needle[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    } catch (IOException e) {
      return false; // deleted while scanning (a segment being truncated)
    }
  }

  @Test
  void afterAForgetNeitherCredentialsNorTheLogHoldTheEmailOrTheSerial() throws Exception {
    assertThat(post(carolToken, "/v1/customers", "{\"customerName\":\"Carol Crane\",\"email\":\"" + CAROL
        + "\",\"serialNumber\":\"" + SERIAL + "\",\"registrationDate\":" + T0 + ",\"shareWithResearchAsOfDate\":" + T0
        + "}").statusCode()).isEqualTo(202);
    assertThat(post(carolToken, "/v1/accelerometer", "[{\"user\":\"" + CAROL + "\",\"timestamp\":" + T0
        + ",\"x\":1,\"y\":2,\"z\":3}]").statusCode()).isEqualTo(202);
    Mqtt5AsyncClient device = MqttClient.builder().useMqttVersion5().identifier("carol-device").serverHost("127.0.0.1")
        .serverPort(gw.mqttPort()).buildAsync();
    device.connectWith().simpleAuth().username(SERIAL).password(secret.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth().send().get(10, TimeUnit.SECONDS);
    device.publishWith().topic(topic(SERIAL)).qos(MqttQos.AT_LEAST_ONCE)
        .payload(step(SERIAL, T0, 120).getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
    device.disconnect().get(10, TimeUnit.SECONDS);
    assertThat(post(otherToken, "/v1/accelerometer", "[{\"user\":\"dave@test.com\",\"timestamp\":" + T0
        + ",\"x\":1,\"y\":2,\"z\":3}]").statusCode()).isEqualTo(202);
    // before the request the gateway's files do hold her (the log, the credentials): the scan can see her
    assertThat(holding("carol")).isNotEmpty();

    forget();

    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(holding("carol")).as("files holding 'carol'").isEmpty());
    // her old token is gone (a new consent needs a newly issued token); other customers are untouched
    assertThat(post(carolToken, "/v1/accelerometer", "[{\"user\":\"" + CAROL + "\",\"timestamp\":" + (T0 + 1)
        + ",\"x\":1,\"y\":2,\"z\":3}]").statusCode()).isEqualTo(401);
    assertThat(post(otherToken, "/v1/accelerometer", "[{\"user\":\"dave@test.com\",\"timestamp\":" + (T0 + 1)
        + ",\"x\":1,\"y\":2,\"z\":3}]").statusCode()).isEqualTo(202);
    assertThat(new CredentialStore(gw.config().credentialsFile()).deviceCreatedAt("other-st-1")).isNotNull();
    assertThat(holding("dave@test.com")).as("the other customer's token binding stays").isNotEmpty();
  }
}
