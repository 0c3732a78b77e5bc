package io.stedi.lakehouse.gateway.it;

import static io.stedi.lakehouse.gateway.it.Wire.T0;
import static io.stedi.lakehouse.gateway.it.Wire.step;
import static io.stedi.lakehouse.gateway.it.Wire.stepRows;
import static io.stedi.lakehouse.gateway.it.Wire.topic;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device belongs to the customer it was paired with ({@code devices add --owner}, {@code devices pair}): another
 * customer's record naming it is refused with 409 and quarantined, so it cannot make that device's readings (or
 * their erasure) theirs. Over the wire: the HiveMQ client for the device, the JDK HTTP client for the app.
 */
class DeviceOwnershipIT {
  private static final String ALICE = "Alice.Archer@test.com";
  private static final String BOB = "Bob.Baker@test.com";
  private static final String SERIAL = "alice-st-0001";

  @TempDir
  static Path tmp;

  private static GatewayFixture gw;
  private static String secret;
  private static String aliceToken;
  private static String bobToken;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path home = tmp.resolve("home");
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, Map.of()).credentialsFile());
    secret = creds.addDevice(SERIAL);
    assertThat(creds.pairDevices(List.of(SERIAL), ALICE)).isEmpty();
    assertThat(creds.pairDevices(List.of("not-registered"), ALICE)).containsExactly("not-registered");
    aliceToken = creds.createToken("alice-phone", ALICE);
    bobToken = creds.createToken("bob-phone", BOB);
    gw = GatewayFixture.start(home, Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  private HttpResponse<String> postCustomer(String token, String email, String serial) throws Exception {
    String body = "{\"customerName\":\"x\",\"email\":\"" + email + "\",\"serialNumber\":\"" + serial
        + "\",\"registrationDate\":" + T0 + ",\"shareWithResearchAsOfDate\":" + T0 + "}";
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.httpPort() + "/v1/customers"))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Mqtt5AsyncClient connectDevice(String clientId) throws Exception {
    Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
        .serverPort(gw.mqttPort()).buildAsync();
    c.connectWith().simpleAuth().username(SERIAL).password(secret.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
        .send().get(10, TimeUnit.SECONDS);
    return c;
  }

  @Test
  void bobCannotClaimAlicesDeviceAndAliceKeepsHerReadingsAndAccess() throws Exception {
    assertThat(postCustomer(aliceToken, ALICE, SERIAL).statusCode()).isEqualTo(202);
    Mqtt5AsyncClient device = connectDevice("alice-device");
    for (int i = 0; i < 5; i++) {
      device.publishWith().topic(topic(SERIAL)).qos(MqttQos.AT_LEAST_ONCE)
          .payload(step(SERIAL, T0 + i, 100 + i).getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
    }
    device.disconnect().get(10, TimeUnit.SECONDS);

    // Bob's own token, his own email, Alice's serial: a conflict with the device's pairing (RFC 9110 §15.5.10)
    HttpResponse<String> bob = postCustomer(bobToken, BOB, SERIAL);
    assertThat(bob.statusCode()).isEqualTo(409);
    JsonObject err = new JsonObject(bob.body());
    assertThat(err.getString("error")).isEqualTo("ownership_conflict");
    assertThat(bob.body()).as("the refusal does not tell Bob whose device it is").doesNotContainIgnoringCase("alice.archer");
    // the same serial in another case or with blanks around it is the same device
    assertThat(postCustomer(bobToken, BOB, SERIAL.toUpperCase()).statusCode()).isEqualTo(409);
    assertThat(postCustomer(bobToken, BOB, " " + SERIAL + " ").statusCode()).isEqualTo(409);

    gw.flush();
    List<Record> customers = gw.rows(Zone.CUSTOMER);
    assertThat(customers).extracting(r -> r.getField("email")).contains(ALICE).doesNotContain(BOB.toLowerCase(), BOB);
    List<Record> quarantined = gw.quarantine().stream()
        .filter(r -> "ownership_conflict".equals(r.getField("reason_code"))).toList();
    assertThat(quarantined).isNotEmpty();
    assertThat(quarantined.get(0).getField("origin")).isEqualTo("client bob-phone");
    assertThat(stepRows(gw, SERIAL)).hasSize(5);
    // Alice's device still connects and stores
    Mqtt5AsyncClient again = connectDevice("alice-device-2");
    again.publishWith().topic(topic(SERIAL)).qos(MqttQos.AT_LEAST_ONCE)
        .payload(step(SERIAL, T0 + 10, 110).getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
    again.disconnect().get(10, TimeUnit.SECONDS);
    gw.flush();
    assertThat(stepRows(gw, SERIAL)).hasSize(6);
  }

  @Test
  void anUnpairedDeviceCanBeNamedAsBeforePairingExisted() throws Exception {
    assertThat(postCustomer(bobToken, BOB, "unpaired-st-9").statusCode()).isEqualTo(202);
  }
}
