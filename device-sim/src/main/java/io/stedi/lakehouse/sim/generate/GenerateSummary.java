package io.stedi.lakehouse.sim.generate;

import java.nio.file.Path;

/**
 * What {@code sim generate} wrote.
 *
 * @param customerRecords lines of the customer file (first records, withdrawals, consent changes; no duplicates)
 * @param stepReadings valid step_trainer lines, each counted once
 * @param accelReadings valid accelerometer lines, each counted once
 * @param malformedLines extra lines {@code bin/stedi load} must quarantine
 * @param duplicateLines valid lines written a second time
 * @param lateReadings readings written after newer ones
 * @param skewedClocks devices and phones whose clock is off
 */
public record GenerateSummary(Path dir, long customers, long customerRecords, long researchSharers,
    long lateConsents, long withdrawals, long consentChanges, long phoneOnly, long sharedSerialCustomers,
    long collidedCustomers, long stepReadings, long accelReadings, long malformedLines, long duplicateLines,
    long lateReadings, long skewedClocks) {

  /** A human-readable report. */
  public String describe() {
    return String.format("wrote %s%n"
        + "  customers %d (%d records): research at registration %d (later than registration %d), "
        + "withdrew %d, agreed later %d, phone but no Step Trainer %d, shared serial %d, same-millisecond start %d%n"
        + "  step_trainer readings %d, accelerometer readings %d%n"
        + "  faults: malformed lines %d, duplicated lines %d, late readings %d, skewed clocks %d",
        dir, customers, customerRecords, researchSharers, lateConsents, withdrawals, consentChanges, phoneOnly,
        sharedSerialCustomers, collidedCustomers, stepReadings, accelReadings, malformedLines, duplicateLines,
        lateReadings, skewedClocks);
  }
}
