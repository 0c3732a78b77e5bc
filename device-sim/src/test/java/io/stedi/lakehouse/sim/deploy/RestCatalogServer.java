package io.stedi.lakehouse.sim.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * Apache Iceberg's REST catalog server as a child process for tests: module {@code testing/iceberg-rest-server}
 * (Iceberg 1.11's own servlet and adapter on a SQLite-backed JdbcCatalog), on loopback at an ephemeral port, from its
 * own class path, so it shares no jar with the product it serves.
 */
final class RestCatalogServer implements AutoCloseable {
  private static final Path TARGET = Path.of("..", "testing", "iceberg-rest-server", "target");

  private final Process process;
  private final URI uri;

  private RestCatalogServer(Process process, URI uri) {
    this.process = process;
    this.uri = uri;
  }

  /** Why the server cannot run here, or null when it can. */
  static String unavailable() {
    return Files.isRegularFile(TARGET.resolve("iceberg-rest-server.jar")) && Files.isDirectory(TARGET.resolve("lib"))
        ? null : "testing/iceberg-rest-server is not built";
  }

  /**
   * Starts the server with its backing catalog and warehouse under {@code work}, accepting only
   * {@code Authorization: Bearer <token>}, and waits until it listens.
   */
  static RestCatalogServer start(Path work, String token) throws Exception {
    Files.createDirectories(work);
    Path portFile = work.resolve("rest.port");
    Path log = work.resolve("rest-catalog.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = TARGET.resolve("iceberg-rest-server.jar").toAbsolutePath() + ":"
        + TARGET.resolve("lib").toAbsolutePath() + "/*";
    Process p = new ProcessBuilder(List.of(java, "-Xmx512m", "-cp", classPath,
        "org.apache.iceberg.rest.LoopbackRestCatalogServer",
        "backend-uri=jdbc:sqlite:" + work.resolve("rest-backend.db").toAbsolutePath(),
        "warehouse=" + work.resolve("warehouse").toAbsolutePath().toUri(), "port-file=" + portFile, "token=" + token))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Awaitility.await("REST catalog listening").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> {
            assertThat(p.isAlive()).as(Files.readString(log)).isTrue();
            return Files.isRegularFile(portFile);
          });
    } catch (RuntimeException | Error e) {
      p.destroyForcibly();
      throw e;
    }
    return new RestCatalogServer(p, URI.create("http://127.0.0.1:" + Files.readString(portFile).strip()));
  }

  /** The catalog's base URI (what {@code catalog.uri} names). */
  URI uri() {
    return uri;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
