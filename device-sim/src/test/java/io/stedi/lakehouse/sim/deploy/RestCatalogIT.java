package io.stedi.lakehouse.sim.deploy;

import static io.stedi.lakehouse.sim.it.Traffic.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.sim.it.StediProcesses;
import io.stedi.lakehouse.sim.it.Traffic;
import io.stedi.lakehouse.sim.model.AccelReading;
import io.stedi.lakehouse.sim.model.CustomerRecord;
import io.stedi.lakehouse.sim.model.Json;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product on an Iceberg REST catalog ({@code catalog.type=rest}), against Apache Iceberg's own REST server of
 * another release (see {@link RestCatalogServer}) that demands a bearer token: {@code load} of landing files, the
 * gateway over MQTT and HTTP, {@code curate}, {@code sql} and {@code forget}, each a {@code bin/stedi} child process,
 * keep their tables in that catalog only, with the counts the embedded default gives; a wrong token is refused with a
 * clear error that does not show the token.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RestCatalogIT {
  private static final String TOKEN = "rest-catalog-token-of-the-test";
  private static final long T0 = 1_655_564_444_103L;
  private static final String ANN = "Ann.Able@test.com";
  private static final String BOB = "Bob.Boyd@test.com";
  private static final String CY = "Cy.Cole@test.com";
  private static final List<String> TABLES = List.of("customer_landing", "accelerometer_landing",
      "step_trainer_landing", "quarantine", "customer_trusted", "accelerometer_trusted", "customers_curated",
      "step_trainer_trusted", "machine_learning_curated");

  @TempDir
  Path tmp;
  private RestCatalogServer rest;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    assumeTrue(RestCatalogServer.unavailable() == null, RestCatalogServer.unavailable());
    for (String m : List.of("gateway", "curation", "device-sim")) {
      Path jar = Path.of("..", m, "target", "stedi-" + m + ".jar");
      assumeTrue(Files.isRegularFile(jar) && Files.isDirectory(jar.resolveSibling("lib")), m + " is not built");
    }
    assumeTrue(Files.isExecutable(Traffic.PUB), "mosquitto-clients is not installed");
    rest = RestCatalogServer.start(tmp.resolve("rest"), TOKEN);
  }

  @AfterEach
  void stop() throws Exception {
    if (rest != null) {
      rest.close();
    }
  }

  private Map<String, String> env(String token) {
    Map<String, String> env = new HashMap<>();
    env.put("STEDI_CATALOG_TYPE", "rest");
    env.put("STEDI_CATALOG_URI", rest.uri().toString());
    env.put("STEDI_CATALOG_TOKEN", token);
    env.put("STEDI_GATEWAY_ERASURE_REFRESH", "500ms");
    return env;
  }

  @Test
  void everyCommandKeepsItsTablesInTheRestCatalog() throws Exception {
    Path run = tmp.resolve("run");
    Path home = run.resolve("home");
    Files.createDirectories(run);
    try (StediProcesses stedi = new StediProcesses(run, env(TOKEN))) {
      // Ann and Bob share their data for research, Cy does not. Ann's and Bob's records and Ann's readings come as
      // landing files (load); Cy's record and Bob's and Cy's readings from the app (HTTP); Step Trainers over MQTT.
      Files.writeString(run.resolve("customers.json"), customer(ANN, "ann-st-1", 0, true).toJson() + "\n"
          + customer(BOB, "bob-st-1", 1, true).toJson() + "\n");
      StringBuilder annReadings = new StringBuilder();
      for (int i = 0; i < 10; i++) {
        annReadings.append(new AccelReading(ANN, T0 + i * 100L, 0.5, -0.25, 9.75, false).toJson()).append('\n');
      }
      annReadings.append("{\"user\":\"" + ANN + "\",\"timestamp\":\"soon\"}\n"); // quarantined with its reason
      Files.writeString(run.resolve("accelerometer.json"), annReadings);
      stedi.run("load-customers", "load", "customer", run.resolve("customers.json").toString(), "--home",
          home.toString());
      stedi.run("load-accelerometer", "load", "accelerometer", run.resolve("accelerometer.json").toString(),
          "--home", home.toString());
      assertThat(Files.readString(run.resolve("load-accelerometer.out"))).contains("loaded 10 rows")
          .contains("rejected 1 rows");

      String[][] people = {{ANN, "ann-st-1"}, {BOB, "bob-st-1"}, {CY, "cy-st-1"}};
      List<StediProcesses.Enrolment> enrolled = stedi.enrolAll(home, people);
      int[] ports = stedi.startGateway(home, "gateway");
      String base = "http://127.0.0.1:" + ports[1];
      String cy = customer(CY, "cy-st-1", 2, false).toJson();
      assertThat(post(http, base, "/v1/customers", enrolled.get(2).appToken(), cy, null).statusCode()).isEqualTo(202);
      for (int k = 1; k < 3; k++) {
        StringJoiner batch = new StringJoiner(",", "[", "]");
        for (int i = 0; i < 10; i++) {
          batch.add(new AccelReading(people[k][0], T0 + i * 100L, 0.5 + k, -0.25, 9.75, false).toJson());
        }
        String token = enrolled.get(k).appToken();
        assertThat(post(http, base, "/v1/accelerometer", token, batch.toString(), null).statusCode()).isEqualTo(202);
      }
      for (int k = 0; k < 3; k++) {
        String secret = enrolled.get(k).deviceSecret();
        assertThat(Traffic.publish(run, ports[0], people[k][1], secret, T0, 10)).as(people[k][1]).isZero();
      }
      StediProcesses.stop(stedi.last()); // SIGTERM: everything acknowledged is committed
      stedi.run("curate", "curate", "--home", home.toString());

      Map<String, Long> counts = counts(stedi, home, "counts");
      assertThat(counts).containsEntry("customer_landing", 3L).containsEntry("accelerometer_landing", 30L)
          .containsEntry("step_trainer_landing", 30L).containsEntry("quarantine", 1L)
          .containsEntry("customer_trusted", 2L).containsEntry("accelerometer_trusted", 20L)
          .containsEntry("customers_curated", 2L).containsEntry("step_trainer_trusted", 20L)
          .containsEntry("machine_learning_curated", 20L);
      // the tables are the REST catalog's: it lists them, and no embedded SQLite catalog was made beside them
      assertThat(restTables()).containsAll(TABLES);
      assertThat(home.resolve("catalog.db")).doesNotExist();

      // forget Ann while a gateway runs (it scrubs its own copies; forget waits for it)
      stedi.startGateway(home, "gateway-2");
      stedi.run("forget", "forget", ANN, "--home", home.toString());
      assertThat(Files.readString(run.resolve("forget.out"))).contains("complete");
      String ann = "lower('" + ANN + "')";
      List<JsonNode> left = stedi.sqlSession("after-forget", home,
          "SELECT 'customers' AS t, count(*) AS n FROM stedi.customer_landing WHERE lower(email) = " + ann,
          "SELECT 'readings' AS t, count(*) AS n FROM stedi.accelerometer_landing WHERE lower(user) = " + ann,
          "SELECT 'steps' AS t, count(*) AS n FROM stedi.step_trainer_landing WHERE serialNumber = 'ann-st-1'",
          "SELECT 'quarantine' AS t, count(*) AS n FROM stedi.quarantine WHERE lower(payload) LIKE '%ann.able%'",
          "SELECT 'curated' AS t, count(*) AS n FROM stedi.customers_curated",
          "SELECT 'ml' AS t, count(*) AS n FROM stedi.machine_learning_curated");
      Map<String, Long> after = new TreeMap<>();
      left.forEach(o -> after.put(o.get("t").asText(), o.get("n").asLong()));
      assertThat(after).as("Ann is gone, Bob stays").isEqualTo(Map.of("customers", 0L, "readings", 0L, "steps", 0L,
          "quarantine", 0L, "curated", 1L, "ml", 10L));
    }

    // a wrong token: the catalog answers 401 and the command says so, without echoing either token
    Path wrong = tmp.resolve("wrong");
    Files.createDirectories(wrong);
    try (StediProcesses stedi = new StediProcesses(wrong, env("not-the-token"))) {
      Process p = stedi.start("tables", "tables", "--home", home.toString());
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      String err = Files.readString(wrong.resolve("tables.err"));
      assertThat(p.exitValue()).as(err).isEqualTo(1);
      assertThat(err).contains("Not authorized").doesNotContain("not-the-token").doesNotContain(TOKEN);
    }
  }

  private static CustomerRecord customer(String email, String serial, int k, boolean research) {
    return new CustomerRecord(email.substring(0, email.indexOf('.')) + " Test", email, "555-000" + k,
        "1990-01-0" + (k + 1), serial, T0 - 86_400_000L, T0, research ? T0 - 86_400_000L : null, null, null, false);
  }

  private static Map<String, Long> counts(StediProcesses stedi, Path home, String name) throws Exception {
    StringJoiner union = new StringJoiner(" UNION ALL ");
    TABLES.forEach(t -> union.add("SELECT '" + t + "' AS t, count(*) AS n FROM stedi." + t));
    Map<String, Long> counts = new TreeMap<>();
    stedi.sqlSession(name, home, union.toString()).forEach(o -> counts.put(o.get("t").asText(), o.get("n").asLong()));
    return counts;
  }

  /** The table names in namespace stedi, from the REST catalog itself (GET /v1/namespaces/stedi/tables). */
  private List<String> restTables() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(rest.uri().resolve("/v1/namespaces/stedi/tables"))
        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<String> names = new ArrayList<>();
    Json.MAPPER.readTree(r.body()).path("identifiers").forEach(id -> names.add(id.path("name").asText()));
    return names;
  }
}
