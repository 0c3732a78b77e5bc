package io.stedi.lakehouse.gateway.ingest.mqtt;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-client session state that outlives a connection when the client asks for a persistent session
 * (MQTT 3.1.1 §3.1.2.4 Clean Session = 0; MQTT 5 Clean Start = 0). Also counts connections per device.
 */
final class MqttSessions {
  private static final int MAX_SESSIONS = 100_000;

  /**
   * A persistent session. It holds no packet ids: after a PUBACK a packet id may be reused for a new message
   * (MQTT-4.3.2-2), so stored ids cannot tell a redelivery from a new message; the writer's content dedup does.
   * The gateway offers no subscriptions, so all that outlives a connection is the session's existence (the CONNACK
   * Session Present flag, MQTT 3.1.1 §3.2.2.2).
   */
  static final class State {
    /** When the session ends if no connection takes it up again; MAX_VALUE while a connection holds it. */
    volatile long expiresAtMillis = Long.MAX_VALUE;
  }

  private final Map<String, State> sessions = java.util.Collections.synchronizedMap(
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
          return size() > MAX_SESSIONS;
        }
      });
  private final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();

  /**
   * The session for a client; a clean session, or one that expired, discards the old state. Returns whether
   * state was present.
   */
  boolean open(String clientId, boolean clean, State[] out, long nowMillis) {
    synchronized (sessions) {
      State existing = sessions.get(clientId);
      if (clean || existing == null || existing.expiresAtMillis <= nowMillis) {
        State s = new State();
        sessions.put(clientId, s);
        out[0] = s;
        return false;
      }
      existing.expiresAtMillis = Long.MAX_VALUE;
      out[0] = existing;
      return true;
    }
  }

  /**
   * Called when a session's connection ends: a clean session's state goes now, a persistent one's after
   * {@code expiryMillis} (MQTT 5 §3.1.2.11.2 Session Expiry Interval; for MQTT 3.1.1 the server's own limit).
   */
  void close(String clientId, boolean clean, long expiryMillis, long nowMillis) {
    if (clean || expiryMillis <= 0) {
      sessions.remove(clientId);
      return;
    }
    State s = sessions.get(clientId);
    if (s != null) {
      s.expiresAtMillis = nowMillis + expiryMillis;
    }
  }

  /** Drops sessions whose expiry passed; returns how many. */
  int expire(long nowMillis) {
    synchronized (sessions) {
      int before = sessions.size();
      sessions.values().removeIf(s -> s.expiresAtMillis <= nowMillis);
      return before - sessions.size();
    }
  }

  /** Sessions kept (connected or waiting to be taken up again). */
  int size() {
    return sessions.size();
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
