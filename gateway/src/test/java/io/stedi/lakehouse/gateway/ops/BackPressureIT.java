package io.stedi.lakehouse.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.table.Zone;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full write-ahead log: HTTP answers 503 with Retry-After, MQTT holds the PUBACK; both recover on their own. */
class BackPressureIT {
  @TempDir
  Path home;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> post(GatewayFixture gw, String token, int batch, int from) throws Exception {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < batch; i++) {
      b.append(i == 0 ? "" : ",").append("{\"user\":\"a@test.com\",\"timestamp\":").append(1_700_000_000_000L + from + i)
          .append(",\"x\":1,\"y\":2,\"z\":3}");
    }
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.httpPort() + "/v1/accelerometer"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(b.append(']').toString())).build(), HttpResponse.BodyHandlers.ofString());
  }

  private int ready(GatewayFixture gw) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.httpPort() + "/health/ready")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void fullLogGives503ThenRecoversWithoutLosingAcknowledgedData() throws Exception {
    Path h = home.resolve("h");
    // one sender fills the whole log here: fair shares (WalSharesIT) off
    Map<String, String> tiny = Map.of("wal.max-bytes", "16k", "wal.segment-bytes", "4k", "commit.interval", "24h",
        "gateway.wal.share-percent", "100");
    String token;
    String secret;
    try (GatewayFixture warm = GatewayFixture.start(h, tiny)) {
      token = warm.credentials().createToken("svc", null);
      secret = warm.credentials().addDevice("st-1");
    }
    try (GatewayFixture gw = GatewayFixture.start(h, tiny)) {
      int accepted = 0;
      HttpResponse<String> r;
      int sent = 0;
      while ((r = post(gw, token, 20, sent)).statusCode() == 202) {
        accepted += 20;
        sent += 20;
        assertThat(sent).isLessThan(10_000);
      }
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).contains("1");
      assertThat(r.body()).contains("\"error\":\"unavailable\"");
      assertThat(ready(gw)).isEqualTo(503);
      // on its way to full, past gateway.wal.pace-threshold-percent (5 % by default), acknowledgements were held back
      String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.httpPort() + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics.lines().filter(l -> l.startsWith("stedi_readings_paced_total{protocol=\"https\"}"))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum())
          .as(metrics).isPositive();

      Mqtt5AsyncClient device = MqttClient.builder().useMqttVersion5().identifier("st-1").serverHost("127.0.0.1")
          .serverPort(gw.mqttPort()).simpleAuth().username("st-1").password(secret.getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth().buildAsync();
      device.connect().get();
      CompletableFuture<Mqtt5PublishResult> puback = device.publishWith().topic("stedi/step-trainer/st-1/readings")
          .qos(MqttQos.AT_LEAST_ONCE).payload(("{\"sensorReadingTime\":1,\"serialNumber\":\"st-1\",\"distanceFromObject\":5}")
              .getBytes(StandardCharsets.UTF_8)).send();
      // held while the log is full: no acknowledgement yet
      Awaitility.await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> !puback.isDone());

      gw.flush(); // commits free the log
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(puback::isDone);
      assertThat(puback.get().getError()).isEmpty();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ready(gw) == 200);
      assertThat(post(gw, token, 20, sent).statusCode()).isEqualTo(202);
      accepted += 20;
      gw.flush();
      assertThat(gw.rows(Zone.ACCELEROMETER)).hasSize(accepted);
      assertThat(gw.rows(Zone.STEP_TRAINER)).hasSize(1);
      device.disconnect().get();
    }
  }
}
