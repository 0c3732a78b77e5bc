package io.stedi.lakehouse.sim.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.RecordAppender;
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
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trino 476 with the deployment's own configuration (deploy/trino/etc, the catalog file of docker-compose.yml, the
 * certificates and password file deploy/init/secure-init.sh makes), on a PostgreSQL catalog and an S3 warehouse on
 * loopback: a request without a password is refused, and the analysts' user reads the trusted and curated zones but
 * not landing, quarantine or receipts, and writes nothing. Trino 476 needs Java 25 (Temurin, /usr/lib/jvm); the
 * server comes from Maven (io.trino:trino-server:476:tar.gz, unpacked by this module's build).
 */
class TrinoAccessIT {
  private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
  private static final Path ARCHIVE = Path.of("target", "trino-server-476.tar.gz");
  private static final Path TRINO = Path.of("target", "trino", "trino-server-476");
  private static final String PASSWORD = "analyst-password-for-the-test";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;
  private static LoopbackServices services;
  private static Process trino;
  private static HttpClient https;
  private static String base;
  private static int httpPort;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Files.isExecutable(JDK25.resolve("bin/java")), "Temurin 25 is not installed at " + JDK25);
    assumeTrue(Files.isRegularFile(ARCHIVE), "the build did not fetch " + ARCHIVE);
    unpackTrino();
    ComposeFile compose = ComposeFile.load();
    String bucket = "stedi-lakehouse";
    services = LoopbackServices.start(tmp, "iceberg", "catalog-password", "iceberg", "trino-test-key",
        "trino-test-secret", bucket);
    Map<String, String> env = new HashMap<>();
    env.put("STEDI_CATALOG_TYPE", "jdbc");
    env.put("STEDI_CATALOG_URI", "jdbc:postgresql://127.0.0.1:" + services.postgresPort() + "/iceberg");
    env.put("STEDI_CATALOG_USER", "iceberg");
    env.put("STEDI_CATALOG_PASSWORD", "catalog-password");
    env.put("STEDI_CATALOG_WAREHOUSE", "s3://" + bucket + "/warehouse");
    env.put("STEDI_S3_ENDPOINT", "http://127.0.0.1:" + services.s3Port());
    env.put("STEDI_S3_PATH_STYLE_ACCESS", "true");
    env.put("STEDI_S3_ACCESS_KEY_ID", "trino-test-key");
    env.put("STEDI_S3_SECRET_ACCESS_KEY", "trino-test-secret");
    env.put("STEDI_HOME", tmp.resolve("home").toString());
    LakehouseConfig config = LakehouseConfig.from(ConfigSources.of(Map.of(), env, null, LakehouseConfig.KEYS));
    Catalog catalog = Catalogs.open(config);
    try {
      LandingTables.ensureAll(catalog, 128L << 20, 5);
      Table curated = catalog.createTable(TableIdentifier.of(LandingTables.NAMESPACE, "customers_curated"),
          new Schema(Types.NestedField.optional(1, "customerName", Types.StringType.get())));
      Record ann = GenericRecord.create(curated.schema());
      ann.setField("customerName", "Ann Analysed");
      RecordAppender.append(curated, List.of(ann), Map.of());
    } finally {
      CliSupport.closeQuietly(catalog);
    }

    Path certs = DeploymentCerts.make(tmp.resolve("certs"), PASSWORD);

    Path etc = tmp.resolve("etc");
    Files.createDirectories(etc.resolve("catalog"));
    int httpsPort = freePort();
    httpPort = freePort();
    Map<String, String> paths = Map.of("/certs/", certs + "/", "/etc/trino/", etc + "/",
        "=8443", "=" + httpsPort, "=8080", "=" + httpPort, "localhost:8080", "localhost:" + httpPort);
    for (String f : List.of("config.properties", "password-authenticator.properties", "access-control.properties",
        "rules.json")) {
      String text = Files.readString(ComposeFile.ROOT.resolve("deploy/trino/etc").resolve(f));
      for (Map.Entry<String, String> p : paths.entrySet()) {
        text = text.replace(p.getKey(), p.getValue());
      }
      Files.writeString(etc.resolve(f), text);
    }
    // the compose catalog file, with the compose hosts on loopback
    String lakehouse = Files.readString(ComposeFile.ROOT.resolve("deploy/trino/catalog/lakehouse.properties"))
        .replace("//postgres:5432", "//127.0.0.1:" + services.postgresPort())
        .replace("//minio:9000", "//127.0.0.1:" + services.s3Port());
    Files.writeString(etc.resolve("catalog/lakehouse.properties"), lakehouse);
    Files.writeString(etc.resolve("node.properties"), "node.environment=test\nnode.id=" + UUID.randomUUID()
        + "\nnode.data-dir=" + tmp.resolve("trino-data")
        + "\nnode.internal-address=127.0.0.1\nnode.bind-ip=127.0.0.1\n"); // on loopback only, tasks included
    Files.writeString(etc.resolve("jvm.config"), String.join("\n", "-server", "-Xmx2G", "-XX:+UseG1GC",
        "-Djdk.attach.allowAttachSelf=true", "-XX:+ExitOnOutOfMemoryError") + "\n");
    ProcessBuilder pb = new ProcessBuilder(TRINO.resolve("bin/launcher").toAbsolutePath().toString(), "run",
        "-etc-dir", etc.toString(), "-data-dir", tmp.resolve("trino-data").toString(), "-jvm-dir", JDK25.toString())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("trino.log").toFile());
    pb.environment().put("TRINO_SHARED_SECRET", "shared-secret-of-the-test-coordinator");
    pb.environment().put("STEDI_CATALOG_PASSWORD", "catalog-password");
    pb.environment().put("TRINO_S3_ACCESS_KEY_ID", "trino-test-key");
    pb.environment().put("TRINO_S3_SECRET_ACCESS_KEY", "trino-test-secret");
    trino = pb.start();

    https = HttpClient.newBuilder().sslContext(DeploymentCerts.trusting(certs))
        .connectTimeout(Duration.ofSeconds(5)).build();
    base = "https://localhost:" + httpsPort;
    Awaitility.await("Trino started").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions().until(() -> {
          assertThat(trino.isAlive()).as(Files.readString(tmp.resolve("trino.log"))).isTrue();
          HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create(base + "/v1/info")).build(),
              HttpResponse.BodyHandlers.ofString());
          return r.statusCode() == 200 && JSON.readTree(r.body()).path("starting").asBoolean(true) == false;
        });
  }

  @AfterAll
  static void stop() throws Exception {
    if (trino != null) {
      trino.destroy();
      if (!trino.waitFor(30, TimeUnit.SECONDS)) {
        trino.destroyForcibly();
      }
    }
    if (services != null) {
      services.close();
    }
  }

  @Test
  void aRequestWithoutThePasswordIsRefused() throws Exception {
    HttpResponse<String> none = https.send(statement(null, "SELECT 1"), HttpResponse.BodyHandlers.ofString());
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    HttpResponse<String> wrong = https.send(statement("not-the-password", "SELECT 1"),
        HttpResponse.BodyHandlers.ofString());
    assertThat(wrong.statusCode()).isEqualTo(401);
    // the internal plain-HTTP port does not take a client's query without authentication either
    HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + httpPort + "/v1/statement")).header("X-Trino-User", "analyst")
        .POST(HttpRequest.BodyPublishers.ofString("SELECT 1")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(plain.statusCode()).as(plain.body()).isIn(401, 403);
  }

  @Test
  void analystsReadTheCuratedZone() throws Exception {
    Result r = query("SELECT customerName FROM lakehouse.stedi.customers_curated");
    assertThat(r.error()).isNull();
    assertThat(r.rows()).containsExactly(List.of("Ann Analysed"));
  }

  @Test
  void analystsCannotReadLandingQuarantineOrReceipts() throws Exception {
    for (String table : List.of("customer_landing", "accelerometer_landing", "step_trainer_landing", "quarantine")) {
      assertThat(query("SELECT count(*) FROM lakehouse.stedi." + table).error()).as(table).contains("Access Denied");
    }
  }

  @Test
  void analystsWriteNothing() throws Exception {
    assertThat(query("INSERT INTO lakehouse.stedi.customers_curated VALUES ('Mallory')").error())
        .contains("Access Denied");
    assertThat(query("DROP TABLE lakehouse.stedi.customer_landing").error()).contains("Access Denied");
    assertThat(query("CREATE TABLE lakehouse.stedi.stolen AS SELECT 1 AS x").error()).contains("Access Denied");
    assertThat(query("SELECT count(*) FROM lakehouse.stedi.customers_curated").rows()).containsExactly(List.of(1));
  }

  private static HttpRequest statement(String password, String sql) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/statement")).header("X-Trino-User", "analyst")
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(sql));
    if (password != null) {
      b.header("Authorization", basic(password));
    }
    return b.build();
  }

  private static String basic(String password) {
    return "Basic " + Base64.getEncoder().encodeToString(("analyst:" + password).getBytes(StandardCharsets.UTF_8));
  }

  private record Result(List<List<Object>> rows, String error) {}

  /** Trino's client protocol: POST the statement, then follow nextUri until there is none. */
  private static Result query(String sql) throws Exception {
    HttpResponse<String> r = https.send(statement(PASSWORD, sql), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<List<Object>> rows = new ArrayList<>();
    JsonNode page = JSON.readTree(r.body());
    while (true) {
      for (JsonNode row : page.path("data")) {
        List<Object> values = new ArrayList<>();
        row.forEach(v -> values.add(v.isNumber() ? (Object) v.asInt() : v.asText()));
        rows.add(values);
      }
      if (page.has("error")) {
        return new Result(rows, page.path("error").path("message").asText());
      }
      if (!page.hasNonNull("nextUri")) {
        return new Result(rows, null);
      }
      r = https.send(HttpRequest.newBuilder(URI.create(page.get("nextUri").asText()))
          .header("Authorization", basic(PASSWORD)).header("X-Trino-User", "analyst").GET().build(),
          HttpResponse.BodyHandlers.ofString());
      page = JSON.readTree(r.body());
    }
  }

  /** The server with only the plugins the deployment's configuration uses (Iceberg, the password file). */
  private static void unpackTrino() throws Exception {
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
    try (java.util.stream.Stream<Path> plugins = Files.list(TRINO.resolve("plugin"))) {
      for (Path p : plugins.toList()) {
        if (!List.of("iceberg", "password-authenticators").contains(p.getFileName().toString())) {
          org.apache.commons.io.FileUtils.deleteDirectory(p.toFile());
        }
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
