package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.parse.LandingParser;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.ParseResult;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Zone;
import io.stedi.lakehouse.table.Zones;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One row waiting in the write-ahead log. Several entries are appended as one WAL record so that a batch is
 * durable all at once or not at all.
 *
 * <p>Record format 2 (written): {@code byte 2, int count}, then per entry {@code byte kind id, short zone id,
 * long arrival, string source, string key, int length, body}. Landing bodies are the row's compact binary form
 * ({@link LandingRow#toBinary()}), so committing never parses JSON. Format 1 (read only, left by earlier
 * versions): zone by enum ordinal, side entries marked by a {@code side:} source prefix, canonical JSON bodies.
 *
 * @param kind what the entry is
 * @param target the landing zone (landing entries), the zone the rejected input was meant for is in the body
 * @param arrivalMillis when the product received it
 * @param source the protocol (mqtt, https, bridge, load), or for side entries their kind
 * @param key idempotency key (unique per delivered record)
 * @param body landing row (binary, or JSON when {@code jsonBody}), quarantine fields, or side-entry content
 * @param jsonBody whether a landing body is canonical JSON (format 1)
 */
public record WalEntry(EntryKind kind, Zone target, long arrivalMillis, String source, String key, byte[] body,
    boolean jsonBody) {
  private static final int V1 = 1;
  private static final int V2 = 2;
  /** Zone of each ordinal as format 1 wrote it (the enum's order then); frozen. */
  private static final Zone[] V1_ZONES = {Zone.CUSTOMER, Zone.ACCELEROMETER, Zone.STEP_TRAINER};
  private static final String V1_SIDE_PREFIX = "side:";

  /** The kinds of entries, with the ids the log stores. */
  public enum EntryKind {
    LANDING(1),
    QUARANTINE(2),
    SIDE(3);

    private final int id;

    EntryKind(int id) {
      this.id = id;
    }

    /** The stable id in the log. */
    public int id() {
      return id;
    }

    static EntryKind of(int id) {
      for (EntryKind k : values()) {
        if (k.id == id) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown entry kind " + id + " (written by a newer version?)");
    }
  }

  /** The text columns of a quarantine entry. */
  public record QuarantineFields(String zone, String origin, ErrorCode code, String field, String message,
      String payload) {}

  /** A landing row. */
  public static WalEntry landing(LandingRow row, long arrivalMillis, String source, String key) {
    return new WalEntry(EntryKind.LANDING, row.zone(), arrivalMillis, source, key, row.toBinary(), false);
  }

  /** A side entry of the given kind (never written to a table). */
  public static WalEntry side(String kind, String key, byte[] body) {
    return new WalEntry(EntryKind.SIDE, null, System.currentTimeMillis(), kind, key, body, false);
  }

  /** Whether this is a side entry. */
  public boolean isSide() {
    return kind == EntryKind.SIDE;
  }

  /** The kind of a side entry. */
  public String sideKind() {
    return isSide() ? source : null;
  }

  /** A quarantine row. */
  public static WalEntry quarantine(String zone, String origin, Rejection r, String payload, long arrivalMillis,
      String source, String key) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      writeString(out, zone);
      writeString(out, origin);
      writeString(out, r.code().name());
      writeString(out, r.field());
      writeString(out, r.message());
      writeString(out, payload);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new WalEntry(EntryKind.QUARANTINE, null, arrivalMillis, source, key, b.toByteArray(), false);
  }

  /** The columns of a quarantine entry. */
  public QuarantineFields quarantineFields() {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      String zone = readString(in);
      String origin = readString(in);
      String code = readString(in);
      return new QuarantineFields(zone, origin, ErrorCode.valueOf(code), readString(in), readString(in), readString(in));
    } catch (IOException | IllegalArgumentException e) {
      throw new StediException(ErrorCode.UNWRITABLE_ENTRY, "quarantine entry " + key + " does not decode: " + e, e);
    }
  }

  /**
   * The validated row of a landing entry.
   *
   * @throws StediException UNWRITABLE_ENTRY when it no longer decodes or validates (the coordinator quarantines it)
   */
  public LandingRow row() {
    if (jsonBody) {
      ParseResult p = LandingParser.parse(target, new String(body, StandardCharsets.UTF_8));
      if (!p.ok()) {
        throw new StediException(ErrorCode.UNWRITABLE_ENTRY, "entry " + key + " no longer validates: "
            + p.rejection().code().code() + " " + p.rejection().message());
      }
      return p.row();
    }
    try {
      return LandingRow.fromBinary(target, body);
    } catch (IllegalArgumentException e) {
      throw new StediException(ErrorCode.UNWRITABLE_ENTRY, "entry " + key + " does not decode: " + e.getMessage(), e);
    }
  }

  /**
   * The bytes that identify a landing row's content, whatever format the entry has: its binary form, or the
   * binary form of the zone's dedup columns when the zone's dedup identity covers fewer.
   */
  public byte[] contentBytes() {
    return jsonBody || !target.dedupOnWholeRow() ? row().identityBytes() : body;
  }

  /** Encodes a batch as one WAL record payload (format 2). */
  public static byte[] encode(List<WalEntry> entries) {
    int size = 5;
    byte[][] strings = new byte[entries.size() * 2][];
    for (int i = 0; i < entries.size(); i++) {
      WalEntry e = entries.get(i);
      if (e.jsonBody) {
        throw new IllegalArgumentException("format-1 entries are read, never written");
      }
      strings[2 * i] = e.source == null ? null : e.source.getBytes(StandardCharsets.UTF_8);
      strings[2 * i + 1] = e.key == null ? null : e.key.getBytes(StandardCharsets.UTF_8);
      size += 1 + 2 + 8 + 4 + len(strings[2 * i]) + 4 + len(strings[2 * i + 1]) + 4 + e.body.length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put((byte) V2).putInt(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      WalEntry e = entries.get(i);
      out.put((byte) e.kind.id()).putShort((short) (e.target == null ? 0 : e.target.walId())).putLong(e.arrivalMillis);
      putBytes(out, strings[2 * i]);
      putBytes(out, strings[2 * i + 1]);
      out.putInt(e.body.length).put(e.body);
    }
    return out.array();
  }

  private static int len(byte[] b) {
    return b == null ? 0 : b.length;
  }

  private static void putBytes(ByteBuffer out, byte[] b) {
    if (b == null) {
      out.putInt(-1);
    } else {
      out.putInt(b.length).put(b);
    }
  }

  /**
   * Decodes a WAL record payload of format 1 or 2.
   *
   * @throws StediException UNWRITABLE_ENTRY when the payload is of an unknown format or cut off
   */
  public static List<WalEntry> decode(byte[] payload) {
    return decode(payload, Zones.STANDARD);
  }

  /** Decodes a payload whose landing entries belong to {@code zones}. */
  public static List<WalEntry> decode(byte[] payload, Zones zones) {
    try {
      if (payload.length > 0 && payload[0] == V2) {
        return decodeV2(ByteBuffer.wrap(payload), zones);
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
        int version = in.readByte();
        if (version != V1) {
          throw new IOException("unknown entry format " + version + " (written by a newer version?)");
        }
        int n = in.readInt();
        if (n < 0 || n > payload.length) {
          throw new IOException("entry count " + n);
        }
        List<WalEntry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          out.add(readV1(in));
        }
        return out;
      }
    } catch (IOException | RuntimeException e) {
      throw new StediException(ErrorCode.UNWRITABLE_ENTRY, "undecodable write-ahead log record: " + e, e);
    }
  }

  private static List<WalEntry> decodeV2(ByteBuffer in, Zones zones) {
    in.get();
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException("entry count " + n);
    }
    List<WalEntry> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      EntryKind kind = EntryKind.of(in.get() & 0xFF);
      int zone = in.getShort() & 0xFFFF;
      long arrival = in.getLong();
      String source = getString(in);
      String key = getString(in);
      int len = in.getInt();
      if (len < 0 || len > in.remaining()) {
        throw new IllegalArgumentException("body length " + len + " runs past the record");
      }
      byte[] body = new byte[len];
      in.get(body);
      if (kind == EntryKind.LANDING && zone == 0) {
        throw new IllegalArgumentException("landing entry " + key + " without a zone");
      }
      out.add(new WalEntry(kind, kind == EntryKind.LANDING ? zones.byWalId(zone) : null, arrival, source, key, body,
          false));
    }
    return out;
  }

  private static String getString(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0) {
      return null;
    }
    if (n > in.remaining()) {
      throw new IllegalArgumentException("string length " + n + " runs past the record");
    }
    String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
    in.position(in.position() + n);
    return s;
  }

  private static WalEntry readV1(DataInputStream in) throws IOException {
    int t = in.readByte();
    long arrival = in.readLong();
    String source = readString(in);
    String key = readString(in);
    byte[] body = readBytes(in);
    if (t >= 0) {
      if (t >= V1_ZONES.length) {
        throw new IOException("unknown format-1 zone " + t);
      }
      return new WalEntry(EntryKind.LANDING, V1_ZONES[t], arrival, source, key, body, true);
    }
    if (source != null && source.startsWith(V1_SIDE_PREFIX)) {
      return new WalEntry(EntryKind.SIDE, null, arrival, source.substring(V1_SIDE_PREFIX.length()), key, body, false);
    }
    return new WalEntry(EntryKind.QUARANTINE, null, arrival, source, key, body, false);
  }

  /**
   * Encodes a batch in format 1, as versions before WAL format 2 wrote it. Only for tests that prove a log left
   * by such a version still replays.
   */
  static byte[] encodeV1(List<WalEntry> entries) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      out.writeByte(V1);
      out.writeInt(entries.size());
      for (WalEntry e : entries) {
        int ordinal = e.target == null ? -1 : java.util.Arrays.asList(V1_ZONES).indexOf(e.target);
        out.writeByte(ordinal);
        out.writeLong(e.arrivalMillis);
        writeString(out, e.isSide() ? V1_SIDE_PREFIX + e.source : e.source);
        writeString(out, e.key);
        byte[] body = e.kind == EntryKind.LANDING ? e.row().toJson() : e.body;
        out.writeInt(body.length);
        out.write(body);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int len = in.readInt();
    if (len < 0 || len > in.available()) {
      throw new IOException("body length " + len + " runs past the record");
    }
    byte[] body = new byte[len];
    in.readFully(body);
    return body;
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    if (n > in.available()) {
      throw new IOException("string length " + n + " runs past the record");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
