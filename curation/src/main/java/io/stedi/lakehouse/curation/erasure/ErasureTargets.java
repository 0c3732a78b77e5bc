package io.stedi.lakehouse.curation.erasure;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The tables an erasure visits and how each matches the identity, in the order the rows are deleted: the
 * derived tables and quarantine first and customer_landing last, because the landing tables are what resolves
 * an email to its serial numbers (and back) when an interrupted forget runs again.
 */
enum ErasureTargets {
  QUARANTINE("quarantine"),
  MACHINE_LEARNING_CURATED("machine_learning_curated"),
  STEP_TRAINER_TRUSTED("step_trainer_trusted"),
  ACCELEROMETER_TRUSTED("accelerometer_trusted"),
  CUSTOMERS_CURATED("customers_curated"),
  CUSTOMER_TRUSTED("customer_trusted"),
  STEP_TRAINER_LANDING("step_trainer_landing"),
  ACCELEROMETER_LANDING("accelerometer_landing"),
  CUSTOMER_LANDING("customer_landing");

  private final String table;

  ErasureTargets(String table) {
    this.table = table;
  }

  /** The table's name inside namespace {@code stedi}. */
  String table() {
    return table;
  }

  /**
   * The Spark SQL condition selecting the identity's rows ({@code false} when nothing can match). Customer
   * rows match by email, phone readings by user, Step Trainer readings by serial, ML rows by customer key or
   * serial, quarantine rows when their origin, message or raw payload contains an email or serial.
   */
  String predicate(Identity id) {
    switch (this) {
      case QUARANTINE: {
        List<String> terms = new java.util.ArrayList<>();
        for (String v : union(id.emails(), id.serials())) {
          for (String col : new String[] {"origin", "message", "payload"}) {
            terms.add("instr(lower(coalesce(" + col + ", '')), " + literal(v) + ") > 0");
          }
        }
        return terms.isEmpty() ? "false" : "(" + String.join(" OR ", terms) + ")";
      }
      case MACHINE_LEARNING_CURATED:
        return or(in("customerKey", id.customerKeys(), false), in("serialNumber", id.serials(), true));
      case STEP_TRAINER_TRUSTED:
      case STEP_TRAINER_LANDING:
        return in("serialNumber", id.serials(), true);
      case ACCELEROMETER_TRUSTED:
      case ACCELEROMETER_LANDING:
        return in("user", id.emails(), true);
      default:
        return in("email", id.emails(), true);
    }
  }

  private static List<String> union(Collection<String> a, Collection<String> b) {
    List<String> u = new java.util.ArrayList<>(a);
    u.addAll(b);
    return u;
  }

  private static String in(String column, Collection<String> values, boolean lower) {
    if (values.isEmpty()) {
      return "false";
    }
    String col = lower ? "lower(`" + column + "`)" : "`" + column + "`";
    return col + " IN (" + values.stream().map(ErasureTargets::literal).collect(Collectors.joining(", ")) + ")";
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
}
