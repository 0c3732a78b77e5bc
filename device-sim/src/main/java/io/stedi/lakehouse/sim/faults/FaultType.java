package io.stedi.lakehouse.sim.faults;

/** The faults the simulator can inject, each at its own configurable rate. */
public enum FaultType {
  /** An extra payload that can never be valid (bad JSON, missing field, wrong type, impossible value). */
  MALFORMED,
  /** A message delivered twice. */
  DUPLICATE,
  /** Many devices disconnecting and reconnecting at the same moment. */
  RECONNECT_STORM,
  /** A device or phone whose clock is off. */
  CLOCK_SKEW,
  /** A reading delivered after newer ones. */
  LATE
}
