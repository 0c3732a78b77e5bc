package io.stedi.lakehouse.sim.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import static io.stedi.lakehouse.sim.it.Traffic.post;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.sim.it.StediProcesses;
import io.stedi.lakehouse.sim.it.Traffic;
import io.stedi.lakehouse.sim.model.AccelReading;
import io.stedi.lakehouse.sim.model.CustomerRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trino 476 reads every zone the product writes, through the shipped {@code deploy/trino/catalog/lakehouse.properties}
 * with only its host names pointed at loopback, on a PostgreSQL catalog with an S3 warehouse (S3Proxy) and with the
 * default local warehouse folder (file: locations). The product runs as in production ({@code bin/stedi gateway},
 * {@code curate}, {@code sql}, {@code forget} as child processes; devices over MQTT with mosquitto_pub, the app over
 * HTTP): Trino's count of every table and a sample of rows equal Spark's, a reading the gateway acknowledges shows in
 * Trino once committed, and a forgotten customer is in no table Trino reads.
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class TrinoReadsEveryZoneIT {
  private static final String DB_PASSWORD = "catalog-password-of-the-test";
  private static final String S3_KEY = "trino-zones-key";
  private static final String S3_SECRET = "trino-zones-secret";
  private static final String BUCKET = "stedi-lakehouse";
  private static final long T0 = 1_655_564_444_103L;
  private static final List<String> TABLES = List.of("customer_landing", "accelerometer_landing",
      "step_trainer_landing", "quarantine", "customer_trusted", "accelerometer_trusted", "customers_curated",
      "step_trainer_trusted", "machine_learning_curated");

  @TempDir
  static Path tmp;
  private static LoopbackServices s3Side;
  private static LoopbackServices localSide;
  private static TrinoServer trino;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static String trinoBase;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(TrinoServer.unavailable() == null, TrinoServer.unavailable());
    for (String m : List.of("gateway", "curation", "device-sim")) {
      Path jar = Path.of("..", m, "target", "stedi-" + m + ".jar");
      assumeTrue(Files.isRegularFile(jar) && Files.isDirectory(jar.resolveSibling("lib")), m + " is not built");
    }
    assumeTrue(Files.isExecutable(Traffic.PUB), "mosquitto-clients is not installed");
    Files.createDirectories(tmp.resolve("s3-side"));
    Files.createDirectories(tmp.resolve("local-side"));
    s3Side = LoopbackServices.start(tmp.resolve("s3-side"), "iceberg", DB_PASSWORD, "iceberg", S3_KEY, S3_SECRET, BUCKET);
    localSide = LoopbackServices.start(tmp.resolve("local-side"), "iceberg", DB_PASSWORD, "iceberg", S3_KEY, S3_SECRET,
        BUCKET);
    Path etc = tmp.resolve("etc");
    Files.createDirectories(etc.resolve("catalog"));
    int port = TrinoServer.freePort();
    // no authentication here: this test is about what Trino can read (TrinoAccessIT checks who may)
    Files.writeString(etc.resolve("config.properties"), "coordinator=true\nnode-scheduler.include-coordinator=true\n"
        + "http-server.http.port=" + port + "\ndiscovery.uri=http://127.0.0.1:" + port + "\n");
    String shipped = Files.readString(ComposeFile.ROOT.resolve("deploy/trino/catalog/lakehouse.properties"));
    Files.writeString(etc.resolve("catalog/lakehouse.properties"), onLoopback(shipped, s3Side));
    Files.writeString(etc.resolve("catalog/lakehouse_local.properties"), onLoopback(shipped, localSide));
    trinoBase = "http://127.0.0.1:" + port;
    trino = TrinoServer.start(etc, tmp, Map.of("STEDI_CATALOG_PASSWORD", DB_PASSWORD, "TRINO_S3_ACCESS_KEY_ID",
        S3_KEY, "TRINO_S3_SECRET_ACCESS_KEY", S3_SECRET), HTTP, URI.create(trinoBase + "/v1/info"));
  }

  /** The shipped catalog file with the compose host names on loopback: the only change a user makes. */
  private static String onLoopback(String shipped, LoopbackServices s) {
    return shipped.replace("//postgres:5432", "//127.0.0.1:" + s.postgresPort())
        .replace("//minio:9000", "//127.0.0.1:" + s.s3Port());
  }

  @AfterAll
  static void stop() throws Exception {
    if (trino != null) {
      trino.close();
    }
    for (LoopbackServices s : new LoopbackServices[] {s3Side, localSide}) {
      if (s != null) {
        s.close();
      }
    }
  }

  @Test
  void onAnS3Warehouse() throws Exception {
    Map<String, String> env = catalogEnv(s3Side);
    env.put("STEDI_CATALOG_WAREHOUSE", "s3://" + BUCKET + "/warehouse");
    env.put("STEDI_S3_ENDPOINT", "http://127.0.0.1:" + s3Side.s3Port());
    env.put("STEDI_S3_PATH_STYLE_ACCESS", "true");
    env.put("STEDI_S3_ACCESS_KEY_ID", S3_KEY);
    env.put("STEDI_S3_SECRET_ACCESS_KEY", S3_SECRET);
    walkThrough("lakehouse", env, tmp.resolve("s3-run"));
  }

  @Test
  void onTheDefaultLocalWarehouseFolder() throws Exception {
    Path run = tmp.resolve("local-run");
    walkThrough("lakehouse_local", catalogEnv(localSide), run);
    try (var files = Files.walk(run.resolve("home").resolve("warehouse"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".parquet"))).as("the warehouse is the local folder")
          .isNotEmpty();
    }
  }

  private static Map<String, String> catalogEnv(LoopbackServices s) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("STEDI_CATALOG_TYPE", "jdbc");
    env.put("STEDI_CATALOG_URI", "jdbc:postgresql://127.0.0.1:" + s.postgresPort() + "/iceberg");
    env.put("STEDI_CATALOG_USER", "iceberg");
    env.put("STEDI_CATALOG_PASSWORD", DB_PASSWORD);
    env.put("STEDI_GATEWAY_ERASURE_REFRESH", "500ms");
    return env;
  }

  private void walkThrough(String catalog, Map<String, String> env, Path run) throws Exception {
    Path home = run.resolve("home");
    Files.createDirectories(run);
    try (StediProcesses stedi = new StediProcesses(run, env)) {
      // Ann and Bob share their data for research, Cy does not
      String[][] people = {{"Ann.Able@test.com", "ann-st-1", "Ann Able"}, {"Bob.Boyd@test.com", "bob-st-1", "Bob Boyd"},
          {"Cy.Cole@test.com", "cy-st-1", "Cy Cole"}};
      List<StediProcesses.Enrolment> enrolled = stedi.enrolAll(home, people);
      int[] ports = stedi.startGateway(home, "gateway");
      Process gateway = stedi.last();
      String base = "http://127.0.0.1:" + ports[1];
      for (int k = 0; k < people.length; k++) {
        String[] p = people[k];
        String token = enrolled.get(k).appToken();
        CustomerRecord c = new CustomerRecord(p[2], p[0], "555-000" + k, "1990-01-0" + (k + 1), p[1],
            T0 - 86_400_000L, T0, k < 2 ? T0 - 86_400_000L : null, null, null, false);
        assertThat(post(HTTP, base, "/v1/customers", token, c.toJson(), null).statusCode()).isEqualTo(202);
        StringJoiner batch = new StringJoiner(",", "[", "]");
        for (int i = 0; i < 10; i++) {
          batch.add(new AccelReading(p[0], T0 + i * 100L, 0.5 + k, -0.25, 9.75, false).toJson());
        }
        assertThat(post(HTTP, base, "/v1/accelerometer", token, batch.toString(), null).statusCode()).isEqualTo(202);
        assertThat(Traffic.publish(run, ports[0], p[1], enrolled.get(k).deviceSecret(), T0, 10))
            .as("%s's Step Trainer", p[2]).isZero();
      }
      // one reading of the wrong type: rejected with 422 and kept in quarantine
      String wrongType = "[{\"user\":\"Ann.Able@test.com\",\"timestamp\":\"soon\"}]";
      String annToken = enrolled.get(0).appToken();
      assertThat(post(HTTP, base, "/v1/accelerometer", annToken, wrongType, null).statusCode()).isEqualTo(422);
      StediProcesses.stop(gateway); // SIGTERM: everything acknowledged is committed
      stedi.run("curate", "curate", "--home", home.toString());

      // Spark's side in one bin/stedi sql session: every table's count, then two samples of rows
      StringJoiner union = new StringJoiner(" UNION ALL ");
      TABLES.forEach(t -> union.add("SELECT '" + t + "' AS t, count(*) AS n FROM stedi." + t));
      String customers = "SELECT email, customerName FROM %s.customers_curated ORDER BY email";
      String ml = "SELECT deviceKey, sensorReadingTime, distanceFromObject FROM %s.machine_learning_curated "
          + "ORDER BY sensorReadingTime, deviceKey LIMIT 6";
      List<JsonNode> sparkLines = stedi.sqlSession("spark-sql", home, union.toString(), customers.formatted("stedi"),
          ml.formatted("stedi"));
      Map<String, Long> spark = new TreeMap<>();
      sparkLines.stream().filter(o -> o.has("t")).forEach(o -> spark.put(o.get("t").asText(), o.get("n").asLong()));
      assertThat(spark.keySet()).containsExactlyInAnyOrderElementsOf(TABLES);
      assertThat(spark).containsEntry("customers_curated", 2L).containsEntry("step_trainer_landing", 30L)
          .containsEntry("quarantine", 1L);
      assertThat(spark.get("machine_learning_curated")).isPositive();
      Map<String, Long> trinoCounts = new TreeMap<>();
      for (String t : TABLES) {
        trinoCounts.put(t, Long.parseLong(one(catalog, "SELECT count(*) FROM " + catalog + ".stedi." + t)));
      }
      assertThat(trinoCounts).as("Trino's counts, Spark's counts").isEqualTo(spark);
      // a sample of rows, value for value
      assertThat(rows(catalog, customers.formatted(catalog + ".stedi")))
          .isEqualTo(columns(sparkLines, "email", "customerName"));
      assertThat(rows(catalog, ml.formatted(catalog + ".stedi"))).hasSize(6)
          .isEqualTo(columns(sparkLines, "deviceKey", "sensorReadingTime", "distanceFromObject"));

      // a reading the gateway acknowledges shows in Trino once committed (commit.interval, 1 s by default)
      int[] again = stedi.startGateway(home, "gateway-2");
      long fresh = T0 + 777_000L;
      assertThat(post(HTTP, "http://127.0.0.1:" + again[1], "/v1/accelerometer", enrolled.get(1).appToken(),
          "[" + new AccelReading(people[1][0], fresh, 1, 2, 3, false).toJson() + "]", null).statusCode()).isEqualTo(202);
      Awaitility.await("Trino sees the new commit").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> one(catalog, "SELECT count(*) FROM " + catalog + ".stedi.accelerometer_landing WHERE timestamp = "
              + fresh).equals("1"));

      // forgotten: Ann is in no table Trino reads (the running gateway scrubs its copies; forget waits for it)
      stedi.run("forget", "forget", people[0][0], "--home", home.toString());
      assertThat(Files.readString(run.resolve("forget.out"))).contains("complete");
      String ann = "'" + people[0][0] + "'";
      for (String[] q : new String[][] {{"customer_landing", "email"}, {"customer_trusted", "email"},
          {"customers_curated", "email"}, {"accelerometer_landing", "user"}, {"accelerometer_trusted", "user"}}) {
        assertThat(one(catalog, "SELECT count(*) FROM " + catalog + ".stedi." + q[0] + " WHERE lower(" + q[1]
            + ") = lower(" + ann + ")")).as(q[0]).isEqualTo("0");
      }
      for (String t : List.of("step_trainer_landing", "step_trainer_trusted")) {
        assertThat(one(catalog, "SELECT count(*) FROM " + catalog + ".stedi." + t + " WHERE serialNumber = '"
            + people[0][1] + "'")).as(t).isEqualTo("0");
      }
      assertThat(one(catalog, "SELECT count(*) FROM " + catalog + ".stedi.quarantine WHERE strpos(lower(payload), "
          + "lower(" + ann + ")) > 0")).as("quarantine").isEqualTo("0");
      assertThat(Long.parseLong(one(catalog, "SELECT count(*) FROM " + catalog + ".stedi.machine_learning_curated")))
          .as("Bob's rows remain, Ann's are gone").isPositive().isLessThan(spark.get("machine_learning_curated"));
      assertThat(rows(catalog, "SELECT email FROM " + catalog + ".stedi.customers_curated"))
          .containsExactly(List.of(people[1][0]));
    }
  }

  /** The rows among {@code lines} that have the first of {@code columns}, those columns as text. */
  private static List<List<String>> columns(List<JsonNode> lines, String... columns) {
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode o : lines) {
      if (o.has(columns[0])) {
        List<String> row = new ArrayList<>();
        for (String c : columns) {
          row.add(o.get(c).isNull() ? null : o.get(c).asText());
        }
        rows.add(row);
      }
    }
    return rows;
  }

  private static List<List<String>> rows(String catalog, String sql) throws Exception {
    TrinoServer.Result r = TrinoServer.query(HTTP, trinoBase, "analyst", null, sql);
    assertThat(r.error()).as("Trino on %s: %s", catalog, sql).isNull();
    return r.rows();
  }

  private static String one(String catalog, String sql) throws Exception {
    List<List<String>> r = rows(catalog, sql);
    assertThat(r).as(sql).hasSize(1);
    return r.get(0).get(0);
  }
}
