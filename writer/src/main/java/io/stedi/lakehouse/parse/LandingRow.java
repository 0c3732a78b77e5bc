package io.stedi.lakehouse.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;

/** One validated landing record: the seed columns of its zone, in schema order. */
public final class LandingRow {
  private static final JsonFactory JSON = new JsonFactory();

  private final Zone zone;
  private final Object[] values;

  LandingRow(Zone zone, Object[] values) {
    this.zone = zone;
    this.values = values;
  }

  public Zone zone() {
    return zone;
  }

  /** Value of a seed column by name (null when absent). */
  public Object get(String column) {
    List<Types.NestedField> cols = LandingTables.schema(zone).columns();
    for (int i = 0; i < values.length; i++) {
      if (cols.get(i).name().equals(column)) {
        return values[i];
      }
    }
    throw new IllegalArgumentException(zone.landingTable() + " has no seed column " + column);
  }

  /**
   * The record as canonical JSON (schema column names, nulls omitted). Parsing it again gives an equal row;
   * the write-ahead log stores this form.
   */
  public byte[] toJson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    List<Types.NestedField> cols = LandingTables.schema(zone).columns();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      for (int i = 0; i < values.length; i++) {
        Object v = values[i];
        if (v == null) {
          continue;
        }
        String name = cols.get(i).name();
        if (v instanceof String) {
          g.writeStringField(name, (String) v);
        } else if (v instanceof Long) {
          g.writeNumberField(name, (Long) v);
        } else if (v instanceof Integer) {
          g.writeNumberField(name, (Integer) v);
        } else {
          g.writeNumberField(name, (Double) v);
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Builds the Iceberg record with ingestion metadata.
   *
   * @param arrivalMicros arrival time in microseconds since the epoch (UTC)
   */
  public GenericRecord toRecord(Schema schema, long arrivalMicros, String source, String key) {
    return toRecord(schema, java.time.OffsetDateTime.ofInstant(
        java.time.Instant.EPOCH.plusNanos(arrivalMicros * 1000L), java.time.ZoneOffset.UTC), source, key);
  }

  /** Like {@link #toRecord(Schema, long, String, String)} with the arrival already converted (bulk loads share one). */
  public GenericRecord toRecord(Schema schema, java.time.OffsetDateTime arrival, String source, String key) {
    GenericRecord r = GenericRecord.create(schema);
    for (int i = 0; i < values.length; i++) {
      r.set(i, values[i]);
    }
    r.set(values.length, arrival);
    r.set(values.length + 1, source);
    r.set(values.length + 2, key);
    return r;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LandingRow && ((LandingRow) o).zone == zone && Arrays.equals(((LandingRow) o).values, values);
  }

  @Override
  public int hashCode() {
    return zone.hashCode() * 31 + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return zone.cliName() + new String(toJson(), java.nio.charset.StandardCharsets.UTF_8);
  }
}
