package io.stedi.lakehouse.sim.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.sim.model.Json;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-ahead log rides out a catalog outage. A gateway on a PostgreSQL catalog takes 20 Step Trainers (MQTT
 * QoS 1) and 20 phones (HTTPS batches) from the simulator; {@value #OUTAGE_S} s into the run PostgreSQL is stopped
 * for {@value #OUTAGE_S} s. Throughout: readiness stays UP, no request is answered 503, MQTT acknowledgements keep
 * their pace (p99 under 1 s) and the outage shows in health and metrics. After PostgreSQL returns, the backlog is
 * committed within seconds, the cycles that failed did not rewrite it into new files each time, and {@code sim
 * verify} finds every acknowledged reading exactly once. Every part runs as in production: separate processes, a
 * real PostgreSQL server (zonky's binaries) stopped and started again on the same port and data folder.
 */
class CatalogOutageIT {
  static final int OUTAGE_S = Integer.getInteger("stedi.outage.seconds", 90);
  private static final int BEFORE_S = 20;
  private static final int AFTER_S = 20;

  @TempDir
  Path tmp;
  private StediProcesses procs;
  private EmbeddedPostgres pg;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stopAll() throws Exception {
    // keep the gateway's log where CI keeps reports: it tells what the commit loop did during the outage
    Path log = tmp.resolve("gateway.err");
    if (Files.exists(log)) {
      Files.createDirectories(Path.of("target"));
      Files.copy(log, Path.of("target", "catalog-outage-gateway.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    if (procs != null) {
      procs.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void theGatewayKeepsAcknowledgingThroughANinetySecondCatalogOutageAndLosesOrDoublesNothing() throws Exception {
    for (String m : List.of("gateway", "device-sim")) {
      Path jar = Path.of("..", m, "target", "stedi-" + m + ".jar");
      assumeTrue(Files.isRegularFile(jar) && Files.isDirectory(jar.resolveSibling("lib")), m + " is not built");
    }
    Path pgData = tmp.resolve("pgdata");
    int pgPort = freePort();
    pg = startPostgres(pgData, pgPort);
    Map<String, String> env = Map.of("STEDI_CATALOG_TYPE", "jdbc",
        "STEDI_CATALOG_URI", "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "STEDI_CATALOG_USER", "postgres");
    procs = new StediProcesses(tmp, env);
    Path home = tmp.resolve("home");
    Path creds = tmp.resolve("creds.json");
    Path ledger = tmp.resolve("ledger.jsonl");
    Path report = tmp.resolve("report.json");
    procs.run("provision", "devices", "provision", "--devices", "20", "--phones", "20", "--prefix", "out", "--out",
        creds.toString(), "--home", home.toString());
    int[] ports = procs.startGateway(home, "gateway");
    Process gateway = procs.last();
    String base = "http://127.0.0.1:" + ports[1];
    int total = BEFORE_S + OUTAGE_S + AFTER_S;
    Process sim = procs.start("sim", "sim", "run", "--devices", "20", "--phones", "20", "--rate", "2", "--duration",
        total + "s", "--qos", "1", "--mqtt", "mqtt://127.0.0.1:" + ports[0], "--http", base, "--credentials",
        creds.toString(), "--ledger", ledger.toString(), "--report", report.toString(), "--seed", "5");

    sleepSeconds(BEFORE_S);
    assertThat(metric(base, "stedi_catalog_up")).isEqualTo(1.0);
    long outageStart = System.currentTimeMillis();
    pg.close(); // fast shutdown: every catalog connection is cut, new ones are refused
    pg = null;
    // during the outage: still ready, the outage visible, the WAL growing
    Awaitility.await("the outage shows in metrics").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
        .until(() -> metric(base, "stedi_catalog_up") == 0.0);
    double walBefore = metric(base, "stedi_wal_bytes");
    long probes = 0;
    while (System.currentTimeMillis() - outageStart < OUTAGE_S * 1000L) {
      HttpResponse<String> ready = get(base + "/health/ready");
      assertThat(ready.statusCode()).as("readiness during the outage: %s", ready.body()).isEqualTo(200);
      JsonNode checks = Json.MAPPER.readTree(ready.body()).get("checks");
      assertThat(checks.get("catalog").get("status").asText()).isEqualTo("DOWN");
      assertThat(checks.get("catalog").has("failing_since")).isTrue();
      probes++;
      sleepSeconds(5);
    }
    double walDuring = metric(base, "stedi_wal_bytes");
    assertThat(walDuring).as("the WAL buffers the outage").isGreaterThan(walBefore);
    long filesDuringOutage = dataFilesWrittenSince(home, "step_trainer_landing", outageStart);
    pg = startPostgres(pgData, pgPort);
    long back = System.currentTimeMillis();
    Awaitility.await("commits work again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> metric(base, "stedi_catalog_up") == 1.0);
    Awaitility.await("freshness back to normal").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> metric(base, "stedi_freshness_lag_seconds") < 5.0);
    long recoveredMs = System.currentTimeMillis() - back;

    assertThat(sim.waitFor(total + 120, TimeUnit.SECONDS)).isTrue();
    assertThat(sim.exitValue()).as("sim run: %s", Files.readString(tmp.resolve("sim.err"))).isZero();
    double unavailable = metric(base, "stedi_readings_rejected_total", "protocol=\"https\"",
        "reason=\"unavailable\"");
    assertThat(unavailable).as("HTTP 503 answers").isZero();
    JsonNode r = Json.MAPPER.readTree(report.toFile());
    double p99 = r.get("mqtt").get("ack_latency_ms").get("p99").asDouble();
    assertThat(p99).as("MQTT ack p99 in ms over the run").isLessThan(1000.0);
    assertThat(r.get("mqtt").get("acknowledged").asLong()).isPositive();
    assertThat(r.get("http").get("acknowledged").asLong()).isPositive();
    // failed cycles kept their files: a chunk per 30 s of outage, not the backlog rewritten every retry
    assertThat(filesDuringOutage).as("data files of step_trainer_landing written during the outage")
        .isBetween(1L, OUTAGE_S / 30 + 3L);
    assertThat(recoveredMs).as("ms from PostgreSQL being back to normal freshness").isLessThan(20_000);

    StediProcesses.stop(gateway); // SIGTERM: the gateway commits what it acknowledged
    Process verify = procs.start("verify", "sim", "verify", ledger.toString(), "--home", home.toString(), "--wait",
        "30s");
    assertThat(verify.waitFor(180, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(tmp.resolve("verify.out"));
    assertThat(verify.exitValue()).as("sim verify: %s%n%s", out, Files.readString(tmp.resolve("verify.err")))
        .isZero();
    assertThat(out).contains("missing 0, duplicated 0");
    System.out.printf("CatalogOutageIT: %d s outage, %d readiness probes all 200, WAL %.0f -> %.0f bytes, %d data files"
        + " written during it, recovered in %d ms, MQTT ack p99 %.1f ms, 503s %.0f%n", OUTAGE_S, probes, walBefore,
        walDuring, filesDuringOutage, recoveredMs, p99, unavailable);
  }

  private static EmbeddedPostgres startPostgres(Path data, int port) throws IOException {
    return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setOutputRedirector(ProcessBuilder.Redirect.DISCARD).setErrorRedirector(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  private static long dataFilesWrittenSince(Path home, String table, long since) throws IOException {
    Path data = home.resolve("warehouse").resolve("stedi").resolve(table).resolve("data");
    if (!Files.isDirectory(data)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(data)) {
      return s.filter(p -> p.toString().endsWith(".parquet")).filter(p -> {
        try {
          return Files.getLastModifiedTime(p).toMillis() >= since;
        } catch (IOException e) {
          return false;
        }
      }).count();
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The sum of a metric's samples in the gateway's /metrics whose labels contain every fragment (0 when absent). */
  private double metric(String base, String name, String... labels) throws Exception {
    String body = get(base + "/metrics").body();
    double sum = 0;
    for (String line : body.split("\n")) {
      if (!line.startsWith(name + " ") && !line.startsWith(name + "{")) {
        continue;
      }
      String l = line;
      if (java.util.Arrays.stream(labels).allMatch(l::contains)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static void sleepSeconds(int s) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(s);
    Awaitility.await().atMost(Duration.ofSeconds(s + 5L)).pollInterval(Duration.ofMillis(200))
        .until(() -> System.nanoTime() >= until);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
