package io.stedi.lakehouse.sim.verify;

import io.stedi.lakehouse.sim.run.LedgerEntry;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;

/**
 * Compares a ledger with the landing tables. Scope: rows of the ledger's serial numbers (step_trainer_landing)
 * and users (accelerometer_landing) whose time lies between that serial's (user's) first and last time in the
 * ledger. Exactly once by content: a reading (serial, time, distance; user, time, x, y, z) the ledger shows
 * acknowledged must be matched by exactly one row; one that is only in doubt (failed, QoS 0, resent after a lost
 * ack) by at most one. A second row of the same reading is a duplicate, in doubt or not, and a row the ledger does not know is unexpected (other traffic, an older run in
 * the same window, or a reading the receiver refused yet stored).
 */
public final class LedgerVerifier {
  private static final int EXAMPLES = 10;

  private final Catalog catalog;

  public LedgerVerifier(Catalog catalog) {
    this.catalog = catalog;
  }

  public VerifyResult verify(List<LedgerEntry> ledger) {
    Map<String, Long> byStatus = new TreeMap<>();
    Map<String, Counts> counts = new HashMap<>();
    Map<String, long[]> serials = new TreeMap<>();
    Map<String, long[]> users = new TreeMap<>();
    long[] stepWindow = {Long.MAX_VALUE, Long.MIN_VALUE};
    long[] accelWindow = {Long.MAX_VALUE, Long.MIN_VALUE};
    for (LedgerEntry e : ledger) {
      byStatus.merge(e.status(), 1L, Long::sum);
      boolean step = LedgerEntry.STEP_TRAINER.equals(e.zone());
      long[] w = step ? stepWindow : accelWindow;
      w[0] = Math.min(w[0], e.time());
      w[1] = Math.max(w[1], e.time());
      long[] own = (step ? serials : users).computeIfAbsent(step ? e.serialNumber() : e.user(),
          k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
      own[0] = Math.min(own[0], e.time());
      own[1] = Math.max(own[1], e.time());
      Counts c = counts.computeIfAbsent(e.key(), k -> new Counts());
      switch (e.status()) {
        case LedgerEntry.ACKED:
          c.acked++;
          break;
        case LedgerEntry.REJECTED:
          c.rejected++;
          break;
        default:
          c.doubt++;
      }
    }
    Map<String, Long> tableRows = new LinkedHashMap<>();
    tableRows.put(LedgerEntry.STEP_TRAINER, serials.isEmpty() ? 0
        : scan(Zone.STEP_TRAINER, serials, stepWindow, counts));
    tableRows.put(LedgerEntry.ACCELEROMETER, users.isEmpty() ? 0
        : scan(Zone.ACCELEROMETER, users, accelWindow, counts));
    long missing = 0;
    long duplicated = 0;
    long unexpected = 0;
    long doubtLanded = 0;
    long doubtMissing = 0;
    Map<String, List<String>> examples = new LinkedHashMap<>();
    examples.put("missing", new ArrayList<>());
    examples.put("duplicated", new ArrayList<>());
    examples.put("unexpected", new ArrayList<>());
    for (Map.Entry<String, Counts> en : new TreeMap<>(counts).entrySet()) {
      Counts c = en.getValue();
      if (c.acked == 0 && c.doubt == 0) {
        if (c.rows > 0) {
          unexpected += c.rows;
          example(examples, "unexpected", en.getKey() + " (" + c.rows + " rows; "
              + (c.rejected > 0 ? "the receiver refused it)" : "not in the ledger)"));
        }
        continue;
      }
      // The product dedups by content, so a reading sent any number of times lands once.
      if (c.acked > 0 && c.rows == 0) {
        missing++;
        example(examples, "missing", en.getKey() + " (acknowledged " + c.acked + ", rows 0)");
      } else if (c.rows > 1) {
        duplicated += c.rows - 1;
        example(examples, "duplicated", en.getKey() + " (acknowledged " + c.acked + ", in doubt " + c.doubt
            + ", rows " + c.rows + ")");
      }
      if (c.acked == 0 && c.doubt > 0) {
        if (c.rows > 0) {
          doubtLanded++;
        } else {
          doubtMissing++;
        }
      }
    }
    return new VerifyResult(byStatus, tableRows, missing, duplicated, unexpected, doubtLanded, doubtMissing,
        examples);
  }

  private static void example(Map<String, List<String>> examples, String kind, String text) {
    List<String> l = examples.get(kind);
    if (l.size() < EXAMPLES) {
      l.add(text);
    }
  }

  /** Counts the zone's rows in scope into {@code counts} (unknown keys get a new entry) and returns the total. */
  private long scan(Zone zone, Map<String, long[]> ids, long[] window, Map<String, Counts> counts) {
    String idColumn = zone.ownerColumn();
    String timeColumn = zone.eventTimeColumn();
    Table t;
    try {
      t = catalog.loadTable(LandingTables.id(zone));
    } catch (NoSuchTableException e) {
      return 0;
    }
    Expression filter = Expressions.and(Expressions.in(idColumn, ids.keySet().toArray()),
        Expressions.and(Expressions.greaterThanOrEqual(timeColumn, window[0]),
            Expressions.lessThanOrEqual(timeColumn, window[1])));
    // a reading's ledger key: its owner, its time, then the rest of its zone's dedup identity, in order
    List<String> rest = zone.dedupColumns().stream().filter(c -> !c.equals(idColumn) && !c.equals(timeColumn)).toList();
    List<String> cols = new ArrayList<>(List.of(idColumn, timeColumn));
    cols.addAll(rest);
    long n = 0;
    try (CloseableIterable<Record> it = IcebergGenerics.read(t).where(filter).select(cols).build()) {
      for (Record r : it) {
        Object id = r.getField(idColumn);
        Object time = r.getField(timeColumn);
        long[] own = id == null || time == null ? null : ids.get(id.toString());
        if (own == null) {
          continue;
        }
        long tm = ((Number) time).longValue();
        if (tm < own[0] || tm > own[1]) {
          continue;
        }
        StringBuilder key = new StringBuilder().append(id).append('|').append(tm);
        for (String c : rest) {
          key.append('|').append(r.getField(c));
        }
        counts.computeIfAbsent(key.toString(), k -> new Counts()).rows++;
        n++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + t.name() + ": " + e.getMessage(), e);
    }
    return n;
  }

  private static final class Counts {
    long acked;
    long doubt;
    long rejected;
    long rows;
  }
}
