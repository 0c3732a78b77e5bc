package io.stedi.lakehouse.sim.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * Trino 476 as a child process for tests: the server from Maven ({@code io.trino:trino-server:476:tar.gz}, fetched by
 * this module's build and unpacked here once) on Temurin 25, a single coordinator on loopback, and a client of its
 * HTTP protocol (POST /v1/statement, then follow nextUri).
 */
final class TrinoServer implements AutoCloseable {
  static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
  static final Path ARCHIVE = Path.of("target", "trino-server-476.tar.gz");
  private static final Path TRINO = Path.of("target", "trino", "trino-server-476");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Path log;

  private TrinoServer(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Why Trino cannot run here, or null when it can. */
  static String unavailable() {
    if (!Files.isExecutable(JDK25.resolve("bin/java"))) {
      return "Temurin 25 is not installed at " + JDK25;
    }
    return Files.isRegularFile(ARCHIVE) ? null : "the build did not fetch " + ARCHIVE;
  }

  /**
   * Starts Trino with the configuration in {@code etc} (this adds node.properties and jvm.config) and waits until
   * {@code info} (its /v1/info) says it has started.
   */
  static TrinoServer start(Path etc, Path work, Map<String, String> env, HttpClient client, URI info) throws Exception {
    unpack();
    Files.writeString(etc.resolve("node.properties"), "node.environment=test\nnode.id=" + UUID.randomUUID()
        + "\nnode.data-dir=" + work.resolve("trino-data")
        + "\nnode.internal-address=127.0.0.1\nnode.bind-ip=127.0.0.1\n"); // on loopback only, tasks included
    Files.writeString(etc.resolve("jvm.config"), String.join("\n", "-server", "-Xmx2G", "-XX:+UseG1GC",
        "-Djdk.attach.allowAttachSelf=true", "-XX:+ExitOnOutOfMemoryError") + "\n");
    Path log = work.resolve("trino.log");
    ProcessBuilder pb = new ProcessBuilder(TRINO.resolve("bin/launcher").toAbsolutePath().toString(), "run",
        "-etc-dir", etc.toString(), "-data-dir", work.resolve("trino-data").toString(), "-jvm-dir", JDK25.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    TrinoServer server = new TrinoServer(pb.start(), log);
    try {
      Awaitility.await("Trino started").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions().until(() -> {
            assertThat(server.process.isAlive()).as(Files.readString(log)).isTrue();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(info).build(),
                HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && !JSON.readTree(r.body()).path("starting").asBoolean(true);
          });
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** A query's rows (every value as text, null as null) and its error message, if it failed. */
  record Result(List<List<String>> rows, String error) {}

  /**
   * Runs {@code sql} through Trino's client protocol.
   *
   * @param authorization the Authorization header's value, or null to send none
   */
  static Result query(HttpClient client, String base, String user, String authorization, String sql)
      throws Exception {
    // /v1/info says "starting": false a moment before the coordinator has announced itself as its own worker;
    // a query in between fails with "No nodes available to run query" before it runs anything, so it is sent again
    Result[] result = new Result[1];
    Awaitility.await("Trino has a worker node").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          result[0] = queryOnce(client, base, user, authorization, sql);
          return result[0].error() == null || !result[0].error().startsWith("No nodes available");
        });
    return result[0];
  }

  private static Result queryOnce(HttpClient client, String base, String user, String authorization, String sql)
      throws Exception {
    HttpRequest.Builder first = HttpRequest.newBuilder(URI.create(base + "/v1/statement")).header("X-Trino-User", user)
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(sql));
    if (authorization != null) {
      first.header("Authorization", authorization);
    }
    HttpResponse<String> r = client.send(first.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<List<String>> rows = new ArrayList<>();
    JsonNode page = JSON.readTree(r.body());
    while (true) {
      for (JsonNode row : page.path("data")) {
        List<String> values = new ArrayList<>();
        row.forEach(v -> values.add(v.isNull() ? null : v.asText()));
        rows.add(values);
      }
      if (page.has("error")) {
        return new Result(rows, page.path("error").path("message").asText());
      }
      if (!page.hasNonNull("nextUri")) {
        return new Result(rows, null);
      }
      HttpRequest.Builder next = HttpRequest.newBuilder(URI.create(page.get("nextUri").asText()))
          .header("X-Trino-User", user).timeout(Duration.ofSeconds(60)).GET();
      if (authorization != null) {
        next.header("Authorization", authorization);
      }
      page = JSON.readTree(client.send(next.build(), HttpResponse.BodyHandlers.ofString()).body());
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  Path log() {
    return log;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The server with only the plugins the deployment's configuration uses (Iceberg, the password file). */
  private static synchronized void unpack() throws Exception {
    if (Files.isExecutable(TRINO.resolve("bin/launcher"))
        && Files.getLastModifiedTime(TRINO.resolve("bin/launcher")).compareTo(Files.getLastModifiedTime(ARCHIVE)) >= 0) {
      return;
    }
    Files.createDirectories(TRINO.getParent());
    // whole: the plugins' jars are hard links into each other's folders
    Process tar = new ProcessBuilder("tar", "-xzf", ARCHIVE.toString(), "-C", TRINO.getParent().toString(), "--touch")
        .redirectErrorStream(true).start();
    String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor()).as("tar: " + out).isZero();
    // then only the plugins the configuration uses, so that the server starts quickly (hard links keep their jars)
    try (Stream<Path> plugins = Files.list(TRINO.resolve("plugin"))) {
      for (Path p : plugins.toList()) {
        if (!List.of("iceberg", "password-authenticators").contains(p.getFileName().toString())) {
          org.apache.commons.io.FileUtils.deleteDirectory(p.toFile());
        }
      }
    }
  }
}
