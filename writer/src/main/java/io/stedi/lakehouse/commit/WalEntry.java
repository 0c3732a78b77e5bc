package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Zone;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One row waiting in the write-ahead log: a landing row (canonical JSON) or a quarantine row. Several entries
 * are appended as one WAL record so that a batch is durable all at once or not at all.
 *
 * <p>A third kind, side entries ({@link #side}), is not written to any table: the coordinator hands it to the
 * {@link SideEntrySink} given at start, while draining and again on every replay. The gateway keeps its
 * idempotency records this way, so they are durable in the same fsync as the data they describe.
 *
 * @param target the landing zone, or null for {@code stedi.quarantine} and side entries
 * @param arrivalMillis when the product received it
 * @param source mqtt, https or load
 * @param key idempotency key (unique per delivered record)
 * @param body canonical landing JSON, or for quarantine the fields zone, origin, reason, message, payload
 */
public record WalEntry(Zone target, long arrivalMillis, String source, String key, byte[] body) {
  private static final int VERSION = 1;

  /** A landing row. */
  public static WalEntry landing(LandingRow row, long arrivalMillis, String source, String key) {
    return new WalEntry(row.zone(), arrivalMillis, source, key, row.toJson());
  }

  private static final String SIDE_PREFIX = "side:";

  /** A side entry of the given kind (never written to a table). */
  public static WalEntry side(String kind, String key, byte[] body) {
    return new WalEntry(null, System.currentTimeMillis(), SIDE_PREFIX + kind, key, body);
  }

  /** Whether this is a side entry. */
  public boolean isSide() {
    return target == null && source != null && source.startsWith(SIDE_PREFIX);
  }

  /** The kind of a side entry. */
  public String sideKind() {
    return source.substring(SIDE_PREFIX.length());
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
    return new WalEntry(null, arrivalMillis, source, key, b.toByteArray());
  }

  /** Fields of a quarantine entry: zone, origin, reason code name, field, message, payload. */
  public String[] quarantineFields() {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      String[] f = new String[6];
      for (int i = 0; i < f.length; i++) {
        f[i] = readString(in);
      }
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt quarantine entry " + key, e);
    }
  }

  /** Encodes a batch as one WAL record payload. */
  public static byte[] encode(List<WalEntry> entries) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64 + entries.size() * 160);
    try (DataOutputStream out = new DataOutputStream(b)) {
      out.writeByte(VERSION);
      out.writeInt(entries.size());
      for (WalEntry e : entries) {
        out.writeByte(e.target == null ? -1 : e.target.ordinal());
        out.writeLong(e.arrivalMillis);
        writeString(out, e.source);
        writeString(out, e.key);
        out.writeInt(e.body.length);
        out.write(e.body);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  /** Decodes a WAL record payload written by {@link #encode(List)}. */
  public static List<WalEntry> decode(byte[] payload) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
      int version = in.readByte();
      if (version != VERSION) {
        throw new IOException("unknown entry version " + version);
      }
      int n = in.readInt();
      List<WalEntry> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int t = in.readByte();
        long arrival = in.readLong();
        String source = readString(in);
        String key = readString(in);
        byte[] body = new byte[in.readInt()];
        in.readFully(body);
        out.add(new WalEntry(t < 0 ? null : Zone.values()[t], arrival, source, key, body));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("undecodable write-ahead log record: " + e.getMessage(), e);
    }
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
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
