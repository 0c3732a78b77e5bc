package io.stedi.lakehouse.gateway.it;

import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.table.Zone;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.iceberg.data.Record;

/** What the over-the-wire tests share: payload builders, table filters and a Prometheus text parser. */
final class Wire {
  private Wire() {}

  static final long T0 = 1_655_564_444_103L;

  /** The topic a Step Trainer publishes to. */
  static String topic(String serial) {
    return "stedi/step-trainer/" + serial + "/readings";
  }

  /** One step-trainer reading as JSON. */
  static String step(String serial, long time, int distance) {
    return "{\"sensorReadingTime\":" + time + ",\"serialNumber\":\"" + serial + "\",\"distanceFromObject\":" + distance
        + "}";
  }

  /** Step-trainer rows of one device. */
  static List<Record> stepRows(GatewayFixture gw, String serial) {
    return gw.rows(Zone.STEP_TRAINER).stream().filter(r -> serial.equals(r.getField("serialNumber")))
        .collect(Collectors.toList());
  }

  /** Accelerometer rows of one user. */
  static List<Record> accelRows(GatewayFixture gw, String user) {
    return gw.rows(Zone.ACCELEROMETER).stream().filter(r -> user.equals(r.getField("user")))
        .collect(Collectors.toList());
  }

  /** Quarantine rows whose origin is exactly {@code origin}. */
  static List<Record> quarantined(GatewayFixture gw, String origin) {
    return gw.quarantine().stream().filter(r -> origin.equals(r.getField("origin"))).collect(Collectors.toList());
  }

  static HttpResponse<String> get(HttpClient client, String url) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The Prometheus exposition text of {@code /metrics}. */
  static String scrape(GatewayFixture gw) throws IOException, InterruptedException {
    HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> r = get(c, "http://127.0.0.1:" + gw.httpPort() + "/metrics");
    if (r.statusCode() != 200) {
      throw new IllegalStateException("/metrics answered " + r.statusCode());
    }
    return r.body();
  }

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})?\\s+(\\S+)(\\s+\\d+)?$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /**
   * The value of the sample {@code name} whose labels are exactly {@code labels}, or 0 when the series does not
   * exist (a counter that was never incremented is absent).
   */
  static double metric(String text, String name, Map<String, String> labels) {
    Double found = null;
    for (String line : text.split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line.trim());
      if (!m.matches() || !m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> l = new HashMap<>();
      if (m.group(3) != null) {
        Matcher lm = LABEL.matcher(m.group(3));
        while (lm.find()) {
          l.put(lm.group(1), lm.group(2));
        }
      }
      if (Objects.equals(l, labels)) {
        if (found != null) {
          throw new IllegalStateException("two samples " + name + labels);
        }
        found = Double.parseDouble(m.group(4));
      }
    }
    return found == null ? 0.0 : found;
  }

  /** Whether {@code text} holds a sample line for {@code name} (any labels). */
  static boolean hasMetric(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        return true;
      }
    }
    return false;
  }

  static double rejected(GatewayFixture gw, String protocol, String reason) throws IOException, InterruptedException {
    return metric(scrape(gw), "stedi_readings_rejected_total", Map.of("protocol", protocol, "reason", reason));
  }
}
