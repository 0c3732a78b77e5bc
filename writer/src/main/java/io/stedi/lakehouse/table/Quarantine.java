package io.stedi.lakehouse.table;

import io.stedi.lakehouse.parse.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.iceberg.data.GenericRecord;

/** Builds rows of {@code stedi.quarantine}: rejected input with where it came from and why. */
public final class Quarantine {
  private Quarantine() {}

  /**
   * One quarantine row.
   *
   * @param zone the zone the input was meant for (customer, accelerometer, step_trainer) or another label
   * @param origin file:line, device serial or client name
   * @param payload the raw input; truncated to {@code maxPayloadBytes} UTF-8 bytes
   */
  public static GenericRecord record(String zone, String origin, Rejection rejection, String payload,
      int maxPayloadBytes, long arrivalMillis, String source, String key) {
    GenericRecord r = GenericRecord.create(LandingTables.QUARANTINE_SCHEMA);
    r.setField("zone", zone);
    r.setField("origin", origin);
    r.setField("reason_code", rejection.code().code());
    r.setField("message", rejection.message());
    r.setField("payload", truncate(payload, maxPayloadBytes));
    r.setField(LandingTables.ARRIVAL, OffsetDateTime.ofInstant(Instant.ofEpochMilli(arrivalMillis), ZoneOffset.UTC));
    r.setField(LandingTables.SOURCE, source);
    r.setField(LandingTables.KEY, key);
    return r;
  }

  /** Cuts a string to at most {@code maxBytes} UTF-8 bytes without splitting a character. */
  public static String truncate(String s, int maxBytes) {
    if (s == null) {
      return null;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= maxBytes) {
      return s;
    }
    int end = maxBytes;
    while (end > 0 && (b[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(b, 0, end, StandardCharsets.UTF_8);
  }
}
