package io.stedi.lakehouse.curation.maintain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stedi.lakehouse.curation.SparkTestBase;
import io.stedi.lakehouse.curation.cli.CurationCli;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.curation.maintain.MaintenanceReport.TableResult;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.spark.SparkCatalog;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * Maintenance on a real local Spark session and embedded lakehouse: a landing table built from 60 one-row
 * appends (as a gateway committing every second makes them) is compacted, its snapshots expired down to
 * maintain.retain-last, an old orphan file removed while a young one stays, and the run recorded.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MaintenanceJobIT extends SparkTestBase {
  private static final int APPENDS = 60;
  private static final String LANDING = "stedi.step_trainer_landing";
  private static final String WAL_POSITION = "stedi.wal.writer-1.lsn";
  private static final List<String> PROGRESS = new ArrayList<>();

  private static Table landing;
  private static long checksum;

  @BeforeAll
  static void sixtySmallAppends() throws Exception {
    Catalog catalog = ((SparkCatalog) spark.sessionState().catalogManager().catalog("lakehouse")).icebergCatalog();
    landing = LandingTables.ensure(catalog, LandingTables.id(Zone.STEP_TRAINER), Zone.STEP_TRAINER.schema(),
        128L << 20, 20);
    for (int i = 1; i <= APPENDS; i++) {
      // one row, one data file, one snapshot per append; the summary carries a writer position as the gateway's do
      spark.sql("SELECT CAST(" + (1655564444000L + i) + " AS BIGINT) AS sensorReadingTime, 'st-" + (i % 7)
              + "' AS serialNumber, " + i + " AS distanceFromObject, TIMESTAMP '2024-01-01 10:00:00' AS _stedi_arrival,"
              + " 'mqtt' AS _stedi_source, 'k" + i + "' AS _stedi_key")
          .writeTo(LANDING).option("snapshot-property." + WAL_POSITION, Integer.toString(i)).append();
    }
    landing.refresh();
    landing.updateProperties().set(WAL_POSITION, Integer.toString(APPENDS)).commit();
    checksum = rowsChecksum();
  }

  private static long rowsChecksum() {
    return sql("SELECT sum(hash(sensorReadingTime, serialNumber, distanceFromObject, _stedi_key)) FROM " + LANDING)
        .get(0).getLong(0);
  }

  private static CurationConfig config(String... overrides) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < overrides.length; i += 2) {
      m.put(overrides[i], overrides[i + 1]);
    }
    return CurationConfig.embedded(home(), m);
  }

  private static MaintenanceReport maintain(CurationConfig c, boolean dryRun, String... tables) {
    return new MaintenanceJob(spark, c, PROGRESS::add).run(List.of(tables), dryRun);
  }

  private static TableResult result(MaintenanceReport r, String table) {
    return r.tables().stream().filter(t -> t.table().equals(table)).findFirst().orElseThrow();
  }

  private static Path localPath(String location) {
    return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
  }

  @Test
  @Order(1)
  void dryRunReportsAndChangesNothing() {
    long snapshot = landing.currentSnapshot().snapshotId();
    MaintenanceReport r = maintain(config("maintain.snapshot-retention", "0s", "maintain.retain-last", "10"), true,
        LANDING);
    TableResult t = result(r, LANDING);
    assertThat(t.status()).isEqualTo(MaintenanceReport.DRY_RUN);
    assertThat(t.filesRewritten()).isEqualTo(APPENDS);
    assertThat(t.filesAdded()).isEqualTo(1);
    assertThat(t.snapshotsExpired()).isEqualTo(APPENDS - 10);
    landing.refresh();
    assertThat(landing.currentSnapshot().snapshotId()).isEqualTo(snapshot);
    assertThat(landing.snapshots()).hasSize(APPENDS);
    assertThat(spark.catalog().tableExists(MaintenanceRuns.TABLE)).as("a dry run writes nothing").isFalse();
  }

  @Test
  @Order(2)
  void compactsExpiresRemovesOldOrphansAndRecords() throws Exception {
    Path dataDir = localPath(landing.location()).resolve("data");
    Path oldOrphan = Files.writeString(dataDir.resolve("orphan-old.parquet"), "left by a crashed writer");
    Files.setLastModifiedTime(oldOrphan, FileTime.from(Instant.now().minus(Duration.ofDays(4))));
    Path youngOrphan = Files.writeString(dataDir.resolve("orphan-young.parquet"), "maybe a commit in progress");
    long rows = sql("SELECT count(*) FROM " + LANDING).get(0).getLong(0);

    long t0 = System.nanoTime();
    MaintenanceReport r = maintain(config("maintain.snapshot-retention", "0s", "maintain.retain-last", "10",
        "maintain.manifest-rewrite-threshold", "10"), false, LANDING);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    TableResult t = result(r, LANDING);
    System.err.printf("maintain %s: %d -> %d data files, %d -> %d bytes, %d snapshots expired, %d manifests rewritten,"
            + " %d ms%n", LANDING, t.dataFilesBefore(), t.dataFilesAfter(), t.bytesBefore(), t.bytesAfter(),
        t.snapshotsExpired(), t.manifestsRewritten(), ms);

    assertThat(t.status()).as(String.valueOf(t.error())).isEqualTo(MaintenanceReport.OK);
    assertThat(t.dataFilesBefore()).isEqualTo(APPENDS);
    assertThat(t.dataFilesAfter()).isEqualTo(1);
    assertThat(t.filesRewritten()).isEqualTo(APPENDS);
    assertThat(t.filesAdded()).isEqualTo(1);
    assertThat(t.bytesAfter()).isLessThan(t.bytesBefore());
    assertThat(t.manifestsRewritten()).isPositive();
    assertThat(t.orphanFilesDeleted()).isEqualTo(1);
    assertThat(oldOrphan).doesNotExist();
    assertThat(youngOrphan).exists();
    Files.delete(youngOrphan);

    assertThat(sql("SELECT count(*) FROM " + LANDING).get(0).getLong(0)).isEqualTo(rows).isEqualTo(APPENDS);
    assertThat(rowsChecksum()).isEqualTo(checksum);

    landing.refresh();
    assertThat(landing.snapshots()).as("retain-last keeps exactly 10 when all are older than the retention")
        .hasSize(10);
    // 60 appends + compaction + manifest rewrite, all but 10 expired
    assertThat(t.snapshotsExpired()).isEqualTo(APPENDS + 2 - 10);
    assertThat(landing.properties()).as("a writer's WAL position survives compaction and expiry")
        .containsEntry(WAL_POSITION, Integer.toString(APPENDS));
    assertThat(landing.currentSnapshot().dataManifests(landing.io())).hasSizeLessThanOrEqualTo(2);

    List<Row> recorded = sql("SELECT table_name, data_files_before, data_files_after, files_rewritten, files_added,"
        + " snapshots_expired, orphan_files_deleted, manifests_rewritten, status, error, bytes_before > bytes_after,"
        + " finished_at >= started_at FROM " + MaintenanceRuns.TABLE + " WHERE run_id = ?", r.runId());
    assertThat(recorded).containsExactly(row(LANDING, (long) APPENDS, 1L, (long) APPENDS, 1L,
        (long) t.snapshotsExpired(), 1L, t.manifestsRewritten(), "ok", null, true, true));
    assertThat(MaintenanceJob.lastRun(spark)).hasValueSatisfying(
        at -> assertThat(at).isBetween(Instant.now().minusSeconds(60), Instant.now()));
    assertThat(PROGRESS).anyMatch(l -> l.contains("compaction rewrote 60 data files into 1"));
  }

  @Test
  @Order(3)
  void defaultsKeepYoungSnapshotsAndBoundTheMetadataOfSqlCreatedTables() throws Exception {
    // as curation creates its tables: Spark SQL, without the metadata-bounding properties
    sql("CREATE OR REPLACE TABLE stedi.customer_trusted USING iceberg TBLPROPERTIES ('format-version' = '2')"
        + " AS SELECT 'a@b.com' AS email");
    for (int i = 0; i < 5; i++) {
      sql("INSERT INTO stedi.customer_trusted VALUES ('x" + i + "@b.com')");
    }
    Table trusted = Spark3Util.loadIcebergTable(spark, "stedi.customer_trusted");
    assertThat(trusted.properties()).doesNotContainKey(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED);

    MaintenanceReport r = maintain(config(), false, "customer_trusted");
    TableResult t = result(r, "stedi.customer_trusted");
    assertThat(t.status()).isEqualTo(MaintenanceReport.OK);
    assertThat(t.snapshotsExpired()).as("default retention keeps young snapshots").isZero();
    assertThat(t.dataFilesBefore()).isEqualTo(6);
    assertThat(t.dataFilesAfter()).isEqualTo(1);
    trusted.refresh();
    assertThat(trusted.properties()).containsEntry(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true")
        .containsEntry(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "100");
    assertThat(trusted.snapshots()).hasSize(7);

    // curation's next full run replaces the table: the properties stay
    sql("CREATE OR REPLACE TABLE stedi.customer_trusted USING iceberg TBLPROPERTIES ('format-version' = '2')"
        + " AS SELECT 'c@d.com' AS email");
    trusted.refresh();
    assertThat(trusted.properties()).containsEntry(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true");

    // a long run of commits leaves at most previous-versions-max old metadata.json files
    for (int i = 0; i < 130; i++) {
      trusted.updateProperties().set("test.commit", Integer.toString(i)).commit();
    }
    try (var files = Files.list(localPath(trusted.location()).resolve("metadata"))) {
      assertThat(files.filter(p -> p.getFileName().toString().endsWith(".metadata.json")).count())
          .isLessThanOrEqualTo(101);
    }
  }

  @Test
  @Order(4)
  void commandPrintsJsonAndEveryTableByDefault() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = CurationCli.commandLine((cfg, master) -> spark);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute("maintain", "--home", home().toString(), "--json");
    assertThat(code).as(err.toString()).isZero();
    JsonNode report = new ObjectMapper().readTree(out.toString());
    List<String> tables = new ArrayList<>();
    report.get("tables").forEach(t -> tables.add(t.get("table").asText()));
    assertThat(tables).contains(LANDING, "stedi.customer_trusted", MaintenanceRuns.TABLE);
    report.get("tables").forEach(t -> assertThat(t.get("status").asText()).isEqualTo("ok"));
    assertThat(err.toString()).contains("maintenance run " + report.get("run_id").asText());

    StringWriter text = new StringWriter();
    cl.setOut(new PrintWriter(text, true));
    assertThat(cl.execute("maintain", "--home", home().toString(), "--dry-run", "--table", "step_trainer_landing"))
        .isZero();
    assertThat(text.toString()).contains("dry run").contains(LANDING).contains("dry_run");
  }

  /**
   * A table curation writes in time order keeps it through compaction: the rewritten file holds its rows in time
   * order (so 8 MB row groups each cover one stretch of time), where bin-packing would concatenate the small files
   * in whatever order it planned them.
   */
  @Test
  @Order(5)
  void compactionKeepsATimeOrderedTableInTimeOrder() {
    String table = "stedi.accelerometer_trusted";
    sql("CREATE TABLE " + table + " (user STRING, timestamp BIGINT, x DOUBLE, y DOUBLE, z DOUBLE) USING iceberg");
    for (int stretch : new int[] {5, 2, 7, 0, 3, 6, 1, 4}) { // one small file per stretch of time, out of order
      StringBuilder values = new StringBuilder();
      for (int i = 0; i < 10; i++) {
        values.append(i == 0 ? "" : ", ").append("('u@x.com', ").append(stretch * 1000 + i).append(", 0.0, 0.0, 0.0)");
      }
      sql("INSERT INTO " + table + " VALUES " + values);
    }
    TableResult t = result(maintain(config(), false, table), table);
    assertThat(t.status()).as(String.valueOf(t.error())).isEqualTo(MaintenanceReport.OK);
    assertThat(t.dataFilesBefore()).isGreaterThanOrEqualTo(8);
    assertThat(t.dataFilesAfter()).isEqualTo(1);
    List<Long> physicalOrder = sql("SELECT timestamp FROM " + table + " ORDER BY _pos").stream()
        .map(r -> r.getLong(0)).toList();
    assertThat(physicalOrder).hasSize(80).isSorted();
  }

  @Test
  void unknownTableIsNamed() {
    assertThatThrownBy(() -> maintain(config(), true, "stedi.nope")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no table stedi.nope");
  }
}
