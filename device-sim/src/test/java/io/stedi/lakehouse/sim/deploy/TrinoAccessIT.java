package io.stedi.lakehouse.sim.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.RecordAppender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
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
  private static final String PASSWORD = "analyst-password-for-the-test";

  @TempDir
  static Path tmp;
  private static LoopbackServices services;
  private static TrinoServer trino;
  private static HttpClient https;
  private static String base;
  private static int httpPort;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(TrinoServer.unavailable() == null, TrinoServer.unavailable());
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
    int httpsPort = TrinoServer.freePort();
    httpPort = TrinoServer.freePort();
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
    https = HttpClient.newBuilder().sslContext(DeploymentCerts.trusting(certs))
        .connectTimeout(Duration.ofSeconds(5)).build();
    base = "https://localhost:" + httpsPort;
    trino = TrinoServer.start(etc, tmp, Map.of("TRINO_SHARED_SECRET", "shared-secret-of-the-test-coordinator",
        "STEDI_CATALOG_PASSWORD", "catalog-password", "TRINO_S3_ACCESS_KEY_ID", "trino-test-key",
        "TRINO_S3_SECRET_ACCESS_KEY", "trino-test-secret"), https, URI.create(base + "/v1/info"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (trino != null) {
      trino.close();
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
    TrinoServer.Result r = query("SELECT customerName FROM lakehouse.stedi.customers_curated");
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
    assertThat(query("SELECT count(*) FROM lakehouse.stedi.customers_curated").rows()).containsExactly(List.of("1"));
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

  private static TrinoServer.Result query(String sql) throws Exception {
    return TrinoServer.query(https, base, "analyst", basic(PASSWORD), sql);
  }
}
