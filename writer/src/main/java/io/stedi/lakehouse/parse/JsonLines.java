package io.stedi.lakehouse.parse;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.stedi.lakehouse.table.Zone;
import java.io.IOException;

/**
 * Parses the lines of one buffer of JSON lines with one Jackson parser, for the bulk loader: a parser per line
 * cost its creation, a buffer-recycler lookup and a symbol-table child each (8 % of a load's CPU in JFR).
 *
 * <p>Every line gets exactly the result {@link LandingParser#parse(Zone, byte[], int, int)} gives it alone: the
 * shared parser's answer is used only for a line holding one valid object and nothing else; any other line (a
 * rejection, an object that runs over the line end, anything after the object, unreadable bytes) is parsed again
 * on its own, and the shared parser starts afresh at the next line. Not thread-safe.
 */
public final class JsonLines implements AutoCloseable {
  private final Zone zone;
  private final byte[] data;
  private final int length;
  private JsonParser shared;
  /** Where {@link #shared} starts reading: its offsets are relative to this. */
  private int base;
  /** Lines parsed on their own so far. */
  private int alone;

  /** Lines in {@code data[0..length)}. */
  public JsonLines(Zone zone, byte[] data, int length) {
    this.zone = zone;
    this.data = data;
    this.length = length;
    open(0);
  }

  /**
   * Parses the line {@code data[from..to)}, which must not be blank and must be the first line after the one last
   * parsed that is not blank ({@code next}: where the line after it starts).
   */
  public ParseResult parse(int from, int to, int next) {
    if (shared != null) {
      try {
        JsonToken t = shared.nextToken();
        long start = base + shared.currentTokenLocation().getByteOffset();
        if (t == JsonToken.START_OBJECT && start >= from && start < to) {
          ParseResult r = LandingParser.readObject(zone, shared, true);
          long end = base + shared.currentLocation().getByteOffset();
          if (r.ok() && end <= to && blank(end, to)) {
            return r;
          }
        }
      } catch (IOException | RuntimeException e) {
        // answered below, by the line alone
      }
    }
    alone++;
    ParseResult r = LandingParser.parse(zone, data, from, to - from);
    open(next);
    return r;
  }

  /** How many lines were parsed on their own (not by the shared parser). */
  int parsedAlone() {
    return alone;
  }

  private void open(int at) {
    closeShared();
    base = at;
    if (at < length) {
      try {
        shared = LandingParser.JSON_OWN_NAME_CHECK.createParser(data, at, length - at);
      } catch (IOException e) {
        shared = null; // every line is then parsed alone
      }
    }
  }

  private boolean blank(long from, int to) {
    for (int i = (int) from; i < to; i++) {
      byte b = data[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private void closeShared() {
    if (shared != null) {
      try {
        shared.close();
      } catch (IOException e) {
        // a parser over a byte array holds nothing to release
      }
      shared = null;
    }
  }

  @Override
  public void close() {
    closeShared();
  }
}
