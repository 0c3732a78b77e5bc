package io.stedi.lakehouse.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.table.Zone;
import io.stedi.lakehouse.table.ZoneField;
import java.io.IOException;
import java.util.List;

/**
 * Parses and validates one landing JSON object. Never throws on bad input: every problem becomes a
 * {@link Rejection} with a reason code, the field and a precise message.
 *
 * <p>Rules: the text is exactly one JSON object (duplicate keys are malformed); unknown fields are ignored
 * so that newer app versions do not lose data; required fields must be present and non-null; times are
 * integral epoch milliseconds between 1970 and 2100; numbers are finite; strings are strings.
 */
public final class LandingParser {
  /** Latest plausible epoch-millisecond time: 2100-01-01T00:00:00Z. */
  public static final long MAX_EPOCH_MS = io.stedi.lakehouse.table.ZoneField.MAX_EPOCH_MS;
  /** Largest plausible distanceFromObject (the sensor reports centimetres up to a few metres). */
  public static final int MAX_DISTANCE = 100_000;
  /** Largest plausible |x|, |y|, |z| of the phone accelerometer. */
  public static final double MAX_ACCEL = 1_000.0;

  /** The one Jackson configuration of landing input (also {@link JsonLines}'). */
  static final JsonFactory JSON = JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      // correctly rounded like Double.parseDouble, several times cheaper (JFR: FloatingDecimal on the event loop)
      .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
      .build();

  /**
   * {@link #JSON} without Jackson's duplicate-name check, for {@link JsonLines}, which checks an object's own names
   * itself (a hash set per object with three or more fields was 8 % of a bulk load's CPU) and has any line that
   * needs more parsed again with {@link #JSON}.
   */
  static final JsonFactory JSON_OWN_NAME_CHECK = JSON.rebuild()
      .disable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  /** Most names {@link #readObject(Zone, JsonParser, boolean)} compares itself before it asks for a strict parse. */
  private static final int OWN_NAMES = 16;
  /** The message of a rejection that only asks for a parse with Jackson's duplicate check (never shown to anyone). */
  private static final String PARSE_AGAIN = "parse again with Jackson's duplicate-name check";

  private LandingParser() {}

  /** Parses one line or payload of the given zone. */
  public static ParseResult parse(Zone zone, String text) {
    try (JsonParser p = JSON.createParser(text)) {
      return parse(zone, p);
    } catch (IOException e) {
      return ParseResult.rejected(new Rejection(ErrorCode.MALFORMED_JSON, null, "not valid JSON: " + brief(e)));
    }
  }

  /** Parses one payload given as UTF-8 bytes. */
  public static ParseResult parse(Zone zone, byte[] utf8, int off, int len) {
    try (JsonParser p = JSON.createParser(utf8, off, len)) {
      return parse(zone, p);
    } catch (IOException e) {
      return ParseResult.rejected(new Rejection(ErrorCode.MALFORMED_JSON, null, "not valid JSON: " + brief(e)));
    }
  }

  private static ParseResult parse(Zone zone, JsonParser p) throws IOException {
    JsonToken first;
    try {
      first = p.nextToken();
    } catch (JsonParseException e) {
      return malformed(e);
    }
    if (first == null) {
      return ParseResult.rejected(new Rejection(ErrorCode.MALFORMED_JSON, null, "empty input"));
    }
    if (first != JsonToken.START_OBJECT) {
      return ParseResult.rejected(new Rejection(ErrorCode.MALFORMED_JSON, null,
          "expected a JSON object, found " + describe(first)));
    }
    ParseResult r;
    try {
      r = readObject(zone, p);
    } catch (JsonParseException e) {
      return malformed(e);
    }
    if (r.rejection() != null) {
      return r;
    }
    try {
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        return ParseResult.rejected(new Rejection(ErrorCode.MALFORMED_JSON, null,
            "unexpected " + describe(trailing) + " after the JSON object"));
      }
    } catch (JsonParseException e) {
      return malformed(e);
    }
    return r;
  }

  /**
   * Reads the object whose START_OBJECT the parser is on, leaving it on the matching END_OBJECT. Used for
   * single records and for the elements of a JSON array.
   */
  public static ParseResult readObject(Zone zone, JsonParser p) throws IOException {
    return readObject(zone, p, false);
  }

  /**
   * {@link #readObject(Zone, JsonParser)} for a parser without Jackson's duplicate-name check when {@code ownNames}:
   * it then compares the object's names itself, and rejects an object it cannot vouch for (a repeated name, a
   * nested value of an unknown field, more than {@value #OWN_NAMES} names): such a rejection only means "parse this
   * text again with Jackson's duplicate check", which {@link JsonLines} and the gateway's batch parser do for every
   * rejection.
   */
  public static ParseResult readObject(Zone zone, JsonParser p, boolean ownNames) throws IOException {
    List<ZoneField> cols = zone.fields();
    int n = cols.size();
    Object[] values = new Object[n];
    boolean[] seen = new boolean[n];
    String[] names = ownNames ? new String[OWN_NAMES] : null;
    int named = 0;
    Rejection firstProblem = null;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (names != null) {
        if (named == OWN_NAMES || seenName(names, named, name)) {
          return ParseResult.rejected(new Rejection(ErrorCode.MALFORMED_JSON, name, PARSE_AGAIN));
        }
        names[named++] = name;
      }
      JsonToken v = p.nextToken();
      int idx = zone.indexOf(name);
      if (idx < 0) {
        if (names != null && (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY)) {
          // its names would go unchecked
          return ParseResult.rejected(new Rejection(ErrorCode.MALFORMED_JSON, name, PARSE_AGAIN));
        }
        p.skipChildren();
        continue;
      }
      if (seen[idx]) {
        // the field under its name and an alias (duplicate keys themselves are malformed JSON)
        Object other = values[idx];
        Rejection r = readValue(zone, cols.get(idx), name, v, p, values, idx);
        if (firstProblem == null && r == null && other != null && !other.equals(values[idx])) {
          ZoneField f = cols.get(idx);
          firstProblem = new Rejection(ErrorCode.IMPOSSIBLE_VALUE, name, f.name() + " and "
              + String.join(" or ", f.aliases()) + " are both given and differ (" + other + " vs " + values[idx] + ")");
        } else if (firstProblem == null) {
          firstProblem = r;
        }
        continue;
      }
      seen[idx] = true;
      Rejection r = readValue(zone, cols.get(idx), name, v, p, values, idx);
      if (firstProblem == null) {
        firstProblem = r;
      }
    }
    if (t != JsonToken.END_OBJECT) {
      return ParseResult.rejected(new Rejection(ErrorCode.MALFORMED_JSON, null, "object is not closed"));
    }
    if (firstProblem != null) {
      return ParseResult.rejected(firstProblem);
    }
    Rejection missing = Rules.checkRequired(zone, values);
    if (missing != null) {
      return ParseResult.rejected(missing);
    }
    Rejection impossible = Rules.checkValues(zone, values);
    if (impossible != null) {
      return ParseResult.rejected(impossible);
    }
    return ParseResult.ok(new LandingRow(zone, values));
  }

  /** Whether {@code name} is among the first {@code n} of {@code names} (Jackson's names are canonical: equals is fast). */
  private static boolean seenName(String[] names, int n, String name) {
    for (int i = 0; i < n; i++) {
      if (names[i].equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static Rejection readValue(Zone zone, ZoneField col, String name, JsonToken v, JsonParser p,
      Object[] values, int idx) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      values[idx] = null;
      return null;
    }
    ZoneField.FieldType type = col.type();
    switch (type) {
      case STRING:
        if (v != JsonToken.VALUE_STRING) {
          p.skipChildren();
          return wrongType(name, "a string", v);
        }
        String text = p.getText();
        int bad = unpairedSurrogate(text);
        if (bad >= 0) {
          // JSON may escape a lone surrogate ("\ud800"): that is not Unicode and would be stored as '?'
          return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, name, name + " contains an unpaired UTF-16 surrogate (\\u"
              + Integer.toHexString(text.charAt(bad)) + " at index " + bad + "), which is not Unicode");
        }
        values[idx] = text;
        return null;
      case EPOCH_MILLIS:
        if (v != JsonToken.VALUE_NUMBER_INT) {
          p.skipChildren();
          return wrongType(name, "an integer (epoch milliseconds)", v);
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, name, name + " " + p.getText() + " is out of range");
        }
        values[idx] = p.getLongValue();
        return null;
      case INT:
        if (v != JsonToken.VALUE_NUMBER_INT) {
          p.skipChildren();
          return wrongType(name, "an integer", v);
        }
        if (p.getNumberType() != JsonParser.NumberType.INT) {
          return new Rejection(ErrorCode.IMPOSSIBLE_VALUE, name, name + " " + p.getText() + " is out of range");
        }
        values[idx] = p.getIntValue();
        return null;
      case DOUBLE:
        if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
          p.skipChildren();
          return wrongType(name, "a number", v);
        }
        values[idx] = p.getDoubleValue();
        return null;
      default:
        throw new IllegalStateException("no reader for " + type + " in " + zone);
    }
  }

  /** Index of the first unpaired surrogate in {@code s}, or -1. */
  static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private static Rejection wrongType(String name, String expected, JsonToken found) {
    return new Rejection(ErrorCode.WRONG_TYPE, name, name + " must be " + expected + ", found " + describe(found));
  }

  private static ParseResult malformed(JsonParseException e) {
    return ParseResult.rejected(new Rejection(ErrorCode.MALFORMED_JSON, null, "not valid JSON: " + brief(e)));
  }

  static String describe(JsonToken t) {
    switch (t) {
      case START_OBJECT:
        return "an object";
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return t.asString() == null ? t.name().toLowerCase(java.util.Locale.ROOT) : "'" + t.asString() + "'";
    }
  }

  private static String brief(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl > 0 ? m.substring(0, nl) : m;
  }
}
