package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.parse.LandingRow;

/**
 * Decides at commit time that a write-ahead-log entry must not reach its table after all: the gateway drops
 * readings of an identity that was forgotten (right to be forgotten) while they waited in the log. A dropped
 * entry is skipped like a committed one: its log position still advances. Called on the coordinator's thread;
 * must be fast and must not block on I/O.
 */
public interface EntryFilter {
  /** Keeps every entry. */
  EntryFilter NONE = new EntryFilter() {
    @Override
    public boolean dropLanding(LandingRow row) {
      return false;
    }

    @Override
    public boolean dropQuarantine(String zone, String origin, String message, String payload) {
      return false;
    }
  };

  /** Whether a validated landing row must not be written. */
  boolean dropLanding(LandingRow row);

  /** Whether a quarantine row (its text columns) must not be written. */
  boolean dropQuarantine(String zone, String origin, String message, String payload);
}
