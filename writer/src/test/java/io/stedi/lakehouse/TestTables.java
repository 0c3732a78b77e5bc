package io.stedi.lakehouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/** Reads tables back for assertions. */
public final class TestTables {
  private TestTables() {}

  /** Every row of the table's current snapshot. */
  public static List<Record> rows(Catalog catalog, TableIdentifier id) {
    Table t = catalog.loadTable(id);
    List<Record> out = new ArrayList<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(t).build()) {
      it.forEach(r -> out.add(r.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** One column of every row, as strings (null stays null). */
  public static List<String> column(Catalog catalog, TableIdentifier id, String column) {
    List<String> out = new ArrayList<>();
    for (Record r : rows(catalog, id)) {
      Object v = r.getField(column);
      out.add(v == null ? null : v.toString());
    }
    return out;
  }
}
