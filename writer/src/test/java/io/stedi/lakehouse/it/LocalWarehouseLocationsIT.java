package io.stedi.lakehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.commit.CommitCoordinator;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local warehouse is recorded as {@code file:} URIs, the form every engine can open: Trino picks its file system by
 * the location's scheme and cannot open a bare path ("No factory for location"). Iceberg's spec calls every location
 * in table metadata a URI; a bare path only works where the reader defaults to the local file system. Tables created
 * before, under a bare path, keep their recorded locations and go on working beside new ones.
 */
class LocalWarehouseLocationsIT {
  @TempDir
  Path tmp;

  @Test
  void newTablesRecordFileUrisEverywhere() throws Exception {
    LakehouseConfig config = LakehouseConfig.embedded(tmp);
    Catalog catalog = Catalogs.open(config);
    try {
      append(catalog, config, "uri-1@example.com", "uri-1");
      Table accel = catalog.loadTable(LandingTables.id(Zone.ACCELEROMETER));
      String root = "file:" + tmp.resolve("warehouse") + "/stedi/accelerometer_landing";
      assertThat(accel.location()).isEqualTo(root);
      assertThat(((BaseTable) accel).operations().current().metadataFileLocation()).startsWith(root + "/metadata/");
      assertThat(accel.currentSnapshot().manifestListLocation()).startsWith(root + "/metadata/");
      assertThat(manifestsAndDataFiles(accel)).isNotEmpty().allSatisfy(f -> assertThat(f).startsWith(root + "/"));
      // what another engine reads first: the metadata pointer in the catalog's own table
      assertThat(metadataLocationsInSqlite()).isNotEmpty()
          .allSatisfy(l -> assertThat(l).startsWith("file:" + tmp.resolve("warehouse") + "/stedi/"));
    } finally {
      ItSupport.closeQuietly(catalog);
    }
  }

  @Test
  void tablesCreatedUnderABarePathKeepWorking() throws Exception {
    LakehouseConfig config = LakehouseConfig.embedded(tmp);
    // the catalog as earlier versions opened it: the warehouse as a bare path
    Map<String, String> old = new HashMap<>(Catalogs.catalogProperties(config));
    old.put(CatalogProperties.WAREHOUSE_LOCATION, tmp.resolve("warehouse").toString());
    java.nio.file.Files.createDirectories(tmp.resolve("warehouse"));
    Catalog before = CatalogUtil.buildIcebergCatalog(config.get(LakehouseConfig.CATALOG_NAME), old, new org.apache.hadoop.conf.Configuration(false));
    try {
      append(before, config, "old-1@example.com", "old-1");
      assertThat(before.loadTable(LandingTables.id(Zone.ACCELEROMETER)).location()).startsWith("/");
    } finally {
      ItSupport.closeQuietly(before);
    }

    Catalog catalog = Catalogs.open(config);
    try {
      append(catalog, config, "new-1@example.com", "new-1");
      Table accel = catalog.loadTable(LandingTables.id(Zone.ACCELEROMETER));
      assertThat(accel.location()).as("a table keeps the location it was created with")
          .isEqualTo(tmp.resolve("warehouse") + "/stedi/accelerometer_landing");
      assertThat(ItSupport.countByKey(ItSupport.rows(catalog, LandingTables.id(Zone.ACCELEROMETER))))
          .containsEntry("old-1", 1L).containsEntry("new-1", 1L);
      // a table created now, in the same catalog, gets a file: URI
      Table created = catalog.createTable(org.apache.iceberg.catalog.TableIdentifier.of(LandingTables.NAMESPACE,
          "created_later"), accel.schema());
      assertThat(created.location()).startsWith("file:" + tmp.resolve("warehouse") + "/stedi/created_later");
    } finally {
      ItSupport.closeQuietly(catalog);
    }
  }

  private static void append(Catalog catalog, LakehouseConfig config, String user, String key) throws Exception {
    try (CommitCoordinator coordinator = CommitCoordinator.start(catalog, config)) {
      coordinator.append(List.of(ItSupport.accelEntry(user, 1_700_000_000_001L, 0.1, 0.2, 0.3, key)))
          .get(30, TimeUnit.SECONDS);
      coordinator.flush();
    }
  }

  private static List<String> manifestsAndDataFiles(Table t) throws Exception {
    List<String> out = new ArrayList<>();
    for (ManifestFile m : t.currentSnapshot().allManifests(t.io())) {
      out.add(m.path());
    }
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      tasks.forEach(task -> out.add(task.file().location()));
    }
    return out;
  }

  private List<String> metadataLocationsInSqlite() throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("catalog.db"));
        ResultSet rs = c.createStatement().executeQuery("SELECT metadata_location FROM iceberg_tables")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
