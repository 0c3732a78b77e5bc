package io.stedi.lakehouse.sim.generate;

import io.stedi.lakehouse.sim.model.CustomerRecord;
import java.util.List;

/**
 * One simulated customer: who they are, what they consented to, and when their devices take readings.
 *
 * @param index position in the fleet (0-based)
 * @param email unique per customer
 * @param serialNumber the Step Trainer's serial; shared with an earlier customer when {@code sharedSerial}
 * @param hasTrainer false for a customer with the phone app but no Step Trainer yet (no step readings)
 * @param sharedSerial whether the serial was already given to another customer (the fulfilment defect)
 * @param researchAtRegistration whether the first record shares for research
 * @param lateConsent whether that research consent date is after the registration date
 * @param withdrew whether a newer record withdraws research consent
 * @param changedConsent whether a newer record gives research consent that the first did not
 * @param collided whether the first reading instant was copied from another customer's (same millisecond)
 * @param instants the reading instants (epoch ms, device clock), strictly increasing; empty never
 * @param records the customer records, oldest first
 */
public record Customer(int index, String customerName, String email, String phone, String birthDay,
    String serialNumber, long registrationDate, boolean hasTrainer, boolean sharedSerial,
    boolean researchAtRegistration, boolean lateConsent, boolean withdrew, boolean changedConsent, boolean collided,
    long[] instants, List<CustomerRecord> records) {

  /** The first record (registration). */
  public CustomerRecord first() {
    return records.get(0);
  }

  /** The newest record (what curation's customer_trusted keeps). */
  public CustomerRecord latest() {
    return records.get(records.size() - 1);
  }
}
