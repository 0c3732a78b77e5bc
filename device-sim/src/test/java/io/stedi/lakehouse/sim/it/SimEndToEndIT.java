package io.stedi.lakehouse.sim.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.sim.cli.SimCli;
import io.stedi.lakehouse.sim.model.Json;
import io.stedi.lakehouse.sim.run.SimCredentials;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real gateway as a child process ({@code ../bin/stedi gateway}), provisioned with {@code bin/stedi devices add}
 * and {@code tokens create}; 20 Step Trainers and 20 phones run against it over the wire with a few faults, and
 * verify finds every acknowledged reading in the landing tables exactly once. Skipped when the gateway jar is not
 * built (this module does not depend on the gateway).
 */
class SimEndToEndIT {
  private static final Path STEDI = Path.of("..", "bin", "stedi");
  private static final Path GATEWAY_JAR = Path.of("..", "gateway", "target", "stedi-gateway.jar");
  private static final int N = 20;

  @TempDir
  Path tmp;
  Process gateway;

  @AfterEach
  void stopGateway() throws InterruptedException {
    if (gateway != null) {
      gateway.destroy(); // SIGTERM: commits what it acknowledged, exits 0
      if (!gateway.waitFor(60, TimeUnit.SECONDS)) {
        gateway.destroyForcibly();
      }
    }
  }

  private String stedi(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(STEDI.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("bin/stedi %s", String.join(" ", args)).isZero();
    return out;
  }

  @Test
  void everyAcknowledgedReadingLandsExactlyOnce() throws Exception {
    assumeTrue(Files.isRegularFile(GATEWAY_JAR) && Files.isDirectory(GATEWAY_JAR.resolveSibling("lib")),
        "the gateway is not built (mvn -pl gateway package)");
    assumeTrue(Files.isExecutable(STEDI), "bin/stedi not found");
    Path home = tmp.resolve("home");
    List<SimCredentials.Device> devices = new ArrayList<>();
    List<SimCredentials.Token> tokens = new ArrayList<>();
    for (int i = 1; i <= N; i++) {
      String serial = "e2e-st-" + i;
      devices.add(new SimCredentials.Device(serial, stedi("devices", "add", serial, "--home", home.toString())));
      String email = "E2e.Customer" + i + "@test.com";
      tokens.add(new SimCredentials.Token(stedi("tokens", "create", "e2e-phone-" + i, "--email", email, "--home",
          home.toString()), email));
    }
    Path creds = tmp.resolve("creds.json");
    new SimCredentials(devices, tokens).write(creds);

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
    String mqtt = "mqtt://127.0.0.1:" + ready.group(1);
    String http = "http://127.0.0.1:" + ready.group(2);

    Path ledger = tmp.resolve("ledger.jsonl");
    StringWriter runOut = new StringWriter();
    var run = SimCli.commandLine();
    run.setOut(new PrintWriter(runOut));
    int runCode = run.execute("sim", "run", "--devices", "20", "--phones", "20", "--rate", "2", "--duration", "5s",
        "--qos", "1", "--mqtt", mqtt, "--http", http, "--credentials", creds.toString(), "--ledger", ledger.toString(),
        "--report", tmp.resolve("report.json").toString(), "--seed", "5",
        "-c", "sim.fault.duplicate-rate=0.05", "-c", "sim.fault.malformed-rate=0.05",
        "-c", "sim.fault.reconnect-rate=0.3", "-c", "sim.fault.late-rate=0.05", "-c", "sim.fault.late-max=2s");
    assertThat(runCode).as(runOut.toString()).isZero();
    JsonNode report = Json.MAPPER.readTree(tmp.resolve("report.json").toFile());
    assertThat(report.at("/total/acknowledged").asLong()).isEqualTo(report.at("/total/sent").asLong()).isPositive();
    assertThat(report.at("/mqtt/malformed_rejected").asLong()).isEqualTo(report.at("/mqtt/malformed_sent").asLong());
    assertThat(report.at("/http/malformed_rejected").asLong()).isEqualTo(report.at("/http/malformed_sent").asLong());
    assertThat(report.at("/http/duplicates_acknowledged").asLong()).isEqualTo(report.at("/http/duplicates_sent").asLong());

    StringWriter verifyOut = new StringWriter();
    var verify = SimCli.commandLine();
    verify.setOut(new PrintWriter(verifyOut));
    int verifyCode = verify.execute("sim", "verify", ledger.toString(), "--home", home.toString(), "--wait", "30s");
    assertThat(verifyCode).as(verifyOut.toString()).isZero();
    assertThat(verifyOut.toString()).contains("missing 0, duplicated 0, unexpected 0");
  }
}
