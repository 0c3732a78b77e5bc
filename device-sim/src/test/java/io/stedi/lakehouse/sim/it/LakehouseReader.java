package io.stedi.lakehouse.sim.it;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.io.CloseableIterable;

/** Reads a table of a lakehouse home through the writer's catalog, as any reader would (what is committed). */
final class LakehouseReader {
  private LakehouseReader() {}

  /** The rows matching {@code filter} (columns {@code cols}); empty while the table does not exist yet. */
  static List<Record> rows(Path home, TableIdentifier id, Expression filter, List<String> cols) {
    Catalog catalog = Catalogs.open(LakehouseConfig.embedded(home));
    try {
      Table t;
      try {
        t = catalog.loadTable(id);
      } catch (NoSuchTableException e) {
        return List.of();
      }
      List<Record> out = new ArrayList<>();
      try (CloseableIterable<Record> it = IcebergGenerics.read(t).where(filter).select(cols).build()) {
        it.forEach(r -> out.add(r.copy()));
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + id + ": " + e.getMessage(), e);
      }
      return out;
    } finally {
      CliSupport.closeQuietly(catalog);
    }
  }
}
