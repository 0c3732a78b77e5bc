package io.stedi.lakehouse.sim.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.sim.model.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
  private static final String LANDING = "customer_landing,accelerometer_landing,step_trainer_landing,quarantine";
  private static final String WAL_POSITION = "stedi.wal.writer-1.lsn";

  @TempDir
  Path tmp;
  private StediProcesses procs;

  @org.junit.jupiter.api.BeforeEach
  void processes() {
    procs = new StediProcesses(tmp, java.util.Map.of());
  }

  @AfterEach
  void stopChildren() throws InterruptedException {
    procs.close();
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
    Process gateway = procs.last();
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
    stop(procs.last());

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

  private int[] startGateway(Path home, String name) throws IOException {
    return procs.startGateway(home, name);
  }

  private Process start(String name, String... args) throws IOException {
    return procs.start(name, args);
  }

  private void run(String name, String... args) throws Exception {
    procs.run(name, args);
  }

  private static void stop(Process p) throws InterruptedException {
    StediProcesses.stop(p);
  }
}
