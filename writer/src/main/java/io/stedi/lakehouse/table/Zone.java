package io.stedi.lakehouse.table;

import java.util.Locale;

/** The three landing zones: which seed data a record is, and which landing table it lands in. */
public enum Zone {
  CUSTOMER(1, "customer_landing"),
  ACCELEROMETER(2, "accelerometer_landing"),
  STEP_TRAINER(3, "step_trainer_landing");

  private final int walId;
  private final String landingTable;

  Zone(int walId, String landingTable) {
    this.walId = walId;
    this.landingTable = landingTable;
  }

  /**
   * The zone's stable id in persisted formats (the write-ahead log, dedup identities). Never reuse or renumber
   * one: logs written by earlier versions name zones by it. Declaration order does not matter.
   */
  public int walId() {
    return walId;
  }

  /** The zone with this stable id. */
  public static Zone fromWalId(int id) {
    for (Zone z : values()) {
      if (z.walId == id) {
        return z;
      }
    }
    throw new IllegalArgumentException("unknown zone id " + id + " (written by a newer version?)");
  }

  /** The landing table's name inside namespace {@code stedi}. */
  public String landingTable() {
    return landingTable;
  }

  /** The name used on the command line and in quarantine rows: customer, accelerometer, step_trainer. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a CLI zone name; also accepts dashes. */
  public static Zone fromCli(String s) {
    for (Zone z : values()) {
      if (z.cliName().equals(s.trim().toLowerCase(Locale.ROOT).replace('-', '_'))) {
        return z;
      }
    }
    throw new IllegalArgumentException("unknown zone '" + s + "': expected customer, accelerometer or step_trainer");
  }
}
