package io.stedi.lakehouse.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.stedi.lakehouse.TestTables;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.WriterCli;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BulkLoaderIT {
  @TempDir
  Path tmp;
  LakehouseConfig config;
  Catalog catalog;

  @BeforeEach
  void open() {
    config = LakehouseConfig.embedded(tmp.resolve("home"));
    catalog = Catalogs.open(config);
  }

  @AfterEach
  void close() throws Exception {
    ((AutoCloseable) catalog).close();
  }

  private Path file(String name, String... lines) throws Exception {
    Path p = tmp.resolve("in").resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, String.join("\n", lines) + "\n");
    return p;
  }

  @Test
  void validLinesBecomeRowsAndBadLinesGoToQuarantineWithFileAndLine() throws Exception {
    Path f = file("step.json",
        "{\"sensorReadingTime\":1655564444103,\"serialNumber\":\"s-1\",\"distanceFromObject\":218}",
        "{\"sensorReadingTime\":1655564444104,\"serialNumber\":\"s-1\"",
        "",
        "{\"sensorReadingTime\":1655564444105,\"serialNumber\":\"s-2\",\"distanceFromObject\":\"far\"}",
        "{\"sensorReadingTime\":1655564444106,\"serialNumber\":\"s-2\",\"distanceFromObject\":7}");
    LoadSummary s = new BulkLoader(catalog, config).load(Zone.STEP_TRAINER, List.of(f.toString()), LoadProgress.NONE);

    assertThat(s.rowsLoaded()).isEqualTo(2);
    assertThat(s.rejectedByReason()).containsExactlyInAnyOrderEntriesOf(Map.of("malformed_json", 1L, "wrong_type", 1L));
    assertThat(s.blankLines()).isEqualTo(1);
    List<Record> rows = TestTables.rows(catalog, LandingTables.id(Zone.STEP_TRAINER));
    assertThat(rows).extracting(r -> r.getField("sensorReadingTime"), r -> r.getField("serialNumber"),
        r -> r.getField("distanceFromObject"), r -> r.getField(LandingTables.SOURCE))
        .containsExactlyInAnyOrder(tuple(1655564444103L, "s-1", 218, "load"), tuple(1655564444106L, "s-2", 7, "load"));
    assertThat(rows).extracting(r -> r.getField(LandingTables.KEY).toString())
        .allMatch(k -> k.startsWith("load:")).doesNotHaveDuplicates();

    List<Record> q = TestTables.rows(catalog, LandingTables.quarantineId());
    assertThat(q).extracting(r -> r.getField("origin"), r -> r.getField("reason_code"), r -> r.getField("zone"))
        .containsExactlyInAnyOrder(tuple(f + ":2", "malformed_json", "step_trainer"),
            tuple(f + ":4", "wrong_type", "step_trainer"));
    assertThat(q).extracting(r -> r.getField("payload"))
        .contains("{\"sensorReadingTime\":1655564444104,\"serialNumber\":\"s-1\"");
    assertThat(q).extracting(r -> r.getField("message").toString())
        .anyMatch(m -> m.contains("distanceFromObject must be an integer"));
  }

  @Test
  void loadingTheSameContentAgainAddsNothingAndSaysSo() throws Exception {
    Path a = file("a.json", "{\"user\":\"a@test.com\",\"timeStamp\":1,\"x\":1,\"y\":2,\"z\":3}", "garbage");
    Path copy = file("copy-of-a.json", Files.readString(a).strip());
    BulkLoader loader = new BulkLoader(catalog, config);
    LoadSummary first = loader.load(Zone.ACCELEROMETER, List.of(a.toString()), LoadProgress.NONE);
    Table t = catalog.loadTable(LandingTables.id(Zone.ACCELEROMETER));
    long snapshot = t.currentSnapshot().snapshotId();

    LoadSummary again = loader.load(Zone.ACCELEROMETER, List.of(a.toString(), copy.toString()), LoadProgress.NONE);

    assertThat(first.rowsLoaded()).isEqualTo(1);
    assertThat(again.rowsLoaded()).isZero();
    assertThat(again.skippedFiles()).containsExactly(a.toString(), copy.toString());
    assertThat(again.snapshotId()).isEqualTo(-1);
    t.refresh();
    assertThat(t.currentSnapshot().snapshotId()).isEqualTo(snapshot);
    assertThat(TestTables.rows(catalog, LandingTables.id(Zone.ACCELEROMETER))).hasSize(1);
    assertThat(TestTables.rows(catalog, LandingTables.quarantineId())).hasSize(1);
  }

  @Test
  void aLoadThatDiedBetweenItsTwoCommitsCompletesWithoutDuplicates() throws Exception {
    Path f = file("mixed.json", "{\"user\":\"a@test.com\",\"timestamp\":1,\"x\":1,\"y\":2,\"z\":3}", "{bad",
        "{\"user\":\"b@test.com\",\"timestamp\":2,\"x\":1,\"y\":2,\"z\":3}");
    BulkLoader loader = new BulkLoader(catalog, config);
    loader.load(Zone.ACCELEROMETER, List.of(f.toString()), LoadProgress.NONE);
    // The quarantine commit comes first; undo the landing commit to get the state a crash right after it leaves.
    Table landing = catalog.loadTable(LandingTables.id(Zone.ACCELEROMETER));
    catalog.dropTable(LandingTables.id(Zone.ACCELEROMETER), true);

    LoadSummary again = loader.load(Zone.ACCELEROMETER, List.of(f.toString()), LoadProgress.NONE);

    assertThat(landing.name()).isNotBlank();
    assertThat(again.rowsLoaded()).isEqualTo(2);
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.ACCELEROMETER), "user"))
        .containsExactlyInAnyOrder("a@test.com", "b@test.com");
    assertThat(TestTables.rows(catalog, LandingTables.quarantineId())).hasSize(1);
  }

  @Test
  void parallelWorkersKeepLineNumbersExact() throws Exception {
    StringBuilder b = new StringBuilder();
    int lines = 60_017;
    for (int i = 1; i <= lines; i++) {
      b.append(i % 1000 == 0 ? "{broken " + i : "{\"sensorReadingTime\":" + i + ",\"serialNumber\":\"s\",\"distanceFromObject\":1}")
          .append('\n');
    }
    Path f = tmp.resolve("many.json");
    Files.writeString(f, b);
    LoadSummary s = new BulkLoader(catalog, config.with(Map.of("load.threads", "3")))
        .load(Zone.STEP_TRAINER, List.of(f.toString()), LoadProgress.NONE);
    assertThat(s.rowsLoaded()).isEqualTo(lines - lines / 1000);
    assertThat(TestTables.column(catalog, LandingTables.quarantineId(), "origin"))
        .hasSize(60).contains(f + ":1000", f + ":31000", f + ":60000");
    // the key's line number matches the reading's own time, which equals its line here
    for (Record r : TestTables.rows(catalog, LandingTables.id(Zone.STEP_TRAINER))) {
      assertThat(r.getField(LandingTables.KEY).toString()).endsWith(":" + r.getField("sensorReadingTime"));
    }
  }

  @Test
  void aFileOfOnlyBadLinesIsAlsoRecognisedWhenLoadedAgain() throws Exception {
    Path f = file("bad.json", "nope", "{\"user\":1}");
    BulkLoader loader = new BulkLoader(catalog, config);
    LoadSummary first = loader.load(Zone.ACCELEROMETER, List.of(f.toString()), LoadProgress.NONE);
    LoadSummary again = loader.load(Zone.ACCELEROMETER, List.of(f.toString()), LoadProgress.NONE);
    assertThat(first.rowsRejected()).isEqualTo(2);
    assertThat(again.skippedFiles()).containsExactly(f.toString());
    assertThat(again.rowsRejected()).isZero();
    assertThat(TestTables.rows(catalog, LandingTables.quarantineId())).hasSize(2);
    assertThat(TestTables.rows(catalog, LandingTables.id(Zone.ACCELEROMETER))).isEmpty();
  }

  @Test
  void fileUriWarehouseIsCreatedWhereItPoints() throws Exception {
    Path wh = tmp.resolve("wh-uri");
    LakehouseConfig c = config.with(Map.of("catalog.warehouse", wh.toUri().toString(), "stedi.home", tmp.resolve("h2").toString()));
    try (AutoCloseable cat = (AutoCloseable) Catalogs.open(c)) {
      assertThat(wh).isDirectory();
      assertThat(Path.of("file:")).doesNotExist();
    }
  }

  @Test
  void oneCommitPerInvocationOverFoldersAndGlobs() throws Exception {
    file("d/1.json", "{\"user\":\"a@test.com\",\"timestamp\":1,\"x\":1,\"y\":2,\"z\":3}");
    file("d/2.json", "{\"user\":\"b@test.com\",\"timestamp\":2,\"x\":1,\"y\":2,\"z\":3}");
    file("d/sub/3.json", "{\"user\":\"c@test.com\",\"timestamp\":3,\"x\":1,\"y\":2,\"z\":3}");
    file("e/4.jsonl", "{\"user\":\"d@test.com\",\"timestamp\":4,\"x\":1,\"y\":2,\"z\":3}");
    file("e/5.txt", "{\"user\":\"e@test.com\",\"timestamp\":5,\"x\":1,\"y\":2,\"z\":3}");
    LoadSummary s = new BulkLoader(catalog, config).load(Zone.ACCELEROMETER,
        List.of(tmp.resolve("in/d").toString(), tmp.resolve("in/e").toString() + "/*.jsonl"), LoadProgress.NONE);
    assertThat(s.files()).hasSize(4);
    Table t = catalog.loadTable(LandingTables.id(Zone.ACCELEROMETER));
    assertThat(t.snapshots()).hasSize(1);
    assertThat(t.currentSnapshot().summary()).containsEntry("stedi.source", "load").containsKey(BulkLoader.SUMMARY_FILES);
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.ACCELEROMETER), "user"))
        .containsExactlyInAnyOrder("a@test.com", "b@test.com", "c@test.com", "d@test.com");
  }

  @Test
  void tablesAreFormatV2ZstdAndPartitionedByArrivalDay() throws Exception {
    new BulkLoader(catalog, config).load(Zone.CUSTOMER,
        List.of(file("c.json", "{\"email\":\"a@test.com\",\"serialNumber\":\"s\",\"registrationDate\":1}").toString()),
        LoadProgress.NONE);
    Table t = catalog.loadTable(LandingTables.id(Zone.CUSTOMER));
    assertThat(((org.apache.iceberg.HasTableOperations) t).operations().current().formatVersion()).isEqualTo(2);
    assertThat(t.properties()).containsEntry("write.parquet.compression-codec", "zstd");
    assertThat(t.spec().fields()).singleElement().satisfies(f -> assertThat(f.transform().toString()).isEqualTo("day"));
    assertThat(t.schema().findField("shareWithResearchAsOfDate").type().toString()).isEqualTo("long");
  }

  @Test
  void missingPathIsAClearError() {
    assertThatThrownBy(() -> new BulkLoader(catalog, config).load(Zone.CUSTOMER, List.of(tmp.resolve("nope").toString()),
        LoadProgress.NONE)).hasMessageContaining("no such file or folder").hasMessageContaining("nope");
  }

  @Test
  void cliPrintsASummary() throws Exception {
    Path f = file("s.json", "{\"sensorReadingTime\":1,\"serialNumber\":\"s\",\"distanceFromObject\":1}", "[]");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = WriterCli.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("load", "step_trainer", f.toString(), "--home", tmp.resolve("home").toString());
    assertThat(code).isZero();
    assertThat(out.toString()).contains("loaded 1 rows into stedi.step_trainer_landing from 1 file(s)")
        .contains("rejected 1 rows").contains("malformed_json       1");
    int bad = cl.execute("load", "shoes", f.toString(), "--home", tmp.resolve("home").toString());
    assertThat(bad).isEqualTo(2);
    assertThat(err.toString()).contains("unknown zone 'shoes'");

    StringWriter tables = new StringWriter();
    CommandLine tl = WriterCli.commandLine();
    tl.setOut(new PrintWriter(tables));
    assertThat(tl.execute("tables", "--home", tmp.resolve("home").toString())).isZero();
    // rows from the snapshot summaries: the one good line landed, the bad one is in quarantine
    assertThat(tables.toString()).containsPattern("landing +step_trainer_landing +1 +1 ")
        .containsPattern("landing +quarantine +1 +1 ");
    StringWriter empty = new StringWriter();
    CommandLine el = WriterCli.commandLine();
    el.setOut(new PrintWriter(empty));
    assertThat(el.execute("tables", "--home", tmp.resolve("empty").toString())).isZero();
    assertThat(empty.toString()).startsWith("no stedi tables yet");
  }
}
