package io.stedi.lakehouse.gateway.ingest.mqtt;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-client session state that outlives a connection when the client asks for a persistent session
 * (MQTT 3.1.1 §3.1.2.4 Clean Session = 0; MQTT 5 Clean Start = 0): the packet ids of QoS 1 messages already
 * stored, so a redelivery (same session, same packet id, DUP set) is acknowledged without a second write.
 * Also counts connections per device.
 */
final class MqttSessions {
  private static final int MAX_SESSIONS = 100_000;
  private static final int MAX_IDS_PER_SESSION = 1024;

  /** Packet ids stored in one session, oldest first. */
  static final class State {
    private final Map<Integer, Boolean> stored = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
        return size() > MAX_IDS_PER_SESSION;
      }
    };

    synchronized boolean wasStored(int packetId) {
      return stored.containsKey(packetId);
    }

    synchronized void markStored(int packetId) {
      stored.remove(packetId);
      stored.put(packetId, Boolean.TRUE);
    }

    /** A new (non-DUP) message reuses the id: the old one was acknowledged and is done. */
    synchronized void forget(int packetId) {
      stored.remove(packetId);
    }
  }

  private final Map<String, State> sessions = java.util.Collections.synchronizedMap(
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
          return size() > MAX_SESSIONS;
        }
      });
  private final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();

  /** The session for a client; a clean session discards the old state. Returns whether state was present. */
  boolean open(String clientId, boolean clean, State[] out) {
    synchronized (sessions) {
      State existing = sessions.get(clientId);
      if (clean || existing == null) {
        State s = new State();
        sessions.put(clientId, s);
        out[0] = s;
        return false;
      }
      out[0] = existing;
      return true;
    }
  }

  /** Called when a clean session's connection ends (its state is not kept). */
  void close(String clientId, boolean clean) {
    if (clean) {
      sessions.remove(clientId);
    }
  }

  /** Takes a connection slot for a device; false when it already holds {@code max}. */
  boolean acquire(String serial, int max) {
    AtomicInteger n = connections.computeIfAbsent(serial, k -> new AtomicInteger());
    if (n.incrementAndGet() > max) {
      n.decrementAndGet();
      return false;
    }
    return true;
  }

  void release(String serial) {
    AtomicInteger n = connections.get(serial);
    if (n != null) {
      n.decrementAndGet();
    }
  }
}
