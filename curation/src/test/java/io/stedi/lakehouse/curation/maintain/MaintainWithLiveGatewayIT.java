package io.stedi.lakehouse.curation.maintain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stedi.lakehouse.curation.SparkTestBase;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.curation.maintain.MaintenanceReport.TableResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Table;
import org.apache.iceberg.spark.Spark3Util;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Maintenance next to a live gateway: the real gateway ({@code ../bin/stedi gateway}) and the simulator
 * ({@code ../bin/stedi sim run}) run as child processes on this test's lakehouse while maintenance (this JVM's
 * Spark session) compacts the landing tables and expires their snapshots again and again. Then the gateway is
 * stopped, the tables are compacted and expired down to one snapshot each (so the snapshot summaries that carried
 * the gateway's WAL positions are gone), the gateway is started again on the same write-ahead log, and
 * {@code sim verify} must find every acknowledged reading exactly once. Skipped when the gateway or simulator
 * jars are not built (curation does not depend on them).
 */
class MaintainWithLiveGatewayIT extends SparkTestBase {
  private static final Path STEDI = Path.of("..", "bin", "stedi");
  private static final Path GATEWAY_JAR = Path.of("..", "gateway", "target", "stedi-gateway.jar");
  private static final Path SIM_JAR = Path.of("..", "device-sim", "target", "stedi-device-sim.jar");
  private static final List<String> LANDING = List.of("customer_landing", "accelerometer_landing",
      "step_trainer_landing", "quarantine");

  private static final String WAL_POSITION = "stedi.wal.writer-1.lsn";

  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void stopChildren() throws InterruptedException {
    for (Process p : children) {
      if (p.isAlive()) {
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void noAcknowledgedReadingIsLostOrDuplicated() throws Exception {
    assumeTrue(Files.isRegularFile(GATEWAY_JAR) && Files.isDirectory(GATEWAY_JAR.resolveSibling("lib")),
        "the gateway is not built (mvn -pl gateway -am package)");
    assumeTrue(Files.isRegularFile(SIM_JAR) && Files.isDirectory(SIM_JAR.resolveSibling("lib")),
        "the simulator is not built (mvn -pl device-sim -am package)");
    assumeTrue(Files.isExecutable(STEDI), "bin/stedi not found");
    Path creds = tempDir.resolve("creds.json");
    Path ledger = tempDir.resolve("ledger.jsonl");
    run("devices-provision", "devices", "provision", "--devices", "8", "--phones", "8", "--prefix", "mt", "--out",
        creds.toString(), "--home", home().toString());

    Gateway gateway = startGateway("gateway-1");
    CurationConfig live = CurationConfig.embedded(home(), Map.of("maintain.snapshot-retention", "0s",
        "maintain.retain-last", "3", "maintain.manifest-rewrite-threshold", "5"));
    new MaintenanceJob(spark, live, line -> { }).run(existing(), false); // warms Spark up: later runs take seconds
    Process sim = start("sim", "sim", "run", "--devices", "8", "--phones", "8", "--rate", "5", "--duration", "15s",
        "--qos", "1", "--mqtt", "mqtt://127.0.0.1:" + gateway.mqttPort(), "--http", "http://127.0.0.1:" + gateway.httpPort(),
        "--credentials", creds.toString(), "--ledger", ledger.toString(), "--seed", "11");

    // compact and expire (retention 0: everything but the last 3 snapshots) while the gateway commits every second
    List<MaintenanceReport> runs = new ArrayList<>();
    long t0 = System.nanoTime();
    while (sim.isAlive()) {
      runs.add(new MaintenanceJob(spark, live, line -> { }).run(existing(), false));
    }
    long liveMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(sim.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(sim.exitValue()).as("sim run: %s", Files.readString(tempDir.resolve("sim.err"))).isZero();
    assertThat(runs).as("maintenance runs while the simulator ran").hasSizeGreaterThanOrEqualTo(2);
    long rewritten = 0;
    for (MaintenanceReport r : runs) {
      for (TableResult t : r.tables()) {
        assertThat(t.status()).as("%s: %s", t.table(), t.error()).isIn(MaintenanceReport.OK, MaintenanceReport.PARTIAL);
        rewritten += t.filesRewritten();
      }
    }
    assertThat(rewritten).as("compaction rewrote files while the gateway wrote").isPositive();

    // the gateway commits what it acknowledged and stops; then only one snapshot per table is kept
    stop(gateway.process());
    MaintenanceReport last = new MaintenanceJob(spark, CurationConfig.embedded(home(),
        Map.of("maintain.snapshot-retention", "0s", "maintain.retain-last", "1")), line -> { }).run(existing(), false);
    for (TableResult t : last.tables()) {
      assertThat(t.status()).as("%s: %s", t.table(), t.error()).isEqualTo(MaintenanceReport.OK);
      System.err.printf("live maintenance: %s %d data files after %d runs in %d ms (%d rewritten)%n", t.table(),
          t.dataFilesAfter(), runs.size(), liveMs, rewritten);
    }
    // what the restart below tests: snapshot summaries no longer say how far the gateway committed
    int withoutPositionInHistory = 0;
    for (String name : existing()) {
      Table t = Spark3Util.loadIcebergTable(spark, "stedi." + name);
      if (t.currentSnapshot() != null && !t.currentSnapshot().summary().containsKey(WAL_POSITION)) {
        assertThat(t.snapshots()).as(name).hasSize(1);
        assertThat(t.properties()).as(name).containsKey(WAL_POSITION);
        withoutPositionInHistory++;
      }
    }
    assertThat(withoutPositionInHistory).as("tables whose only snapshot is a maintenance commit").isPositive();
    // a restarted gateway reads its WAL positions back (from the table properties now) and must not replay
    stop(startGateway("gateway-2").process());

    Process verify = start("verify", "sim", "verify", ledger.toString(), "--home", home().toString(), "--wait", "30s");
    assertThat(verify.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(tempDir.resolve("verify.out"));
    assertThat(verify.exitValue()).as("sim verify: %s%n%s", out, Files.readString(tempDir.resolve("verify.err")))
        .isZero();
    assertThat(out).contains("missing 0, duplicated 0");
  }

  private static List<String> existing() {
    List<String> present = new ArrayList<>();
    for (String t : LANDING) {
      if (spark.catalog().tableExists("stedi." + t)) {
        present.add(t);
      }
    }
    return present;
  }

  private record Gateway(Process process, int mqttPort, int httpPort) {}

  /** Starts the gateway on free ports; returns once it is ready. */
  private Gateway startGateway(String name) throws IOException {
    Process g = new ProcessBuilder(STEDI.toString(), "gateway", "--home", home().toString(), "--mqtt-port", "0",
        "--http-port", "0").redirectError(tempDir.resolve(name + ".err").toFile()).start();
    children.add(g);
    BufferedReader out = new BufferedReader(new InputStreamReader(g.getInputStream(), StandardCharsets.UTF_8));
    Pattern ready = Pattern.compile("gateway ready: mqtt port (\\d+), http port (\\d+)");
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = ready.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            while (out.readLine() != null) {
              // keep the pipe from filling up
            }
          } catch (IOException e) {
            // the gateway exited
          }
        }, name + "-stdout");
        drain.setDaemon(true);
        drain.start();
        return new Gateway(g, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
      }
    }
    throw new AssertionError(name + " did not start: " + Files.readString(tempDir.resolve(name + ".err")));
  }

  /** Starts {@code bin/stedi ARGS}, stdout and stderr to NAME.out and NAME.err in the temp folder. */
  private Process start(String name, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(STEDI.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectOutput(tempDir.resolve(name + ".out").toFile())
        .redirectError(tempDir.resolve(name + ".err").toFile()).start();
    children.add(p);
    return p;
  }

  private void run(String name, String... args) throws Exception {
    Process p = start(name, args);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("bin/stedi %s: %s", String.join(" ", args),
        Files.readString(tempDir.resolve(name + ".err"))).isZero();
  }

  /** SIGTERM: the gateway commits everything it acknowledged and exits 0. */
  private static void stop(Process p) throws InterruptedException {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
    assertThat(p.exitValue()).as("exit status after SIGTERM").isZero();
  }
}
