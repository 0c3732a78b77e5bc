package io.stedi.lakehouse.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.table.Zone;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials made by another process (what {@code bin/stedi devices add} and {@code tokens create} are) work
 * the moment they exist. The gateway's periodic re-read is set to an hour here, so only the re-read a failed
 * check makes can let them in.
 */
class NewCredentialsIT {
  private static final String PUB = "/usr/bin/mosquitto_pub";

  @TempDir
  Path home;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static GatewayFixture gateway(Path home) throws Exception {
    return GatewayFixture.start(home, Map.of("gateway.credentials.refresh", "1h"));
  }

  /** The CLI's view of the same file: a separate store, as a separate process would have. */
  private static CredentialStore cli(GatewayFixture gw) {
    return new CredentialStore(gw.config().credentialsFile());
  }

  @Test
  void aDeviceAddedWhileTheGatewayRunsConnectsAtOnce() throws Exception {
    assumeTrue(new File(PUB).canExecute(), "mosquitto-clients is not installed");
    try (GatewayFixture gw = gateway(home)) {
      String secret = cli(gw).addDevice("st-1");
      Process p = new ProcessBuilder(PUB, "-h", "127.0.0.1", "-p", Integer.toString(gw.mqttPort()), "-u", "st-1",
          "-P", secret, "-q", "1", "-V", "mqttv311", "-t", Wire.topic("st-1"), "-m", Wire.step("st-1", Wire.T0, 218))
          .redirectErrorStream(true).start();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
      gw.flush();
      assertThat(gw.rows(Zone.STEP_TRAINER)).hasSize(1);

      // a new secret for a known device (devices add again) works at once too, and the old one no longer does
      String renewed = cli(gw).addDevice("st-1");
      assertThat(gw.credentials().authenticateDevice("st-1", renewed)).isTrue();
      assertThat(gw.credentials().authenticateDevice("st-1", secret)).isFalse();
    }
  }

  @Test
  void aTokenCreatedWhileTheGatewayRunsIsAcceptedAtOnce() throws Exception {
    try (GatewayFixture gw = gateway(home)) {
      String token = cli(gw).createToken("fresh", "fresh.user@test.com");
      String body = "[{\"user\":\"fresh.user@test.com\",\"timestamp\":" + Wire.T0 + ",\"x\":1,\"y\":2,\"z\":3}]";
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + gw.httpPort() + "/v1/accelerometer"))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }
  }
}
