package io.stedi.lakehouse.it;

import io.stedi.lakehouse.commit.WalEntry;
import io.stedi.lakehouse.parse.LandingParser;
import io.stedi.lakehouse.parse.ParseResult;
import io.stedi.lakehouse.table.Zone;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/** Small helpers shared by the integration tests of this package. */
final class ItSupport {
  private ItSupport() {}

  /** One accelerometer reading as a landing JSON line. */
  static String accelLine(String user, long timestamp, double x, double y, double z) {
    return String.format(Locale.ROOT, "{\"user\":\"%s\",\"timestamp\":%d,\"x\":%s,\"y\":%s,\"z\":%s}", user, timestamp,
        Double.toString(x), Double.toString(y), Double.toString(z));
  }

  /** A landing WAL entry for an accelerometer reading (fails the test if the JSON does not validate). */
  static WalEntry accelEntry(String user, long timestamp, double x, double y, double z, String key) {
    ParseResult p = LandingParser.parse(Zone.ACCELEROMETER, accelLine(user, timestamp, x, y, z));
    if (!p.ok()) {
      throw new AssertionError("test row does not validate: " + p.rejection());
    }
    return WalEntry.landing(p.row(), System.currentTimeMillis(), "https", key);
  }

  /** Every row of a table (freshly refreshed). */
  static List<Record> rows(Catalog catalog, TableIdentifier id) {
    Table t = catalog.loadTable(id);
    t.refresh();
    List<Record> out = new ArrayList<>();
    if (t.currentSnapshot() == null) {
      return out;
    }
    try (CloseableIterable<Record> it = IcebergGenerics.read(t).build()) {
      for (Record r : it) {
        out.add(r.copy());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** How many rows carry each {@code _stedi_key}. */
  static Map<String, Long> countByKey(List<Record> rows) {
    Map<String, Long> m = new HashMap<>();
    for (Record r : rows) {
      m.merge(String.valueOf(r.getField("_stedi_key")), 1L, Long::sum);
    }
    return m;
  }

  /** The snapshots of a table, oldest first (following parent links from the current one). */
  static List<Snapshot> history(Table t) {
    t.refresh();
    List<Snapshot> out = new ArrayList<>();
    for (Snapshot s = t.currentSnapshot(); s != null; s = s.parentId() == null ? null : t.snapshot(s.parentId())) {
      out.add(0, s);
    }
    return out;
  }

  static void closeQuietly(Object o) {
    if (o instanceof Closeable) {
      try {
        ((Closeable) o).close();
      } catch (IOException | RuntimeException e) {
        // best effort in test clean-up
      }
    }
  }
}
