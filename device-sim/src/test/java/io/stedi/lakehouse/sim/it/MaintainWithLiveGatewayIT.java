package io.stedi.lakehouse.sim.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.sim.model.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance next to a live gateway, every part a real process as in production: the gateway
 * ({@code bin/stedi gateway}) and the simulator ({@code bin/stedi sim run}) write while {@code bin/stedi maintain}
 * compacts the landing tables and expires their snapshots again and again. Then the gateway is stopped, the
 * tables are compacted and expired down to one snapshot each (so the snapshot summaries that carried the gateway's
 * WAL positions are gone), the gateway is started again on the same write-ahead log, and {@code sim verify} must
 * find every acknowledged reading exactly once. It lives in this module because it runs last in the build, when
 * the gateway, curation and simulator jars all exist.
 */
class MaintainWithLiveGatewayIT {
  private static final Path STEDI = Path.of("..", "bin", "stedi");
  private static final String LANDING = "customer_landing,accelerometer_landing,step_trainer_landing,quarantine";
  private static final String WAL_POSITION = "stedi.wal.writer-1.lsn";

  @TempDir
  Path tmp;
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
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void noAcknowledgedReadingIsLostOrDuplicated() throws Exception {
    for (String m : List.of("gateway", "curation", "device-sim")) {
      Path jar = Path.of("..", m, "target", "stedi-" + m + ".jar");
      assumeTrue(Files.isRegularFile(jar) && Files.isDirectory(jar.resolveSibling("lib")), m + " is not built");
    }
    Path home = tmp.resolve("home");
    Path creds = tmp.resolve("creds.json");
    Path ledger = tmp.resolve("ledger.jsonl");
    run("provision", "devices", "provision", "--devices", "8", "--phones", "8", "--prefix", "mt", "--out",
        creds.toString(), "--home", home.toString());

    int[] ports = startGateway(home, "gateway-1");
    Process gateway = children.get(children.size() - 1);
    Process sim = start("sim", "sim", "run", "--devices", "8", "--phones", "8", "--rate", "5", "--duration", "60s",
        "--qos", "1", "--mqtt", "mqtt://127.0.0.1:" + ports[0], "--http", "http://127.0.0.1:" + ports[1],
        "--credentials", creds.toString(), "--ledger", ledger.toString(), "--seed", "11");

    // compact and expire (retention 0: everything but the last 3 snapshots) while the gateway commits every second
    List<JsonNode> runs = new ArrayList<>();
    while (sim.isAlive()) {
      runs.add(maintain(home, "live-" + runs.size(), "-c", "maintain.snapshot-retention=0s", "-c",
          "maintain.retain-last=3", "-c", "maintain.manifest-rewrite-threshold=5"));
    }
    assertThat(sim.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(sim.exitValue()).as("sim run: %s", Files.readString(tmp.resolve("sim.err"))).isZero();
    assertThat(runs).as("maintenance runs while the simulator ran").hasSizeGreaterThanOrEqualTo(2);
    long rewritten = 0;
    for (JsonNode r : runs) {
      for (JsonNode t : r.get("tables")) {
        assertThat(t.get("status").asText()).as("%s: %s", t.get("table"), t.get("error")).isIn("ok", "partial");
        rewritten += t.get("files_rewritten").asLong();
      }
    }
    assertThat(rewritten).as("compaction rewrote files while the gateway wrote").isPositive();

    // the gateway commits what it acknowledged and stops; then only one snapshot per table is kept
    stop(gateway);
    JsonNode last = maintain(home, "final", "-c", "maintain.snapshot-retention=0s", "-c", "maintain.retain-last=1");
    for (JsonNode t : last.get("tables")) {
      assertThat(t.get("status").asText()).as("%s: %s", t.get("table"), t.get("error")).isEqualTo("ok");
    }
    // what the restart below tests: snapshot summaries no longer say how far the gateway committed
    int withoutPositionInHistory = 0;
    Catalog catalog = Catalogs.open(LakehouseConfig.embedded(home));
    try {
      for (String name : LANDING.split(",")) {
        TableIdentifier id = TableIdentifier.of("stedi", name);
        if (!catalog.tableExists(id)) {
          continue;
        }
        Table t = catalog.loadTable(id);
        if (t.currentSnapshot() != null && !t.currentSnapshot().summary().containsKey(WAL_POSITION)) {
          assertThat(t.snapshots()).as(name).hasSize(1);
          assertThat(t.properties()).as(name).containsKey(WAL_POSITION);
          withoutPositionInHistory++;
        }
      }
    } finally {
      CliSupport.closeQuietly(catalog);
    }
    assertThat(withoutPositionInHistory).as("tables whose only snapshot is a maintenance commit").isPositive();
    // a restarted gateway reads its WAL positions back (from the table properties now) and must not replay
    startGateway(home, "gateway-2");
    stop(children.get(children.size() - 1));

    Process verify = start("verify", "sim", "verify", ledger.toString(), "--home", home.toString(), "--wait", "30s");
    assertThat(verify.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(tmp.resolve("verify.out"));
    assertThat(verify.exitValue()).as("sim verify: %s%n%s", out, Files.readString(tmp.resolve("verify.err")))
        .isZero();
    assertThat(out).contains("missing 0, duplicated 0");
  }

  /** One {@code bin/stedi maintain --json} over the landing tables; returns its report. */
  private JsonNode maintain(Path home, String name, String... conf) throws Exception {
    List<String> args = new ArrayList<>(List.of("maintain", "--json", "--home", home.toString(), "--table", LANDING,
        "--master", "local[1]"));
    args.addAll(List.of(conf));
    run(name, args.toArray(new String[0]));
    String out = Files.readString(tmp.resolve(name + ".out")).strip();
    return Json.MAPPER.readTree(out.substring(out.lastIndexOf("\n{") + 1));
  }

  /** Starts the gateway on free ports and returns {mqtt, http} once it is ready. */
  private int[] startGateway(Path home, String name) throws IOException {
    Process g = new ProcessBuilder(STEDI.toString(), "gateway", "--home", home.toString(), "--mqtt-port", "0",
        "--http-port", "0").redirectError(tmp.resolve(name + ".err").toFile()).start();
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
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
      }
    }
    throw new AssertionError(name + " did not start: " + Files.readString(tmp.resolve(name + ".err")));
  }

  /** Starts {@code bin/stedi ARGS}, stdout and stderr to NAME.out and NAME.err in the temp folder. */
  private Process start(String name, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(STEDI.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectOutput(tmp.resolve(name + ".out").toFile())
        .redirectError(tmp.resolve(name + ".err").toFile()).start();
    children.add(p);
    return p;
  }

  private void run(String name, String... args) throws Exception {
    Process p = start(name, args);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("bin/stedi %s: %s", String.join(" ", args),
        Files.readString(tmp.resolve(name + ".err"))).isZero();
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
