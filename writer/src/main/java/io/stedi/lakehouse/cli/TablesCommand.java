package io.stedi.lakehouse.cli;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code stedi tables}: every table of the {@code stedi} namespace with its rows, data files, bytes and last commit,
 * read from the current snapshot's summary, so it costs one catalog call per table and no scan.
 */
@Command(name = "tables", mixinStandardHelpOptions = true,
    description = {"List the stedi tables by zone with rows, data files, bytes, snapshots and last commit time.",
        "The numbers come from each table's current snapshot summary (no data is read)."})
final class TablesCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConfigOptions options;

  @Override
  public Integer call() {
    LakehouseConfig config = options.lakehouse();
    PrintWriter out = spec.commandLine().getOut();
    Catalog catalog = Catalogs.open(config);
    try {
      Namespace ns = Namespace.of("stedi");
      if (catalog instanceof SupportsNamespaces n && !n.namespaceExists(ns)) {
        out.println("no stedi tables yet in " + config.get(LakehouseConfig.HOME));
        out.flush();
        return 0;
      }
      List<TableIdentifier> ids = new ArrayList<>(catalog.listTables(ns));
      ids.sort(Comparator.comparing((TableIdentifier id) -> zoneOrder(id.name())).thenComparing(TableIdentifier::name));
      out.printf("%-9s %-28s %12s %8s %12s %9s  %s%n", "zone", "table", "rows", "files", "bytes", "snapshots",
          "last commit");
      for (TableIdentifier id : ids) {
        Table t = catalog.loadTable(id);
        Snapshot s = t.currentSnapshot();
        Map<String, String> sum = s == null ? Map.of() : s.summary();
        int snapshots = 0;
        for (Snapshot ignored : t.snapshots()) {
          snapshots++;
        }
        out.printf("%-9s %-28s %,12d %,8d %,12d %9d  %s%n", zone(id.name()), id.name(),
            number(sum, SnapshotSummary.TOTAL_RECORDS_PROP), number(sum, SnapshotSummary.TOTAL_DATA_FILES_PROP),
            number(sum, SnapshotSummary.TOTAL_FILE_SIZE_PROP), snapshots,
            s == null ? "-" : Instant.ofEpochMilli(s.timestampMillis()).toString());
      }
    } finally {
      CliSupport.closeQuietly(catalog);
    }
    out.flush();
    return 0;
  }

  private static long number(Map<String, String> summary, String key) {
    String v = summary.get(key);
    return v == null ? 0 : Long.parseLong(v);
  }

  static String zone(String table) {
    return io.stedi.lakehouse.report.ReportData.zone(table);
  }

  private static int zoneOrder(String table) {
    return io.stedi.lakehouse.report.ReportData.zoneOrder(zone(table));
  }
}
