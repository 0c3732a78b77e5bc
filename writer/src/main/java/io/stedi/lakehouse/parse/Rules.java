package io.stedi.lakehouse.parse;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.table.Zone;
import io.stedi.lakehouse.table.ZoneField;
import java.util.List;

/** Checks a parsed record against its zone's descriptor: required fields, possible values, email shapes. */
final class Rules {
  private Rules() {}

  static Rejection checkRequired(Zone zone, Object[] values) {
    List<ZoneField> fields = zone.fields();
    for (int i = 0; i < values.length; i++) {
      ZoneField f = fields.get(i);
      if (values[i] == null && f.required()) {
        String alias = f.aliases().isEmpty() ? "" : " (or " + String.join(" or ", f.aliases()) + ")";
        return new Rejection(ErrorCode.MISSING_FIELD, f.name(), f.name() + alias + " is required");
      }
    }
    return null;
  }

  static Rejection checkValues(Zone zone, Object[] values) {
    List<ZoneField> fields = zone.fields();
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      ZoneField f = fields.get(i);
      String name = f.name();
      if (v == null) {
        continue;
      }
      switch (f.type()) {
        case EPOCH_MILLIS -> {
          long t = (Long) v;
          if (t < f.min() || t > f.max()) {
            return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, name,
                name + " " + t + " is not an epoch-millisecond time between 1970 and 2100");
          }
        }
        case DOUBLE -> {
          double d = (Double) v;
          if (!Double.isFinite(d) || d < f.min() || d > f.max()) {
            return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, name, name + " " + d + " is outside " + f.rangeText());
          }
        }
        case INT -> {
          int d = (Integer) v;
          if (d < f.min() || d > f.max()) {
            return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, name, name + " " + d + " is outside " + f.rangeText());
          }
        }
        case STRING -> {
          if (f.required() && ((String) v).isBlank()) {
            return new Rejection(ErrorCode.MISSING_FIELD, name, name + " must not be empty");
          }
        }
      }
    }
    for (int i = 0; i < values.length; i++) {
      ZoneField f = fields.get(i);
      String email = f.email() ? (String) values[i] : null;
      if (email != null && (email.indexOf('@') <= 0 || email.length() > 320)) {
        return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, f.name(),
            f.name() + " '" + abbreviate(email) + "' is not an email address");
      }
    }
    return null;
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "…";
  }
}
