import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The leanest MQTT 3.1.1 QoS 1 load client this benchmark could have: one thread, one NIO selector, C plain TCP
 * connections, each keeping a fixed window of W PUBLISH packets in flight (a new one per PUBACK). No MQTT library:
 * a PUBLISH is a prebuilt byte template whose packet identifier and 13 timestamp digits are patched in place, so
 * every reading is distinct and the client allocates nothing per message. Its only bookkeeping is one send time per
 * packet identifier (for the latency histogram).
 *
 * <p>Why not a library client: the HiveMQ async client ({@code bench/LeanMqttLoad.java}) saturates both cores of
 * this machine at about 20 k msgs/s, so it measured itself rather than the broker.
 *
 * <p>Usage: {@code java -cp 'device-sim/target/lib/*' bench/RawMqttLoad.java HOST PORT CONNECTIONS WINDOW SECONDS
 * [CREDENTIALS.json]}; {@code -Dlean.rate=N} caps the offered load at N msgs/s in all (for latency at a given rate;
 * default: as fast as the window allows). With a credentials file (from {@code bin/stedi devices provision})
 * connection i logs in as device i and publishes to its own topic. Prints {@code MEASURE_START} after a 3 s warm-up,
 * {@code MEASURE_END}, then {@code RESULT acked=N seconds=S rate=R p50_ms=.. p99_ms=.. max_ms=..}.
 *
 * <p>MQTT 3.1.1 packets used: CONNECT (section 3.1), CONNACK (3.2, return code 0 required), PUBLISH QoS 1 (3.3),
 * PUBACK (3.4). Packet identifiers cycle through 1..4095: a QoS 1 identifier becomes reusable once its PUBACK
 * arrived (MQTT-2.3.1-2/-6), and at most W are in flight at once.
 */
public final class RawMqttLoad {
  private static final int IDS = 4095;

  /** One connection's state. */
  private static final class Conn {
    final SocketChannel ch;
    final byte[] template;
    final int idOffset;
    final int timeOffset;
    final ByteBuffer out = ByteBuffer.allocateDirect(1 << 16);
    final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
    final long[] sentAt = new long[IDS + 1];
    int inFlight;
    int nextId = 1;
    long time;
    boolean connected;

    Conn(SocketChannel ch, byte[] template, int idOffset, int timeOffset, long time) {
      this.ch = ch;
      this.template = template;
      this.idOffset = idOffset;
      this.timeOffset = timeOffset;
      this.time = time;
      out.flip();
    }
  }

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    int connections = Integer.parseInt(args[2]);
    int window = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    long rate = Long.getLong("lean.rate", 0);
    if (window > IDS) {
      throw new IllegalArgumentException("window at most " + IDS);
    }
    List<String[]> creds = new ArrayList<>();
    if (args.length > 5) {
      JsonNode root = new ObjectMapper().readTree(Path.of(args[5]).toFile());
      for (JsonNode d : root.get("devices")) {
        creds.add(new String[] {d.get("serial").asText(), d.get("secret").asText()});
      }
      if (creds.size() < connections) {
        throw new IllegalArgumentException(connections + " connections need as many devices; the file has " + creds.size());
      }
    }
    // Timestamps no earlier run used: the writer dedups identical readings by content, so a second run that resent
    // the first run's readings would measure the duplicate path (acknowledged without a write). Each run starts 50
    // timestamps per wall-clock millisecond after 2026-12-01, so runs never overlap below 50 k msgs/s per connection;
    // every connection publishes as a different serial, so they may share timestamps.
    long firstTime = 1_000_000_000_000L + (System.currentTimeMillis() - 1_764_547_200_000L) * 50;
    Selector selector = Selector.open();
    List<Conn> conns = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      String serial = creds.isEmpty() ? "lean-" + c : creds.get(c)[0];
      SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ch.configureBlocking(false);
      String topic = "stedi/step-trainer/" + serial + "/readings";
      String payload = "{\"sensorReadingTime\":1700000000000,\"serialNumber\":\"" + serial
          + "\",\"distanceFromObject\":217}";
      byte[] t = publishTemplate(topic, payload);
      int idOffset = t.length - payload.length() - 2;
      int timeOffset = t.length - payload.length() + payload.indexOf("1700000000000");
      Conn conn = new Conn(ch, t, idOffset, timeOffset, firstTime);
      conn.out.clear();
      conn.out.put(connect("lean-" + c, creds.isEmpty() ? null : serial, creds.isEmpty() ? null : creds.get(c)[1]));
      conn.out.flip();
      ch.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE, conn);
      conns.add(conn);
    }
    Histogram latency = new Histogram(3_600_000_000L, 3);
    long acked = 0;
    long start = System.nanoTime();
    long warmEnd = start + 3_000_000_000L;
    long end = warmEnd + seconds * 1_000_000_000L;
    boolean counting = false;
    long countFrom = 0;
    // rate limit: a global budget of publishes that grows at `rate` per second, spent round-robin
    double budget = 0;
    long lastRefill = start;
    while (true) {
      long now = System.nanoTime();
      if (!counting && now >= warmEnd) {
        counting = true;
        latency.reset();
        acked = 0;
        countFrom = now;
        System.out.println("MEASURE_START");
        System.out.flush();
      }
      if (now >= end) {
        break;
      }
      if (rate > 0) {
        budget = Math.min(budget + (now - lastRefill) * rate / 1e9, Math.max(1, rate / 100.0));
        lastRefill = now;
      }
      for (Conn c : conns) {
        if (!c.connected || c.out.hasRemaining()) {
          continue;
        }
        c.out.clear();
        while (c.inFlight < window && c.out.remaining() >= c.template.length && (rate == 0 || budget >= 1)) {
          int id = c.nextId;
          c.nextId = id == IDS ? 1 : id + 1;
          c.template[c.idOffset] = (byte) (id >> 8);
          c.template[c.idOffset + 1] = (byte) id;
          writeDigits(c.template, c.timeOffset, c.time++);
          c.out.put(c.template);
          c.sentAt[id] = now;
          c.inFlight++;
          if (rate > 0) {
            budget -= 1;
          }
        }
        c.out.flip();
        if (c.out.hasRemaining()) {
          c.ch.write(c.out);
          if (c.out.hasRemaining()) {
            c.ch.keyFor(selector).interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
          }
        }
      }
      selector.select(rate > 0 ? 1 : 100);
      var keys = selector.selectedKeys();
      for (SelectionKey k : keys) {
        Conn c = (Conn) k.attachment();
        if (k.isWritable()) {
          c.ch.write(c.out);
          if (!c.out.hasRemaining()) {
            k.interestOps(SelectionKey.OP_READ);
          }
        }
        if (k.isReadable()) {
          int n = c.ch.read(c.in);
          if (n < 0) {
            throw new IOException("server closed connection " + conns.indexOf(c));
          }
          c.in.flip();
          long t = System.nanoTime();
          while (c.in.remaining() >= 2) {
            int type = c.in.get(c.in.position()) & 0xF0;
            int len = c.in.get(c.in.position() + 1) & 0xFF; // every packet the server sends here is short
            if (c.in.remaining() < 2 + len) {
              break;
            }
            if (type == 0x20) { // CONNACK: MQTT 3.1.1 section 3.2.2.3, 0 = accepted
              int rc = c.in.get(c.in.position() + 3);
              if (rc != 0) {
                throw new IOException("connection " + conns.indexOf(c) + " refused, CONNACK return code " + rc);
              }
              c.connected = true;
            } else if (type == 0x40) { // PUBACK
              int id = ((c.in.get(c.in.position() + 2) & 0xFF) << 8) | (c.in.get(c.in.position() + 3) & 0xFF);
              c.inFlight--;
              if (counting) {
                acked++;
                latency.recordValue(Math.max(0, (t - c.sentAt[id]) / 1000));
              }
            }
            c.in.position(c.in.position() + 2 + len);
          }
          c.in.compact();
        }
      }
      keys.clear();
    }
    double elapsed = (System.nanoTime() - countFrom) / 1e9;
    System.out.println("MEASURE_END");
    System.out.printf("RESULT acked=%d seconds=%.2f rate=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f%n", acked, elapsed,
        acked / elapsed, latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
        latency.getMaxValue() / 1000.0);
    System.out.flush();
    for (Conn c : conns) {
      c.ch.close();
    }
  }

  /** CONNECT (MQTT 3.1.1 section 3.1): protocol "MQTT" level 4, clean session, keep-alive 60 s. */
  private static byte[] connect(String clientId, String user, String password) {
    ByteBuffer v = ByteBuffer.allocate(512);
    v.put(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4});
    v.put((byte) (0x02 | (user != null ? 0xC0 : 0)));
    v.putShort((short) 60);
    putString(v, clientId);
    if (user != null) {
      putString(v, user);
      putString(v, password);
    }
    return packet(0x10, v);
  }

  /** PUBLISH QoS 1 (section 3.3): topic, packet identifier (patched per message), payload. */
  private static byte[] publishTemplate(String topic, String payload) {
    ByteBuffer v = ByteBuffer.allocate(1024);
    putString(v, topic);
    v.putShort((short) 0);
    v.put(payload.getBytes(StandardCharsets.UTF_8));
    return packet(0x32, v);
  }

  private static byte[] packet(int header, ByteBuffer v) {
    v.flip();
    ByteBuffer p = ByteBuffer.allocate(v.remaining() + 5);
    p.put((byte) header);
    int len = v.remaining();
    do { // Remaining Length, section 2.2.3
      int b = len % 128;
      len /= 128;
      p.put((byte) (len > 0 ? b | 0x80 : b));
    } while (len > 0);
    p.put(v);
    byte[] out = new byte[p.position()];
    p.flip().get(out);
    return out;
  }

  private static void putString(ByteBuffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.putShort((short) bytes.length);
    b.put(bytes);
  }

  /** Writes the 13 decimal digits of {@code v} at {@code off}. */
  private static void writeDigits(byte[] b, int off, long v) {
    for (int i = off + 12; i >= off; i--) {
      b[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
  }
}
