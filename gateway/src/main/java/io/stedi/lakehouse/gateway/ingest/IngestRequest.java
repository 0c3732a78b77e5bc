package io.stedi.lakehouse.gateway.ingest;

import io.stedi.lakehouse.commit.WalEntry;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.Context;
import java.util.function.IntFunction;

/**
 * One payload for {@link IngestService#ingest}.
 *
 * @param protocol how it arrived
 * @param zone which landing zone it claims to be
 * @param origin the authenticated sender
 * @param payload the raw bytes: one JSON object, or an array of them
 * @param allowObject whether a single object is accepted
 * @param allowArray whether an array of objects is accepted
 * @param maxReadings more readings than this in one payload is PAYLOAD_TOO_LARGE
 * @param sideEntry given the number of readings accepted, an entry to append atomically with them (an HTTP
 *     idempotency record), or null
 * @param context the caller's Vert.x context, on which the outcome completes (a caller that holds it saves a
 *     thread-local lookup per message)
 */
public record IngestRequest(Protocol protocol, Zone zone, Origin origin, byte[] payload, boolean allowObject,
    boolean allowArray, int maxReadings, IntFunction<WalEntry> sideEntry, Context context) {

  /** A device's payload: one reading or an array of up to {@code maxReadings}. */
  public static IngestRequest device(Protocol protocol, Zone zone, Origin device, byte[] payload, int maxReadings,
      Context context) {
    return new IngestRequest(protocol, zone, device, payload, true, true, maxReadings, null, context);
  }
}
