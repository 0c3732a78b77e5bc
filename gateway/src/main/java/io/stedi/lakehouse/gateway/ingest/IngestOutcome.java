package io.stedi.lakehouse.gateway.ingest;

/**
 * What became of one payload given to {@link IngestService#ingest}. Protocols only translate it: HTTP into a
 * status and a JSON body, MQTT into a PUBACK (reason code) or a disconnect.
 */
public sealed interface IngestOutcome {

  /** Every reading is durable in the write-ahead log: acknowledge. */
  record Stored(int readings) implements IngestOutcome {}

  /**
   * Nothing was stored: the payload or a reading in it is invalid, foreign or of an erased identity. Its
   * quarantine record is durable (or, with the log full, counted and logged), so acknowledging it is safe.
   *
   * @param batch the problems, each with its reading's index
   * @param erased whether it was refused because its identity was forgotten (its content was not kept)
   */
  record Rejected(ReadingBatch batch, boolean erased) implements IngestOutcome {}

  /**
   * Not stored, and not the sender's fault: do not acknowledge; the sender should retry.
   *
   * @param cause why
   * @param backPressure whether it is the log being full (retry shortly) rather than a failure
   */
  record Unavailable(Throwable cause, boolean backPressure) implements IngestOutcome {}
}
