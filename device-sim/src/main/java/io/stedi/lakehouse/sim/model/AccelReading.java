package io.stedi.lakehouse.sim.model;

import io.stedi.lakehouse.sim.faults.MalformedKind;

/**
 * One phone accelerometer reading. {@code camelCase} says whether the app spelled the time field
 * {@code timeStamp} (older app versions) or {@code timestamp}; both land in column {@code timestamp}.
 */
public record AccelReading(String user, long timestamp, double x, double y, double z, boolean camelCase) {

  /** The landing / HTTP JSON object. */
  public String toJson() {
    return Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("user", user);
      g.writeNumberField(camelCase ? "timeStamp" : "timestamp", timestamp);
      g.writeNumberField("x", x);
      g.writeNumberField("y", y);
      g.writeNumberField("z", z);
      g.writeEndObject();
    });
  }

  /** A payload derived from this reading that the gateway and the loader must refuse. */
  public String toMalformedJson(MalformedKind kind) {
    switch (kind) {
      case NOT_JSON: {
        String j = toJson();
        return j.substring(0, j.length() / 2);
      }
      case MISSING_FIELD:
        return Json.write(g -> {
          g.writeStartObject();
          g.writeStringField("user", user);
          g.writeNumberField("timestamp", timestamp);
          g.writeNumberField("x", x);
          g.writeNumberField("y", y);
          g.writeEndObject();
        });
      case WRONG_TYPE:
        return Json.write(g -> {
          g.writeStartObject();
          g.writeStringField("user", user);
          g.writeNumberField("timestamp", timestamp);
          g.writeStringField("x", "high");
          g.writeNumberField("y", y);
          g.writeNumberField("z", z);
          g.writeEndObject();
        });
      default:
        return Json.write(g -> {
          g.writeStartObject();
          g.writeStringField("user", user);
          g.writeNumberField("timestamp", timestamp);
          g.writeNumberField("x", 1.0e6);
          g.writeNumberField("y", y);
          g.writeNumberField("z", z);
          g.writeEndObject();
        });
    }
  }

  /** Identity in the ledger and in verify (x/y/z as landed: doubles). */
  public String key() {
    return user + "|" + timestamp + "|" + x + "|" + y + "|" + z;
  }
}
