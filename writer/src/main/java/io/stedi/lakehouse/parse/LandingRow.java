package io.stedi.lakehouse.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.stedi.lakehouse.table.Zone;
import io.stedi.lakehouse.table.ZoneField;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.iceberg.data.GenericRecord;

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
    int i = zone.indexOf(column);
    if (i < 0 || !zone.fields().get(i).name().equals(column)) {
      throw new IllegalArgumentException(zone.landingTable() + " has no seed column " + column);
    }
    return values[i];
  }

  /**
   * The record as canonical JSON (schema column names, nulls omitted). Parsing it again gives an equal row;
   * the write-ahead log stores this form.
   */
  public byte[] toJson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    List<ZoneField> cols = zone.fields();
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
    int size = 1 + values.length;
    byte[][] strings = null;
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      if (v instanceof String) {
        if (strings == null) {
          strings = new byte[values.length][];
        }
        strings[i] = ((String) v).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        size += 4 + strings[i].length;
      } else if (v instanceof Long || v instanceof Double) {
        size += 8;
      } else if (v instanceof Integer) {
        size += 4;
      }
    }
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(size);
    out.put((byte) values.length);
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      if (v == null) {
        out.put(NULL);
      } else if (v instanceof String) {
        out.put(STRING).putInt(strings[i].length).put(strings[i]);
      } else if (v instanceof Long) {
        out.put(LONG).putLong((Long) v);
      } else if (v instanceof Integer) {
        out.put(INT).putInt((Integer) v);
      } else {
        out.put(DOUBLE).putDouble((Double) v);
      }
    }
    return out.array();
  }

  /**
   * The bytes a reading's dedup identity is computed over: the binary row when the zone's dedup identity
   * covers every column (so identities stay what they were), else the binary form of just those columns.
   */
  public byte[] identityBytes() {
    if (zone.dedupOnWholeRow()) {
      return toBinary();
    }
    Object[] projected = new Object[zone.dedupColumns().size()];
    for (int i = 0; i < projected.length; i++) {
      projected[i] = values[zone.indexOf(zone.dedupColumns().get(i))];
    }
    return new LandingRow(zone, projected).toBinary();
  }

  /**
   * Reads {@link #toBinary()} back, checking each value's type against the zone's schema.
   *
   * @throws IllegalArgumentException when the bytes do not hold a row of this zone
   */
  public static LandingRow fromBinary(Zone zone, byte[] bytes) {
    List<ZoneField> cols = zone.fields();
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
    try {
      int n = in.get() & 0xFF;
      int seed = cols.size();
      if (n != seed) {
        throw new IllegalArgumentException(n + " columns where " + zone.landingTable() + " has " + seed);
      }
      Object[] values = new Object[n];
      for (int i = 0; i < n; i++) {
        byte tag = in.get();
        Object v;
        switch (tag) {
          case NULL -> v = null;
          case STRING -> {
            int len = in.getInt();
            if (len < 0 || len > in.remaining()) {
              throw new IllegalArgumentException("string length " + len + " in column " + i);
            }
            v = new String(bytes, in.position(), len, java.nio.charset.StandardCharsets.UTF_8);
            in.position(in.position() + len);
          }
          case LONG -> v = in.getLong();
          case INT -> v = in.getInt();
          case DOUBLE -> v = in.getDouble();
          default -> throw new IllegalArgumentException("unknown value tag " + tag + " in column " + i);
        }
        if (v != null && !cols.get(i).type().iceberg().typeId().javaClass().isInstance(v)) {
          throw new IllegalArgumentException("column " + cols.get(i).name() + " holds a " + v.getClass().getSimpleName()
              + ", the schema says " + cols.get(i).type());
        }
        values[i] = v;
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " trailing bytes");
      }
      return new LandingRow(zone, values);
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("cut off", e);
    }
  }

  /**
   * Sets a reusable record of the table's schema to this row with ingestion metadata: the commit path and the bulk
   * loader fill one record per table and writer thread instead of allocating one per row (the Parquet writer copies
   * the values out as it writes, and keeps no reference to the record).
   */
  public void fill(GenericRecord r, java.time.OffsetDateTime arrival, String source, String key) {
    for (int i = 0; i < values.length; i++) {
      r.set(i, values[i]);
    }
    r.set(values.length, arrival);
    r.set(values.length + 1, source);
    r.set(values.length + 2, key);
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
