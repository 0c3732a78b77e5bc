package io.stedi.lakehouse.sim.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.sim.model.StepReading;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What devices and apps send, for the tests that run the product as in production: Step Trainer readings over MQTT
 * through Debian's {@code mosquitto_pub} (a client the product did not write) and app requests over HTTP.
 */
public final class Traffic {
  /** Debian's mosquitto-clients. */
  public static final Path PUB = Path.of("/usr/bin/mosquitto_pub");

  private Traffic() {}

  /** POSTs {@code body} as JSON with the app token {@code token}; {@code idempotencyKey} may be null. */
  public static HttpResponse<String> post(HttpClient http, String base, String path, String token, String body,
      String idempotencyKey) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Publishes {@code n} readings of the Step Trainer {@code serial} (times {@code t0}, {@code t0+100 ms}, ...;
   * distances 40, 41, ...) with QoS 1 through mosquitto_pub ({@code -l}: one message a line), logging to
   * {@code dir/pub-SERIAL.out}; its exit status, 0 once the gateway acknowledged every message.
   */
  public static int publish(Path dir, int port, String serial, String secret, long t0, int n) throws Exception {
    Process p = new ProcessBuilder(PUB.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-u", serial,
        "-P", secret, "-i", serial + "-pub", "-q", "1", "-t", "stedi/step-trainer/" + serial + "/readings", "-l")
        .redirectErrorStream(true).redirectOutput(dir.resolve("pub-" + serial + ".out").toFile()).start();
    try (var in = p.getOutputStream()) {
      for (int i = 0; i < n; i++) {
        in.write((new StepReading(t0 + i * 100L, serial, 40 + i).toJson() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }
}
