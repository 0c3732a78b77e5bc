package io.stedi.lakehouse.parse;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.table.Zone;
import java.util.List;
import org.apache.iceberg.types.Types;

/** Which fields each zone requires and which values are impossible. */
final class Rules {
  private Rules() {}

  private static final List<String> CUSTOMER_REQUIRED = List.of("email", "serialNumber", "registrationDate");
  private static final List<String> ACCEL_REQUIRED = List.of("user", "timestamp", "x", "y", "z");
  private static final List<String> STEP_REQUIRED = List.of("sensorReadingTime", "serialNumber", "distanceFromObject");

  static List<String> required(Zone zone) {
    switch (zone) {
      case CUSTOMER:
        return CUSTOMER_REQUIRED;
      case ACCELEROMETER:
        return ACCEL_REQUIRED;
      default:
        return STEP_REQUIRED;
    }
  }

  /** Per zone, whether each seed column (by position) is required: computed once, checked per record. */
  private static final java.util.Map<Zone, boolean[]> REQUIRED = requiredFlags();

  private static java.util.Map<Zone, boolean[]> requiredFlags() {
    java.util.Map<Zone, boolean[]> m = new java.util.EnumMap<>(Zone.class);
    for (Zone z : Zone.values()) {
      List<Types.NestedField> cols = io.stedi.lakehouse.table.LandingTables.schema(z).columns();
      boolean[] f = new boolean[io.stedi.lakehouse.table.LandingTables.seedColumns(io.stedi.lakehouse.table.LandingTables.schema(z))];
      for (int i = 0; i < f.length; i++) {
        f[i] = required(z).contains(cols.get(i).name());
      }
      m.put(z, f);
    }
    return m;
  }

  static Rejection checkRequired(Zone zone, List<Types.NestedField> cols, Object[] values) {
    boolean[] req = REQUIRED.get(zone);
    for (int i = 0; i < values.length; i++) {
      if (values[i] == null && req[i]) {
        String name = cols.get(i).name();
        String alias = zone == Zone.ACCELEROMETER && name.equals("timestamp") ? " (or timeStamp)" : "";
        return new Rejection(ErrorCode.MISSING_FIELD, name, name + alias + " is required");
      }
    }
    return null;
  }

  static Rejection checkValues(Zone zone, List<Types.NestedField> cols, Object[] values) {
    boolean[] req = REQUIRED.get(zone);
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      String name = cols.get(i).name();
      if (v instanceof Long) {
        long t = (Long) v;
        if (t < 0 || t > LandingParser.MAX_EPOCH_MS) {
          return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, name,
              name + " " + t + " is not an epoch-millisecond time between 1970 and 2100");
        }
      } else if (v instanceof Double) {
        double d = (Double) v;
        if (!Double.isFinite(d) || Math.abs(d) > LandingParser.MAX_ACCEL) {
          return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, name,
              name + " " + d + " is outside -" + LandingParser.MAX_ACCEL + ".." + LandingParser.MAX_ACCEL);
        }
      } else if (v instanceof Integer) {
        int d = (Integer) v;
        if (d < 0 || d > LandingParser.MAX_DISTANCE) {
          return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, name,
              name + " " + d + " is outside 0.." + LandingParser.MAX_DISTANCE);
        }
      } else if (v instanceof String && req[i] && ((String) v).isBlank()) {
        return new Rejection(ErrorCode.MISSING_FIELD, name, name + " must not be empty");
      }
    }
    if (zone == Zone.CUSTOMER || zone == Zone.ACCELEROMETER) {
      String email = (String) values[zone == Zone.CUSTOMER ? 1 : 0];
      if (email != null && (email.indexOf('@') <= 0 || email.length() > 320)) {
        String field = zone == Zone.CUSTOMER ? "email" : "user";
        return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, field, field + " '" + abbreviate(email) + "' is not an email address");
      }
    }
    return null;
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "…";
  }
}
