package io.stedi.lakehouse.curation.erasure;

import io.stedi.lakehouse.curation.jobs.CurationJob;
import io.stedi.lakehouse.erasure.IdentityKind;
import io.stedi.lakehouse.table.Zone;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A table an erasure visits and how it matches the identity. {@link #values()} lists them in the order the
 * rows are deleted: the derived tables and quarantine first, then the landing tables of every zone (from the
 * zones' descriptors), and last the zones whose records link an email to a serial (customer_landing), because
 * those are what resolves an email to its serial numbers (and back) when an interrupted forget runs again.
 *
 * @param table the table's name inside namespace {@code stedi}
 * @param predicate the Spark SQL condition selecting the identity's rows ({@code false} when nothing can match)
 */
record ErasureTarget(String table, Function<Identity, String> predicate) {

  /** SQL function: {@link io.stedi.lakehouse.erasure.IdentityKind#normalize} (registered by IdentityResolver). */
  static final String NORM_FUNCTION = "stedi_identity_norm";
  /** SQL function: {@link io.stedi.lakehouse.erasure.QuarantineText#mentions}(text, needles joined by newlines). */
  static final String MENTIONS_FUNCTION = "stedi_mentions";

  /**
   * Quarantine rows match when their origin, message or rejected payload names one of the emails or serials, with
   * JSON escapes decoded and normalised, or cut off at the end by truncation ({@code QuarantineText}).
   */
  static final ErasureTarget QUARANTINE = new ErasureTarget("quarantine", id -> {
    List<String> needles = union(id.emails(), id.serials());
    if (needles.isEmpty()) {
      return "false";
    }
    String joined = literal(String.join("\n", needles));
    List<String> terms = new ArrayList<>();
    for (String col : new String[] {"origin", "message", "payload"}) {
      terms.add(MENTIONS_FUNCTION + "(" + col + ", " + joined + ")");
    }
    return "(" + String.join(" OR ", terms) + ")";
  });

  private static final List<ErasureTarget> ALL = all();

  private static List<ErasureTarget> all() {
    List<ErasureTarget> out = new ArrayList<>(List.of(QUARANTINE, new ErasureTarget("machine_learning_curated",
        id -> or(in("customerKey", id.customerKeys(), false), in("deviceKey", id.deviceKeys(), false)))));
    // the tables curation derives from one zone, latest job first: each matches by its zone's owner column
    List<CurationJob> jobs = new ArrayList<>(List.of(CurationJob.values()));
    java.util.Collections.reverse(jobs);
    jobs.stream().filter(j -> j.source() != null).forEach(j -> out.add(owned(j.table(), j.source())));
    Zone.values().stream().sorted(Comparator.comparingInt(z -> z.identityColumns().size()))
        .forEach(z -> out.add(owned(z.landingTable(), z)));
    return List.copyOf(out);
  }

  /** Every target, in deletion order. */
  static List<ErasureTarget> values() {
    return ALL;
  }

  /** A table whose rows are {@code zone}'s records: matched by the zone's owner column. */
  static ErasureTarget owned(String table, Zone zone) {
    String column = zone.ownerColumn();
    return new ErasureTarget(table, id -> in(column, zone.ownerKind() == IdentityKind.EMAIL ? id.emails() : id.serials(), true));
  }

  /** The condition for this identity. */
  String predicate(Identity id) {
    return predicate.apply(id);
  }

  private static List<String> union(Collection<String> a, Collection<String> b) {
    List<String> u = new ArrayList<>(a);
    u.addAll(b);
    return u;
  }

  private static String in(String column, Collection<String> values, boolean normalized) {
    if (values.isEmpty()) {
      return "false";
    }
    String col = normalized ? NORM_FUNCTION + "(`" + column + "`)" : "`" + column + "`";
    return col + " IN (" + values.stream().map(ErasureTarget::literal).collect(Collectors.joining(", ")) + ")";
  }

  private static String or(String a, String b) {
    if ("false".equals(a)) {
      return b;
    }
    return "false".equals(b) ? a : "(" + a + " OR " + b + ")";
  }

  /** A Spark SQL string literal (backslash and quote escaped): identities come from the command line. */
  static String literal(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ErasureTarget t && t.table.equals(table);
  }

  @Override
  public int hashCode() {
    return table.hashCode();
  }

  @Override
  public String toString() {
    return table;
  }
}
