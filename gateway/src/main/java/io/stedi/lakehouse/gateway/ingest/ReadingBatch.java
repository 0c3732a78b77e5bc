package io.stedi.lakehouse.gateway.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.parse.LandingParser;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.ParseResult;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Zone;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Parses a payload holding one reading (a JSON object) or several (a JSON array of objects) and validates
 * every one, also against the sender's identity. All-or-nothing: either every reading is valid, or the
 * result lists each problem with its index and nothing is written.
 */
public final class ReadingBatch {
  // the same limits as the landing parser (one more level for the batch array), so both paths agree
  private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(65)
          .maxStringLength(1 << 20).build())
      .build();
  /**
   * {@link #JSON} without Jackson's duplicate-name check (a hash set per object of three or more fields): the first
   * parse of every payload checks each object's names itself, and any payload with a problem is parsed again with
   * {@link #JSON}, so that what a sender is told never depends on which parse found it.
   */
  private static final JsonFactory JSON_OWN_NAMES = JSON.rebuild()
      .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** One problem: the reading's index (-1 for the payload as a whole), the field and the rejection. */
  public record Problem(int index, Rejection rejection) {}

  private final List<LandingRow> rows;
  private final List<Problem> problems;
  private final boolean array;

  private ReadingBatch(List<LandingRow> rows, List<Problem> problems, boolean array) {
    this.rows = rows;
    this.problems = problems;
    this.array = array;
  }

  /**
   * Parses {@code payload}.
   *
   * @param allowObject whether a single object (not in an array) is allowed
   * @param allowArray whether a JSON array of objects is allowed
   * @param maxReadings more readings than this is a problem (PAYLOAD_TOO_LARGE)
   * @param identityCheck returns a FORBIDDEN rejection when a valid reading does not belong to the sender, else null
   */
  public static ReadingBatch parse(Zone zone, byte[] payload, boolean allowObject, boolean allowArray, int maxReadings,
      Function<LandingRow, Rejection> identityCheck) {
    ReadingBatch fast = parse(JSON_OWN_NAMES, true, zone, payload, allowObject, allowArray, maxReadings, identityCheck);
    return fast.ok() ? fast : parse(JSON, false, zone, payload, allowObject, allowArray, maxReadings, identityCheck);
  }

  private static ReadingBatch parse(JsonFactory json, boolean ownNames, Zone zone, byte[] payload, boolean allowObject,
      boolean allowArray, int maxReadings, Function<LandingRow, Rejection> identityCheck) {
    List<LandingRow> rows = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    boolean array = false;
    try (JsonParser p = json.createParser(payload)) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_ARRAY && allowArray) {
        array = true;
        int i = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          if (t == null) {
            throw new JsonParseException(p, "array is not closed");
          }
          if (i >= maxReadings) {
            return whole(ErrorCode.PAYLOAD_TOO_LARGE, "more than " + maxReadings + " readings in one batch", true);
          }
          if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            problems.add(new Problem(i, new Rejection(ErrorCode.WRONG_TYPE, null, "reading " + i + " is not a JSON object")));
          } else {
            add(zone, p, ownNames, i, rows, problems, identityCheck);
          }
          i++;
        }
        if (i == 0) {
          return whole(ErrorCode.BAD_REQUEST, "the batch is empty", true);
        }
      } else if (t == JsonToken.START_OBJECT && allowObject) {
        add(zone, p, ownNames, 0, rows, problems, identityCheck);
      } else {
        return whole(ErrorCode.MALFORMED_JSON, t == null ? "empty payload"
            : !allowArray ? "expected one JSON object"
            : allowObject ? "expected a JSON object or array of objects" : "expected a JSON array of readings", array);
      }
      if (p.nextToken() != null) {
        return whole(ErrorCode.MALFORMED_JSON, "unexpected content after the JSON value", array);
      }
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      return whole(ErrorCode.MALFORMED_JSON, "not valid JSON: " + (m.contains("\n") ? m.substring(0, m.indexOf('\n')) : m),
          array);
    }
    return new ReadingBatch(problems.isEmpty() ? rows : List.of(), problems, array);
  }

  private static void add(Zone zone, JsonParser p, boolean ownNames, int i, List<LandingRow> rows,
      List<Problem> problems, Function<LandingRow, Rejection> identityCheck) throws IOException {
    ParseResult r = LandingParser.readObject(zone, p, ownNames);
    if (!r.ok()) {
      problems.add(new Problem(i, r.rejection()));
      return;
    }
    Rejection forbidden = identityCheck.apply(r.row());
    if (forbidden != null) {
      problems.add(new Problem(i, forbidden));
    } else {
      rows.add(r.row());
    }
  }

  /** A payload refused as a whole before it was parsed (the sender may not send it at all). */
  public static ReadingBatch refused(Rejection r) {
    return new ReadingBatch(List.of(), List.of(new Problem(-1, r)), false);
  }

  private static ReadingBatch whole(ErrorCode code, String message, boolean array) {
    return new ReadingBatch(List.of(), List.of(new Problem(-1, new Rejection(code, null, message))), array);
  }

  /** The valid readings (empty when there is any problem). */
  public List<LandingRow> rows() {
    return rows;
  }

  public List<Problem> problems() {
    return problems;
  }

  public boolean ok() {
    return problems.isEmpty();
  }

  /** The reason that stands for the whole batch: the first problem's code. */
  public Rejection firstRejection() {
    return problems.get(0).rejection();
  }

  /** Whether at least one problem is a FORBIDDEN (identity) one. */
  public boolean forbidden() {
    return problems.stream().anyMatch(pr -> pr.rejection().code() == ErrorCode.FORBIDDEN);
  }

  /** Whether the payload was a JSON array. */
  public boolean array() {
    return array;
  }
}
