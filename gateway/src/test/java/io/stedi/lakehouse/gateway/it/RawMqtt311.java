package io.stedi.lakehouse.gateway.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal MQTT 3.1.1 client over a plain socket, written from the specification (OASIS MQTT 3.1.1 §2 and §3),
 * for what the library clients do not let a test do: set the DUP flag and the packet id by hand. {@link #open5}
 * speaks MQTT 5 instead (OASIS MQTT 5.0 §3.1, §3.3, §3.4: the same packets with a properties section).
 */
final class RawMqtt311 implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private boolean v5;

  /** One received control packet: its first byte and its body (variable header + payload). */
  record Packet(int firstByte, byte[] body) {
    int type() {
      return (firstByte >> 4) & 0x0F;
    }
  }

  /** The CONNACK: session present flag (§3.2.2.2) and return code (§3.2.2.3). */
  record ConnAck(boolean sessionPresent, int returnCode) {}

  /** MQTT 5 properties of the last CONNACK read (§3.2.2.3), after their length; empty for 3.1.1. */
  private byte[] connAckProperties = new byte[0];

  /**
   * The value of integer property {@code id} of the last CONNACK (MQTT 5 §2.2.2.2), or -1 when absent. Walks the
   * properties by their types' sizes.
   */
  long connAckIntProperty(int id) {
    byte[] properties = connAckProperties;
    int i = 0;
    while (i < properties.length) {
      int pid = properties[i++] & 0xFF;
      int size = switch (pid) {
        case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> 1;
        case 0x13, 0x21, 0x22, 0x23 -> 2;
        case 0x02, 0x11, 0x18, 0x27 -> 4;
        case 0x26 -> 2 + u16(properties, i) + 2 + u16(properties, i + 2 + u16(properties, i));
        default -> 2 + u16(properties, i); // strings and binary data: a two-byte length, then the bytes
      };
      if (pid == id) {
        long v = 0;
        for (int k = 0; k < size; k++) {
          v = (v << 8) | (properties[i + k] & 0xFF);
        }
        return v;
      }
      i += size;
    }
    return -1;
  }

  private static int u16(byte[] b, int at) {
    return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
  }

  private RawMqtt311(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Opens the TCP connection (no MQTT yet). Reads time out after 10 s so a missing reply fails the test. */
  static RawMqtt311 open(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout(10_000);
    s.setTcpNoDelay(true);
    return new RawMqtt311(s);
  }

  /** Like {@link #open} for an MQTT 5 client. */
  static RawMqtt311 open5(int port) throws IOException {
    RawMqtt311 c = open(port);
    c.v5 = true;
    return c;
  }

  /**
   * Sends CONNECT (§3.1) with user name and password and reads the CONNACK. With MQTT 5, a session that is not
   * clean gets a Session Expiry Interval of 300 s (MQTT 5 §3.1.2.11.2), so the server keeps it.
   */
  ConnAck connect(String clientId, String user, String password, boolean cleanSession) throws IOException {
    return connect(clientId, user, password, cleanSession, 60);
  }

  /** Like {@link #connect(String, String, String, boolean)} asking for {@code keepAlive} seconds (§3.1.2.10). */
  ConnAck connect(String clientId, String user, String password, boolean cleanSession, int keepAlive)
      throws IOException {
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    writeString(v, "MQTT");
    v.write(v5 ? 5 : 4); // protocol level 4 = 3.1.1, 5 = MQTT 5
    v.write(0x80 | 0x40 | (cleanSession ? 0x02 : 0)); // user name, password, clean session / clean start
    v.write(keepAlive >> 8);
    v.write(keepAlive & 0xFF);
    if (v5) {
      if (cleanSession) {
        v.write(0); // no properties
      } else {
        v.write(5); // properties: Session Expiry Interval (0x11), four bytes
        v.write(0x11);
        v.write(new byte[] {0, 0, 1, 0x2C}); // 300 s
      }
    }
    writeString(v, clientId);
    writeString(v, user);
    writeString(v, password);
    send(0x10, v.toByteArray());
    Packet p = read();
    if (p.type() != 2 || p.body().length < 2 || !v5 && p.body().length != 2) {
      throw new IOException("expected CONNACK, got packet type " + p.type());
    }
    connAckProperties = p.body().length > 3 ? java.util.Arrays.copyOfRange(p.body(), 3, p.body().length) : new byte[0];
    return new ConnAck((p.body()[0] & 0x01) != 0, p.body()[1] & 0xFF);
  }

  /** Sends a QoS 1 PUBLISH (§3.3) with the given packet id and DUP flag. */
  void publishQos1(String topic, int packetId, boolean dup, String payload) throws IOException {
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    writeString(v, topic);
    v.write(packetId >> 8);
    v.write(packetId & 0xFF);
    if (v5) {
      v.write(0); // no properties
    }
    v.write(payload.getBytes(StandardCharsets.UTF_8));
    send(0x30 | (dup ? 0x08 : 0) | 0x02, v.toByteArray());
  }

  /**
   * Reads the next packet, which must be a PUBACK (§3.4) that reports success (MQTT 5 §3.4.2.1: reason 0x00, which
   * may be left out), and returns its packet id.
   */
  int readPubAck() throws IOException {
    Packet p = read();
    if (p.type() != 4 || p.body().length < 2 || !v5 && p.body().length != 2) {
      throw new IOException("expected PUBACK, got packet type " + p.type());
    }
    if (p.body().length > 2 && p.body()[2] != 0) {
      throw new IOException("PUBACK with reason code 0x" + Integer.toHexString(p.body()[2] & 0xFF));
    }
    return ((p.body()[0] & 0xFF) << 8) | (p.body()[1] & 0xFF);
  }

  /** Sends DISCONNECT (§3.14) and closes the socket. */
  void disconnect() throws IOException {
    send(0xE0, new byte[0]);
    socket.close();
  }

  /** Reads one control packet. */
  Packet read() throws IOException {
    int first = in.read();
    if (first < 0) {
      throw new EOFException("connection closed by the server");
    }
    int len = 0;
    int mult = 1;
    int b;
    do {
      b = in.readUnsignedByte();
      len += (b & 0x7F) * mult;
      mult *= 128;
    } while ((b & 0x80) != 0);
    byte[] body = new byte[len];
    in.readFully(body);
    return new Packet(first, body);
  }

  private void send(int firstByte, byte[] body) throws IOException {
    ByteArrayOutputStream p = new ByteArrayOutputStream(body.length + 5);
    p.write(firstByte);
    int len = body.length;
    do { // remaining length, §2.2.3
      int d = len % 128;
      len /= 128;
      p.write(len > 0 ? d | 0x80 : d);
    } while (len > 0);
    p.write(body);
    out.write(p.toByteArray());
    out.flush();
  }

  private static void writeString(ByteArrayOutputStream o, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    o.write(b.length >> 8);
    o.write(b.length & 0xFF);
    o.write(b, 0, b.length);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
