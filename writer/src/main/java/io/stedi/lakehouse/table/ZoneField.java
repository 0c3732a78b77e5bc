package io.stedi.lakehouse.table;

import java.util.List;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * One seed field of a landing zone: its JSON name (also the column name), the names older clients send it
 * under, its type, whether it is required and which values are possible. Part of the zone's {@link Zone}
 * descriptor; the parser, the table schema and the quality checks all read it from here.
 *
 * @param name the JSON field and landing column name
 * @param type the value type
 * @param required whether a record without it (or with null, or a blank string) is rejected
 * @param aliases other JSON names accepted for the same field (two of them with different values are rejected)
 * @param min smallest possible value of a numeric field (inclusive)
 * @param max largest possible value of a numeric field (inclusive)
 * @param email whether a string field must look like an email address (one {@code @}, not first, at most 320)
 */
public record ZoneField(String name, FieldType type, boolean required, List<String> aliases, double min, double max,
    boolean email) {

  /** Latest plausible epoch-millisecond time: 2100-01-01T00:00:00Z. */
  public static final long MAX_EPOCH_MS = 4_102_444_800_000L;

  /** The value types a landing field can have, with their Iceberg types and Java value classes. */
  public enum FieldType {
    STRING(Types.StringType.get()),
    /** Epoch milliseconds, 1970 to 2100. */
    EPOCH_MILLIS(Types.LongType.get()),
    INT(Types.IntegerType.get()),
    DOUBLE(Types.DoubleType.get());

    private final Type iceberg;

    FieldType(Type iceberg) {
      this.iceberg = iceberg;
    }

    /** The column's Iceberg type. */
    public Type iceberg() {
      return iceberg;
    }
  }

  public ZoneField {
    aliases = List.copyOf(aliases);
  }

  /** An optional string field. */
  public static ZoneField string(String name) {
    return new ZoneField(name, FieldType.STRING, false, List.of(), 0, 0, false);
  }

  /** An optional epoch-millisecond time field. */
  public static ZoneField time(String name) {
    return new ZoneField(name, FieldType.EPOCH_MILLIS, false, List.of(), 0, MAX_EPOCH_MS, false);
  }

  /** An optional 32-bit integer field with its possible range. */
  public static ZoneField integer(String name, int min, int max) {
    return new ZoneField(name, FieldType.INT, false, List.of(), min, max, false);
  }

  /** An optional finite double field with its possible range. */
  public static ZoneField number(String name, double min, double max) {
    return new ZoneField(name, FieldType.DOUBLE, false, List.of(), min, max, false);
  }

  /** The same field, required. */
  public ZoneField mandatory() {
    return new ZoneField(name, type, true, aliases, min, max, email);
  }

  /** The same field, also accepted under these JSON names. */
  public ZoneField alias(String... names) {
    return new ZoneField(name, type, required, List.of(names), min, max, email);
  }

  /** The same string field, which must look like an email address. */
  public ZoneField emailAddress() {
    return new ZoneField(name, type, required, aliases, min, max, true);
  }

  /** Whether the field is numeric with a range to check. */
  public boolean ranged() {
    return type == FieldType.INT || type == FieldType.DOUBLE;
  }

  /** The range as people read it: {@code 0..100000}, {@code -1000.0..1000.0}. */
  public String rangeText() {
    return type == FieldType.INT ? (long) min + ".." + (long) max : min + ".." + max;
  }
}
