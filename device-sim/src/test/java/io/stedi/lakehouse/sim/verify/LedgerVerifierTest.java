package io.stedi.lakehouse.sim.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.load.BulkLoader;
import io.stedi.lakehouse.load.LoadProgress;
import io.stedi.lakehouse.sim.cli.SimCli;
import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.faults.FaultModel;
import io.stedi.lakehouse.sim.generate.Fleet;
import io.stedi.lakehouse.sim.generate.LandingFiles;
import io.stedi.lakehouse.sim.generate.ReadingGenerator;
import io.stedi.lakehouse.sim.model.AccelReading;
import io.stedi.lakehouse.sim.model.Json;
import io.stedi.lakehouse.sim.model.StepReading;
import io.stedi.lakehouse.sim.run.Ledger;
import io.stedi.lakehouse.sim.run.LedgerEntry;
import io.stedi.lakehouse.table.Zone;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.catalog.Catalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** verify against tables loaded (by the writer's bulk loader) from generated files, with a ledger of those files. */
class LedgerVerifierTest {
  @TempDir
  static Path tmp;
  static Catalog catalog;
  static List<LedgerEntry> all;

  @BeforeAll
  static void load() throws Exception {
    SimConfig c = SimConfig.defaults().with(Map.of("sim.customers", "40", "sim.seed", "21",
        "sim.readings-per-customer", "10"));
    LandingFiles.write(tmp.resolve("landing"), Fleet.generate(c), new ReadingGenerator(21, 100, 400),
        FaultModel.none(21));
    LakehouseConfig lake = LakehouseConfig.embedded(tmp.resolve("home"));
    catalog = Catalogs.open(lake);
    BulkLoader loader = new BulkLoader(catalog, lake);
    loader.load(Zone.ACCELEROMETER, List.of(tmp.resolve("landing/accelerometer").toString()), LoadProgress.NONE);
    loader.load(Zone.STEP_TRAINER, List.of(tmp.resolve("landing/step_trainer").toString()), LoadProgress.NONE);
    all = new ArrayList<>();
    for (String l : Files.readAllLines(tmp.resolve("landing").resolve(LandingFiles.STEP_TRAINER_FILE))) {
      JsonNode n = Json.MAPPER.readTree(l);
      all.add(LedgerEntry.of(new StepReading(n.get("sensorReadingTime").asLong(), n.get("serialNumber").asText(),
          n.get("distanceFromObject").asInt()), LedgerEntry.ACKED));
    }
    for (String l : Files.readAllLines(tmp.resolve("landing").resolve(LandingFiles.ACCELEROMETER_FILE))) {
      JsonNode n = Json.MAPPER.readTree(l);
      long ts = n.has("timestamp") ? n.get("timestamp").asLong() : n.get("timeStamp").asLong();
      all.add(LedgerEntry.of(new AccelReading(n.get("user").asText(), ts, n.get("x").asDouble(), n.get("y").asDouble(),
          n.get("z").asDouble(), false), LedgerEntry.ACKED));
    }
  }

  @AfterAll
  static void close() {
    CliSupport.closeQuietly(catalog);
  }

  @Test
  void aCompleteLedgerMatches() {
    VerifyResult r = new LedgerVerifier(catalog).verify(all);
    assertThat(r.ok()).as(r.describe()).isTrue();
    assertThat(r.missing() + r.duplicated() + r.unexpected()).isZero();
    assertThat(r.tableRows().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(all.size());
  }

  @Test
  void aLostReadingIsMissing() {
    List<LedgerEntry> l = new ArrayList<>(all);
    LedgerEntry first = l.get(0);
    l.add(LedgerEntry.of(new StepReading(first.sensorReadingTime() + 1, first.serialNumber(), 123), LedgerEntry.ACKED));
    VerifyResult r = new LedgerVerifier(catalog).verify(l);
    assertThat(r.ok()).isFalse();
    assertThat(r.missing()).isEqualTo(1);
    assertThat(r.examples().get("missing")).hasSize(1);
  }

  @Test
  void aReadingAcknowledgedTwiceIsOneReadingAndLandsOnce() {
    // the same content sent and acknowledged twice is one reading: the writer's content dedup lands it once
    List<LedgerEntry> l = new ArrayList<>(all);
    l.add(all.get(all.size() - 1));
    VerifyResult r = new LedgerVerifier(catalog).verify(l);
    assertThat(r.missing()).isZero();
    assertThat(r.duplicated()).isZero();
    assertThat(r.ok()).isTrue();
  }

  @Test
  void aRowTheLedgerDoesNotKnowIsUnexpectedAndADeliveryInDoubtIsAllowed() {
    List<LedgerEntry> l = new ArrayList<>(all.subList(1, all.size()));
    LedgerEntry second = all.get(1);
    l.set(0, new LedgerEntry(second.zone(), second.serialNumber(), second.sensorReadingTime(),
        second.distanceFromObject(), second.user(), second.timestamp(), second.x(), second.y(), second.z(),
        LedgerEntry.FAILED));
    VerifyResult r = new LedgerVerifier(catalog).verify(l);
    assertThat(r.ok()).isTrue();
    assertThat(r.inDoubtLanded()).isEqualTo(1);
    // the first step reading may fall outside the time window once it is gone from the ledger
    assertThat(r.unexpected()).isBetween(0L, 1L);
  }

  @Test
  void aRefusedReadingThatLandedIsUnexpected() {
    List<LedgerEntry> l = new ArrayList<>(all);
    l.removeIf(e -> e.key().equals(all.get(5).key()));
    l.add(LedgerEntry.of(new StepReading(all.get(5).sensorReadingTime(), all.get(5).serialNumber(),
        all.get(5).distanceFromObject()), LedgerEntry.REJECTED));
    VerifyResult r = new LedgerVerifier(catalog).verify(l);
    assertThat(r.unexpected()).isEqualTo(1);
    assertThat(r.ok()).isTrue();
  }

  @Test
  void moreRowsThanAcknowledgementsAreDuplicates() throws Exception {
    Path home = tmp.resolve("dup-home");
    LakehouseConfig lake = LakehouseConfig.embedded(home);
    Catalog own = Catalogs.open(lake);
    try {
      BulkLoader loader = new BulkLoader(own, lake);
      Path stepFile = tmp.resolve("landing").resolve(LandingFiles.STEP_TRAINER_FILE);
      Path again = tmp.resolve("again.json");
      Files.writeString(again, Files.readAllLines(stepFile).get(3) + "\n");
      loader.load(Zone.STEP_TRAINER, List.of(stepFile.toString(), again.toString()), LoadProgress.NONE);
      List<LedgerEntry> steps = all.stream().filter(e -> e.zone().equals(LedgerEntry.STEP_TRAINER)).toList();
      VerifyResult r = new LedgerVerifier(own).verify(steps);
      assertThat(r.duplicated()).isEqualTo(1);
      assertThat(r.ok()).isFalse();
      assertThat(r.examples().get("duplicated")).singleElement().asString().contains("rows 2");
      // a second copy is a duplicate even when the ledger says a second delivery was in doubt (a resend after a
      // lost acknowledgement): the product dedups by content, so a customer counting steps never sees one twice
      List<LedgerEntry> withDoubt = new ArrayList<>(steps);
      LedgerEntry e = steps.get(3);
      withDoubt.add(new LedgerEntry(e.zone(), e.serialNumber(), e.sensorReadingTime(), e.distanceFromObject(), null,
          null, null, null, null, LedgerEntry.FAILED));
      VerifyResult r2 = new LedgerVerifier(own).verify(withDoubt);
      assertThat(r2.ok()).isFalse();
      assertThat(r2.duplicated()).isEqualTo(1);
    } finally {
      CliSupport.closeQuietly(own);
    }
  }

  @Test
  void theCommandExitsOneOnLossAndZeroOtherwise() throws Exception {
    Path good = tmp.resolve("good.jsonl");
    try (Ledger ledger = Ledger.create(good)) {
      ledger.append(all);
    }
    Path bad = tmp.resolve("bad.jsonl");
    try (Ledger ledger = Ledger.create(bad)) {
      ledger.append(all);
      ledger.append(LedgerEntry.of(new AccelReading("Nobody@test.com", all.get(0).time(), 0.5, 0.5, 0.5, false),
          LedgerEntry.ACKED));
    }
    StringWriter out = new StringWriter();
    var cl = SimCli.commandLine();
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute("sim", "verify", good.toString(), "--home", tmp.resolve("home").toString())).isZero();
    assertThat(out.toString()).contains("missing 0, duplicated 0, unexpected 0", "OK");
    StringWriter out2 = new StringWriter();
    var cl2 = SimCli.commandLine();
    cl2.setOut(new PrintWriter(out2));
    assertThat(cl2.execute("sim", "verify", bad.toString(), "-c", "stedi.home=" + tmp.resolve("home"),
        "--json", tmp.resolve("v.json").toString())).isEqualTo(1);
    assertThat(out2.toString()).contains("missing 1", "Nobody@test.com", "FAILED");
    assertThat(Json.MAPPER.readTree(tmp.resolve("v.json").toFile()).get("ok").asBoolean()).isFalse();
  }
}
