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

  private static final byte NULL = 0;
  private static final byte STRING = 1;
  private static final byte LONG = 2;
  private static final byte INT = 3;
  private static final byte DOUBLE = 4;

  /**
   * The row in the write-ahead log's compact binary form: per seed column, in schema order, a type tag and the
   * value (UTF-8 strings with a length). Deterministic, so it also serves as the row's canonical content for
   * dedup identities; {@link #fromBinary} reads it back without parsing JSON.
   */
  public byte[] toBinary() {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(b)) {
      out.writeByte(values.length);
      for (Object v : values) {
        if (v == null) {
          out.writeByte(NULL);
        } else if (v instanceof String) {
          byte[] u = ((String) v).getBytes(java.nio.charset.StandardCharsets.UTF_8);
          out.writeByte(STRING);
          out.writeInt(u.length);
          out.write(u);
        } else if (v instanceof Long) {
          out.writeByte(LONG);
          out.writeLong((Long) v);
        } else if (v instanceof Integer) {
          out.writeByte(INT);
          out.writeInt((Integer) v);
        } else {
          out.writeByte(DOUBLE);
          out.writeDouble((Double) v);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  /**
   * Reads {@link #toBinary()} back, checking each value's type against the zone's schema.
   *
   * @throws IllegalArgumentException when the bytes do not hold a row of this zone
   */
  public static LandingRow fromBinary(Zone zone, byte[] bytes) {
    List<Types.NestedField> cols = LandingTables.schema(zone).columns();
    try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
      int n = in.readUnsignedByte();
      int seed = cols.size() - 3;
      if (n != seed) {
        throw new IllegalArgumentException(n + " columns where " + zone.landingTable() + " has " + seed);
      }
      Object[] values = new Object[n];
      for (int i = 0; i < n; i++) {
        byte tag = in.readByte();
        Object v;
        switch (tag) {
          case NULL -> v = null;
          case STRING -> {
            byte[] u = new byte[in.readInt()];
            in.readFully(u);
            v = new String(u, java.nio.charset.StandardCharsets.UTF_8);
          }
          case LONG -> v = in.readLong();
          case INT -> v = in.readInt();
          case DOUBLE -> v = in.readDouble();
          default -> throw new IllegalArgumentException("unknown value tag " + tag + " in column " + i);
        }
        if (v != null && !cols.get(i).type().typeId().javaClass().isInstance(v)) {
          throw new IllegalArgumentException("column " + cols.get(i).name() + " holds a " + v.getClass().getSimpleName()
              + ", the schema says " + cols.get(i).type());
        }
        values[i] = v;
      }
      if (in.available() > 0) {
        throw new IllegalArgumentException(in.available() + " trailing bytes");
      }
      return new LandingRow(zone, values);
    } catch (IOException e) {
      throw new IllegalArgumentException("cut off: " + e.getMessage(), e);
    }
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
