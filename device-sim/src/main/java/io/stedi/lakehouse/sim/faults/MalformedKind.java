package io.stedi.lakehouse.sim.faults;

/** How a malformed payload is broken; each maps to one of the writer's quarantine reason codes. */
public enum MalformedKind {
  /** Truncated text that is not JSON ({@code malformed_json}). */
  NOT_JSON("malformed_json"),
  /** A required field left out ({@code missing_field}). */
  MISSING_FIELD("missing_field"),
  /** A number sent as text ({@code wrong_type}). */
  WRONG_TYPE("wrong_type"),
  /** A value no sensor can produce ({@code impossible_value}). */
  IMPOSSIBLE_VALUE("impossible_value");

  private final String reasonCode;

  MalformedKind(String reasonCode) {
    this.reasonCode = reasonCode;
  }

  /** The quarantine reason code the writer gives such a payload. */
  public String reasonCode() {
    return reasonCode;
  }
}
