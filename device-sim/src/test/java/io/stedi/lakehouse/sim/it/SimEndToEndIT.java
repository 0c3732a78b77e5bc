package io.stedi.lakehouse.sim.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.sim.cli.SimCli;
import io.stedi.lakehouse.sim.faults.MalformedKind;
import io.stedi.lakehouse.sim.model.Json;
import io.stedi.lakehouse.sim.run.Ledger;
import io.stedi.lakehouse.sim.run.LedgerEntry;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real gateway as a child process ({@code ../bin/stedi gateway}), its fleet provisioned with one
 * {@code bin/stedi devices provision}; simulated Step Trainers and phones run against it over the wire, and the
 * landing tables, the customers and the quarantine are read back through the Iceberg catalog. Skipped when the
 * gateway jar is not built (this module does not depend on the gateway).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimEndToEndIT {
  private static final Path STEDI = Path.of("..", "bin", "stedi");
  private static final Path GATEWAY_JAR = Path.of("..", "gateway", "target", "stedi-gateway.jar");
  private static final int N = 20;

  @TempDir
  static Path tmp;
  Path home;
  Path creds;
  Process gateway;
  String mqtt;
  String http;

  @BeforeAll
  void provisionAndStartGateway() throws Exception {
    assumeTrue(Files.isRegularFile(GATEWAY_JAR) && Files.isDirectory(GATEWAY_JAR.resolveSibling("lib")),
        "the gateway is not built (mvn -pl gateway package)");
    assumeTrue(Files.isExecutable(STEDI), "bin/stedi not found");
    home = tmp.resolve("home");
    creds = tmp.resolve("creds.json");
    stedi("devices", "provision", "--home", home.toString(), "--devices", "" + N, "--phones", "" + N,
        "--prefix", "e2e", "--out", creds.toString());
    gateway = new ProcessBuilder(STEDI.toString(), "gateway", "--home", home.toString(), "--mqtt-port", "0",
        "--http-port", "0").redirectError(tmp.resolve("gateway.err").toFile()).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
    Matcher ready = null;
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = Pattern.compile("gateway ready: mqtt port (\\d+), http port (\\d+)").matcher(line);
      if (m.find()) {
        ready = m;
        break;
      }
    }
    assertThat(ready).as("gateway did not start: %s", Files.readString(tmp.resolve("gateway.err"))).isNotNull();
    mqtt = "mqtt://127.0.0.1:" + ready.group(1);
    http = "http://127.0.0.1:" + ready.group(2);
  }

  @AfterAll
  void stopGateway() throws Exception {
    if (gateway != null) {
      signal("CONT"); // in case a test stopped it
      gateway.destroy(); // SIGTERM: commits what it acknowledged, exits 0
      if (!gateway.waitFor(60, TimeUnit.SECONDS)) {
        gateway.destroyForcibly();
      }
    }
  }

  @Test
  void everyAcknowledgedReadingLandsExactlyOnceAndEveryCustomerIsRegistered() throws Exception {
    Path ledger = tmp.resolve("ledger-1.jsonl");
    JsonNode report = sim(tmp.resolve("report-1.json"), "--devices", "" + N, "--phones", "" + N, "--rate", "2",
        "--duration", "5s", "--credentials", creds.toString(), "--ledger", ledger.toString(), "--seed", "5",
        "-c", "sim.fault.duplicate-rate=0.05", "-c", "sim.fault.malformed-rate=0.05",
        "-c", "sim.fault.reconnect-rate=0.3", "-c", "sim.fault.late-rate=0.05", "-c", "sim.fault.late-max=2s");
    assertThat(report.at("/total/acknowledged").asLong()).isEqualTo(report.at("/total/sent").asLong()).isPositive();
    assertThat(report.at("/mqtt/malformed_rejected").asLong()).isEqualTo(report.at("/mqtt/malformed_sent").asLong());
    assertThat(report.at("/http/malformed_rejected").asLong()).isEqualTo(report.at("/http/malformed_sent").asLong());
    assertThat(report.at("/http/duplicates_acknowledged").asLong()).isEqualTo(report.at("/http/duplicates_sent").asLong());
    assertThat(report.at("/customers_registered").asLong()).isEqualTo(N);
    assertThat(report.at("/customers_failed").asLong()).isZero();
    // 2 or 3 phone readings at each instant (no clock skew here)
    Map<String, Long> perInstant = Ledger.read(ledger).stream()
        .filter(e -> e.zone().equals(LedgerEntry.ACCELEROMETER) && e.status().equals(LedgerEntry.ACKED))
        .collect(Collectors.groupingBy(e -> e.user() + "@" + e.timestamp(), Collectors.counting()));
    assertThat(perInstant.values()).isNotEmpty().allMatch(n -> n == 2 || n == 3);
    verify(ledger);

    // phone k's customer owns Step Trainer k; registration first, consent at or after it, about half share
    List<String> emails = IntStream.rangeClosed(1, N).mapToObj(k -> "E2e.Customer" + k + "@sim.stedi.test")
        .collect(Collectors.toList());
    List<Record> customers = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
        .until(() -> LakehouseReader.rows(home, LandingTables.id(Zone.CUSTOMER),
            Expressions.in("email", emails.toArray()), List.of("email", "serialNumber", "registrationDate",
                "shareWithResearchAsOfDate")), rows -> rows.size() >= N);
    assertThat(customers).hasSize(N);
    for (Record r : customers) {
      String k = ((String) r.getField("email")).replaceAll("^E2e\\.Customer(\\d+)@.*$", "$1");
      assertThat(r.getField("serialNumber")).isEqualTo("e2e-st-" + k);
      Long research = (Long) r.getField("shareWithResearchAsOfDate");
      assertThat(research == null || research >= (Long) r.getField("registrationDate")).isTrue();
    }
    assertThat(customers).anyMatch(r -> r.getField("shareWithResearchAsOfDate") != null)
        .anyMatch(r -> r.getField("shareWithResearchAsOfDate") == null);
  }

  @Test
  void theQuarantineHoldsExactlyTheMalformedPayloadsInjected() throws Exception {
    Path ledger = tmp.resolve("ledger-2.jsonl");
    // --provision: the run provisions its own fleet (prefix flt) through bin/stedi, so its quarantine rows are
    // told apart by origin: "device flt-st-k" (MQTT) and "client flt-phone-k" (HTTP)
    JsonNode report = sim(tmp.resolve("report-2.json"), "--devices", "10", "--phones", "10", "--rate", "4",
        "--duration", "4s", "--provision", home.toString(), "--prefix", "flt", "--ledger", ledger.toString(),
        "--seed", "11", "-c", "sim.fault.malformed-rate=0.2", "-c", "sim.http.batch-interval=250ms");
    long injected = report.at("/mqtt/malformed_sent").asLong() + report.at("/http/malformed_sent").asLong();
    assertThat(report.at("/mqtt/malformed_sent").asLong()).isPositive();
    assertThat(report.at("/http/malformed_sent").asLong()).isPositive();
    assertThat(report.at("/customers_registered").asLong()).isEqualTo(10);
    List<Record> quarantined = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
        .until(() -> LakehouseReader.rows(home, LandingTables.quarantineId(),
            Expressions.or(Expressions.startsWith("origin", "device flt-st-"),
                Expressions.startsWith("origin", "client flt-phone-")), List.of("origin", "reason_code")),
            rows -> rows.size() >= injected);
    assertThat(quarantined).hasSize((int) injected);
    assertThat(quarantined).extracting(r -> r.getField("reason_code")).isSubsetOf(
        Arrays.stream(MalformedKind.values()).map(MalformedKind::reasonCode).toArray());
    verify(ledger);
  }

  @Test
  void batchesRetriedAfterTheGatewayStalledLandOnce() throws Exception {
    Path ledger = tmp.resolve("ledger-3.jsonl");
    // The gateway stops (SIGSTOP) before the phones post and resumes 2 s later: their requests time out and are
    // retried with the same Idempotency-Key while the gateway may store the first copies after all.
    ScheduledExecutorService resume = Executors.newSingleThreadScheduledExecutor();
    JsonNode report;
    try {
      signal("STOP");
      resume.schedule(() -> signal("CONT"), 2, TimeUnit.SECONDS);
      report = sim(tmp.resolve("report-3.json"), "--phones", "5", "--rate", "2", "--duration", "4s",
          "--credentials", creds.toString(), "--ledger", ledger.toString(), "--no-register",
          "-c", "sim.http.timeout=500ms", "-c", "sim.http.batch-interval=200ms");
    } finally {
      resume.shutdown();
      assertThat(resume.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      signal("CONT");
    }
    assertThat(report.at("/http/retries").asLong()).isPositive();
    assertThat(report.at("/total/failed").asLong()).isZero();
    assertThat(report.at("/total/acknowledged").asLong()).isEqualTo(report.at("/total/sent").asLong()).isPositive();
    assertThat(report.at("/customers_registered").asLong()).isZero();
    verify(ledger);
  }

  /** {@code bin/stedi sim run} in-process against the gateway; returns the report after checking exit 0. */
  private JsonNode sim(Path report, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("sim", "run", "--qos", "1", "--mqtt", mqtt, "--http", http,
        "--report", report.toString()));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    var run = SimCli.commandLine();
    run.setOut(new PrintWriter(out));
    StringWriter err = new StringWriter();
    run.setErr(new PrintWriter(err));
    int code = run.execute(all.toArray(new String[0]));
    assertThat(code).as("%s%s", out, err).isZero();
    assertThat(out.toString()).contains("customers: registered");
    return Json.MAPPER.readTree(report.toFile());
  }

  private void verify(Path ledger) {
    StringWriter out = new StringWriter();
    var verify = SimCli.commandLine();
    verify.setOut(new PrintWriter(out));
    int code = verify.execute("sim", "verify", ledger.toString(), "--home", home.toString(), "--wait", "30s");
    assertThat(code).as(out.toString()).isZero();
    assertThat(out.toString()).contains("missing 0, duplicated 0, unexpected 0");
  }

  private String stedi(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(STEDI.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("bin/stedi %s: %s", String.join(" ", args), out).isZero();
    return out;
  }

  /** Sends SIGSTOP or SIGCONT to the gateway (bin/stedi execs the JVM, so its pid is the gateway's). */
  private void signal(String sig) {
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(gateway.pid())).start();
      assertThat(k.waitFor(10, TimeUnit.SECONDS)).isTrue();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
