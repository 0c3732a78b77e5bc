package io.stedi.lakehouse.gateway.it;

import static io.stedi.lakehouse.gateway.it.Wire.T0;
import static io.stedi.lakehouse.gateway.it.Wire.step;
import static io.stedi.lakehouse.gateway.it.Wire.topic;
import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One sender cannot fill the write-ahead log every sender needs: while the log is above
 * gateway.wal.share-threshold-percent (0 here: always), each device and each app token may add at most
 * gateway.wal.share-percent of wal.max-bytes. The flooding token gets 503 with Retry-After (nothing of that batch
 * stored); another token and a device are still acknowledged.
 */
class WalSharesIT {
  private static final int READINGS = 500;

  @TempDir
  static Path tmp;

  private static GatewayFixture gw;
  private static String flood;
  private static String quiet;
  private static String deviceSecret;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    Path home = tmp.resolve("home");
    // a 1 MiB log, 10 % of it (about 100 KiB of payload, three batches of 500 readings) per sender
    Map<String, String> cfg = Map.of("wal.max-bytes", "1m", "wal.segment-bytes", "64k",
        "gateway.wal.share-percent", "10", "gateway.wal.share-threshold-percent", "0");
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, cfg).credentialsFile());
    flood = creds.createToken("flood", null);
    quiet = creds.createToken("quiet", null);
    deviceSecret = creds.addDevice("st-share");
    gw = GatewayFixture.start(home, cfg);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  private HttpResponse<String> post(String token, long t0) throws Exception {
    StringJoiner b = new StringJoiner(",", "[", "]");
    for (int i = 0; i < READINGS; i++) {
      b.add("{\"user\":\"share@test.com\",\"timestamp\":" + (t0 + i) + ",\"x\":0.25,\"y\":-1.5,\"z\":0.125}");
    }
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.httpPort() + "/v1/accelerometer"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(b.toString())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aFloodingTokenIsHeldToItsShareWhileOthersAreServed() throws Exception {
    int accepted = 0;
    HttpResponse<String> r = null;
    for (int i = 0; i < 20; i++) {
      r = post(flood, T0 + i * 1000L);
      if (r.statusCode() != 202) {
        break;
      }
      accepted++;
    }
    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("unavailable");
    assertThat(new JsonObject(r.body()).getString("message")).contains("share");
    assertThat(accepted).as("batches within the share").isBetween(1, 4);

    HttpResponse<String> other = post(quiet, T0 + 100_000);
    assertThat(other.statusCode()).as("another token has a share of its own: " + other.body()).isEqualTo(202);

    try (RawMqtt311 raw = RawMqtt311.open(gw.mqttPort())) {
      assertThat(raw.connect("share", "st-share", deviceSecret, true).returnCode()).isZero();
      raw.publishQos1(topic("st-share"), 1, false, step("st-share", T0, 40));
      assertThat(raw.readPubAck()).as("a device too").isEqualTo(1);
      raw.disconnect();
    }

    gw.flush();
    // what was acknowledged is stored, what got 503 is not
    assertThat(gw.rows(Zone.ACCELEROMETER)).hasSize((accepted + 1) * READINGS);
    assertThat(Wire.stepRows(gw, "st-share")).hasSize(1);
  }
}
