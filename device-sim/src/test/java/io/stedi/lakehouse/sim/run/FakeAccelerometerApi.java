package io.stedi.lakehouse.sim.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.stedi.lakehouse.sim.model.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the gateway's POST /v1/accelerometer (JDK HttpServer): checks the token, refuses invalid
 * batches with 400, answers every {@code failEvery}-th new Idempotency-Key first with 503, stores a key's readings
 * once and replays the first answer for a repeated key.
 */
final class FakeAccelerometerApi implements AutoCloseable {
  final HttpServer server;
  final Map<String, String> tokens;
  final Map<String, String> bodies = new ConcurrentHashMap<>();
  final List<String> stored = java.util.Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger newKeys = new AtomicInteger();
  final AtomicInteger served503 = new AtomicInteger();
  final AtomicInteger replays = new AtomicInteger();
  final AtomicInteger refused = new AtomicInteger();
  final Map<String, Boolean> failedOnce = new ConcurrentHashMap<>();
  final int failEvery;

  FakeAccelerometerApi(Map<String, String> tokens, int failEvery) throws IOException {
    this.tokens = tokens;
    this.failEvery = failEvery;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/v1/accelerometer", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private synchronized void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
    String email = auth == null ? null : tokens.get(auth.replaceFirst("^Bearer ", ""));
    if (email == null) {
      send(ex, 401, "{\"error\":\"unauthorized\"}");
      return;
    }
    if (key != null && bodies.containsKey(key)) {
      replays.incrementAndGet();
      ex.getResponseHeaders().add("Idempotent-Replayed", "true");
      send(ex, bodies.get(key).equals(body) ? 202 : 422, "{}");
      return;
    }
    List<String> keys = new ArrayList<>();
    try {
      JsonNode arr = Json.MAPPER.readTree(body);
      for (JsonNode n : arr) {
        JsonNode ts = n.has("timestamp") ? n.get("timestamp") : n.get("timeStamp");
        if (!n.path("user").asText().equals(email) || ts == null || !ts.isIntegralNumber()
            || !n.path("x").isNumber() || !n.path("y").isNumber() || !n.path("z").isNumber()
            || Math.abs(n.get("x").asDouble()) > 1000) {
          throw new IOException("bad reading");
        }
        keys.add(email + "|" + ts.asLong() + "|" + n.get("x").asDouble() + "|" + n.get("y").asDouble() + "|"
            + n.get("z").asDouble());
      }
    } catch (IOException | RuntimeException e) {
      refused.incrementAndGet();
      send(ex, 400, "{\"error\":\"invalid\"}");
      return;
    }
    if (failEvery > 0 && failedOnce.putIfAbsent(key, true) == null && newKeys.incrementAndGet() % failEvery == 0) {
      served503.incrementAndGet();
      ex.getResponseHeaders().add("Retry-After", "0");
      send(ex, 503, "{\"error\":\"unavailable\"}");
      return;
    }
    bodies.put(key, body);
    stored.addAll(keys);
    send(ex, 202, "{\"accepted\":" + keys.size() + "}");
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
