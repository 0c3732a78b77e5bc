package io.stedi.lakehouse.sim.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The gateway's {@code /status} page in headless Chromium after a small simulated fleet ran against the gateway
 * ({@code bin/stedi gateway} and {@code bin/stedi sim run}, over the wire): the acknowledged counts it shows are
 * the ones {@code /metrics} exports, its charts are drawn and its console is clean.
 */
class StatusPageInBrowserIT {
  private static final Path STEDI = Path.of("..", "bin", "stedi");
  private static final Pattern READY = Pattern.compile("gateway ready: mqtt port (\\d+), http port (\\d+)");

  @TempDir
  Path dir;

  private void stedi(String name, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(STEDI.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name).toFile()).start();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(name + ": " + Files.readString(dir.resolve(name))).isZero();
  }

  @Test
  void theStatusPageShowsWhatTheMetricsCount() throws Exception {
    assumeTrue(Browser.available(), "chromium and chromium-driver are not installed (.ci/run installs them)");
    Path home = dir.resolve("home");
    Path creds = dir.resolve("creds.json");
    stedi("provision.out", "devices", "provision", "--home", home.toString(), "--devices", "3", "--phones", "3",
        "--prefix", "ui", "--out", creds.toString());
    Process gateway = new ProcessBuilder(STEDI.toString(), "gateway", "--home", home.toString(), "--mqtt-port", "0",
        "--http-port", "0").redirectError(dir.resolve("gateway.err").toFile()).start();
    try {
      int[] ports = ports(gateway);
      String http = "http://127.0.0.1:" + ports[1];
      stedi("sim.out", "sim", "run", "--home", home.toString(), "--devices", "3", "--phones", "3", "--rate", "5",
          "--duration", "4s", "--qos", "1", "--mqtt", "mqtt://127.0.0.1:" + ports[0], "--http", http,
          "--credentials", creds.toString(), "--ledger", dir.resolve("ledger.jsonl").toString());
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(http + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      long mqtt = acknowledged(metrics, "mqtt");
      long https = acknowledged(metrics, "https");
      assertThat(mqtt).isPositive();
      assertThat(https).isPositive();
      try (Browser b = new Browser()) {
        b.driver.get(http + "/status");
        await().atMost(Duration.ofSeconds(20)).until(() -> b.driver.findElement(By.tagName("body"))
            .getAttribute("data-loaded") != null);
        assertThat(number(b.driver.findElement(By.cssSelector("td[data-acknowledged='mqtt']")).getText())).isEqualTo(mqtt);
        assertThat(number(b.driver.findElement(By.cssSelector("td[data-acknowledged='https']")).getText())).isEqualTo(https);
        assertThat(b.driver.findElements(By.cssSelector("svg.rate polyline"))).hasSize(3);
        assertThat(b.driver.findElement(By.id("catalog")).getText()).isEqualTo("UP");
        assertThat(b.driver.findElements(By.cssSelector("#recent-commits tr"))).hasSizeGreaterThan(1);
        assertThat(b.driver.getPageSource()).doesNotContain("ui-st-1");
        assertThat(b.consoleErrors()).isEmpty();
        b.screenshot("status");
      }
    } finally {
      gateway.destroy();
      gateway.waitFor(60, TimeUnit.SECONDS);
    }
  }

  private int[] ports(Process gateway) throws Exception {
    var out = new java.io.BufferedReader(new java.io.InputStreamReader(gateway.getInputStream()));
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = READY.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "gateway-stdout");
        drain.setDaemon(true);
        drain.start();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
      }
    }
    throw new AssertionError("gateway did not start: " + Files.readString(dir.resolve("gateway.err")));
  }

  private static long acknowledged(String metrics, String protocol) {
    Matcher m = Pattern.compile("(?m)^stedi_readings_acknowledged_total\\{[^}]*protocol=\"" + protocol
        + "\"[^}]*}\\s+(\\S+)").matcher(metrics);
    assertThat(m.find()).as("stedi_readings_acknowledged_total for %s in /metrics", protocol).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  private static long number(String text) {
    return Long.parseLong(text.replace(",", "").strip());
  }
}
