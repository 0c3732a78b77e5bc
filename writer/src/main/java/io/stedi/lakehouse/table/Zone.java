package io.stedi.lakehouse.table;

import java.util.Locale;

/** The three landing zones: which seed data a record is, and which landing table it lands in. */
public enum Zone {
  CUSTOMER("customer_landing"),
  ACCELEROMETER("accelerometer_landing"),
  STEP_TRAINER("step_trainer_landing");

  private final String landingTable;

  Zone(String landingTable) {
    this.landingTable = landingTable;
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
