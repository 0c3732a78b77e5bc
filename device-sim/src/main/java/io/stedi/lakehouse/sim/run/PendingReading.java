package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.model.StepReading;

/** A reading on its way; {@code interrupted} once its connection dropped before the PUBACK. */
final class PendingReading {
  final StepReading reading;
  final long id;
  final boolean duplicate;
  volatile boolean interrupted;

  PendingReading(StepReading reading, long id, boolean duplicate) {
    this.reading = reading;
    this.id = id;
    this.duplicate = duplicate;
  }
}
