package io.stedi.lakehouse.sim.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.stedi.lakehouse.sim.model.AccelReading;
import io.stedi.lakehouse.sim.model.StepReading;

/**
 * One line of the ledger: a reading and what became of it.
 *
 * <ul>
 *   <li>{@code acked}: acknowledged (QoS 1 PUBACK success, HTTP 202); it must be in the table, once per acked line.
 *   <li>{@code failed}: sent, but no acknowledgement came (timeout, connection lost, retries exhausted); it may or
 *       may not have landed.
 *   <li>{@code sent}: sent at QoS 0, which has no acknowledgement; it may or may not have landed.
 *   <li>{@code rejected}: refused by the receiver (MQTT 5 PUBACK error, HTTP 4xx); it must not be in the table.
 * </ul>
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LedgerEntry(String zone, String serialNumber, Long sensorReadingTime, Integer distanceFromObject,
    String user, Long timestamp, Double x, Double y, Double z, String status) {

  public static final String STEP_TRAINER = "step_trainer";
  public static final String ACCELEROMETER = "accelerometer";
  public static final String ACKED = "acked";
  public static final String FAILED = "failed";
  public static final String SENT = "sent";
  public static final String REJECTED = "rejected";

  public static LedgerEntry of(StepReading r, String status) {
    return new LedgerEntry(STEP_TRAINER, r.serialNumber(), r.sensorReadingTime(), r.distanceFromObject(), null, null,
        null, null, null, status);
  }

  public static LedgerEntry of(AccelReading r, String status) {
    return new LedgerEntry(ACCELEROMETER, null, null, null, r.user(), r.timestamp(), r.x(), r.y(), r.z(), status);
  }

  /** The reading's identity, as {@link StepReading#key()} / {@link AccelReading#key()}. */
  public String key() {
    return STEP_TRAINER.equals(zone) ? serialNumber + "|" + sensorReadingTime + "|" + distanceFromObject
        : user + "|" + timestamp + "|" + x + "|" + y + "|" + z;
  }

  /** The reading's time (device or phone clock). */
  public long time() {
    return STEP_TRAINER.equals(zone) ? sensorReadingTime : timestamp;
  }
}
