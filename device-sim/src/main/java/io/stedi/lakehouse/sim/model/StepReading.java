package io.stedi.lakehouse.sim.model;

import io.stedi.lakehouse.sim.faults.MalformedKind;

/** One Step Trainer reading, as the device sends it and as {@code stedi.step_trainer_landing} stores it. */
public record StepReading(long sensorReadingTime, String serialNumber, int distanceFromObject) {

  /** The landing / MQTT JSON. */
  public String toJson() {
    return Json.write(g -> {
      g.writeStartObject();
      g.writeNumberField("sensorReadingTime", sensorReadingTime);
      g.writeStringField("serialNumber", serialNumber);
      g.writeNumberField("distanceFromObject", distanceFromObject);
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
          g.writeNumberField("sensorReadingTime", sensorReadingTime);
          g.writeStringField("serialNumber", serialNumber);
          g.writeEndObject();
        });
      case WRONG_TYPE:
        return Json.write(g -> {
          g.writeStartObject();
          g.writeNumberField("sensorReadingTime", sensorReadingTime);
          g.writeStringField("serialNumber", serialNumber);
          g.writeStringField("distanceFromObject", "far");
          g.writeEndObject();
        });
      default:
        return Json.write(g -> {
          g.writeStartObject();
          g.writeNumberField("sensorReadingTime", sensorReadingTime);
          g.writeStringField("serialNumber", serialNumber);
          g.writeNumberField("distanceFromObject", -1 - Math.abs(distanceFromObject));
          g.writeEndObject();
        });
    }
  }

  /** Identity in the ledger and in verify. */
  public String key() {
    return serialNumber + "|" + sensorReadingTime + "|" + distanceFromObject;
  }
}
