package io.stedi.lakehouse.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.gateway.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /status.json} over the wire: its numbers are the metrics', and it names nobody. */
class StatusPageIT {
  private static final String EMAIL = "status.person@test.com";

  @TempDir
  Path home;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void aClientAskingForAnH2cUpgradeGetsEveryMetricOverHttp11() throws Exception {
    // The JDK client by default sends "Upgrade: h2c" on plain http. RFC 9113 section 3.1 dropped that upgrade (a
    // server may ignore it, RFC 9110 section 7.8), and Vert.x's h2c answer to it failed this client every few
    // requests on a /metrics page of 16 KB ("EOF reached while reading", or no answer at all): the plain
    // loopback listener speaks HTTP/1.1 only; HTTP/2 is for TLS with ALPN (TlsIT).
    HttpClient upgrading = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try (GatewayFixture gw = GatewayFixture.start(home, Map.of())) {
      String expected = Wire.scrape(gw);
      assertThat(expected.length()).as("every protocol's latency histogram is on the page").isGreaterThan(8_000);
      for (int i = 0; i < 30; i++) {
        HttpResponse<String> r = upgrading.send(HttpRequest.newBuilder(URI.create(base(gw) + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(r.body()).contains("stedi_wal_max_bytes").hasSizeGreaterThan(8_000);
      }
    }
  }

  @Test
  void theStatusCountsWhatTheMetricsCountAndNamesNobody() throws Exception {
    try (GatewayFixture gw = GatewayFixture.start(home, Map.of())) {
      String token = gw.credentials().createToken("status-app", EMAIL);
      StringBuilder batch = new StringBuilder("[");
      for (int i = 0; i < 25; i++) {
        batch.append(i == 0 ? "" : ",").append("{\"user\":\"").append(EMAIL).append("\",\"timestamp\":")
            .append(Wire.T0 + i).append(",\"x\":1,\"y\":2,\"z\":3}");
      }
      HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base(gw) + "/v1/accelerometer"))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(batch.append("]").toString())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(posted.statusCode()).isEqualTo(202);
      HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(base(gw) + "/v1/accelerometer"))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("[{\"user\":\"" + EMAIL + "\"}]")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(422);
      gw.flush();

      HttpResponse<String> r = Wire.get(http, base(gw) + "/status.json");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
      JsonObject s = new JsonObject(r.body());
      String metrics = Wire.scrape(gw);
      assertThat(s.getJsonObject("acknowledged").getLong("https")).isEqualTo(25L)
          .isEqualTo((long) Wire.metric(metrics, "stedi_readings_acknowledged_total", Map.of("protocol", "https")));
      assertThat(s.getJsonObject("ack_latency").getJsonObject("https").getLong("count")).isEqualTo(
          (long) Wire.metric(metrics, "stedi_ack_latency_seconds_count", Map.of("protocol", "https")));
      assertThat(s.getJsonObject("rejected_by_reason").getLong("missing_field")).isEqualTo(1L);
      assertThat(s.getJsonObject("wal").getLong("max_bytes")).isEqualTo(
          (long) Wire.metric(metrics, "stedi_wal_max_bytes", Map.of()));
      assertThat(s.getJsonObject("commits").getLong("total")).isPositive();
      assertThat(s.getJsonObject("commits").getJsonArray("recent")).isNotEmpty();
      assertThat(s.getJsonObject("catalog").getString("status")).isEqualTo("UP");
      assertThat(r.body()).doesNotContain(EMAIL).doesNotContain(token).doesNotContain("status-app");

      HttpResponse<String> page = Wire.get(http, base(gw) + "/status");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
          csp -> assertThat(csp).contains("default-src 'none'", "connect-src 'self'"));
      // nothing is loaded from elsewhere (the SVG namespace URI is a name, not a request)
      assertThat(page.body()).contains("fetch(\"/status.json\"").doesNotContainPattern("(src|href)=\"(https?:)?//")
          .doesNotContainPattern("fetch\\(\"https?:");
    }
  }

  private static String base(GatewayFixture gw) {
    return "http://127.0.0.1:" + gw.httpPort();
  }
}
