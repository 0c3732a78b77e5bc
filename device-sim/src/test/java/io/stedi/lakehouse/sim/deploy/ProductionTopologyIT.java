package io.stedi.lakehouse.sim.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.sim.cli.SimCli;
import io.stedi.lakehouse.sim.model.CustomerRecord;
import io.stedi.lakehouse.sim.model.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker-compose topology on loopback, without Docker: the gateway and curation take their environment from
 * {@code docker-compose.yml} (secrets from {@code deploy/stedi.env}, or its committed example), with only the
 * host names {@code postgres} and {@code minio} pointed at a real PostgreSQL (zonky) and S3Proxy on 127.0.0.1. The
 * real gateway runs as a child process ({@code bin/stedi gateway}), the simulator drives it over MQTT and HTTP, the
 * gateway stops (SIGTERM), {@code bin/stedi curate} runs as a child process, and the Iceberg catalog then shows every
 * acknowledged reading landed once, the trusted and curated tables filled, and every data file in the bucket.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ProductionTopologyIT {
  private static final Path STEDI = Path.of("..", "bin", "stedi");
  private static final int DEVICES = 3;

  @TempDir
  Path tmp;
  Process gateway;

  @AfterEach
  void stopGateway() throws InterruptedException {
    if (gateway != null && gateway.isAlive()) {
      gateway.destroyForcibly();
      gateway.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void deviceToMlTableThroughPostgresCatalogAndS3Warehouse() throws Exception {
    for (String m : List.of("gateway", "curation")) {
      Path jar = Path.of("..", m, "target", "stedi-" + m + ".jar");
      assumeTrue(Files.isRegularFile(jar) && Files.isDirectory(jar.resolveSibling("lib")),
          "the " + m + " module is not built (mvn -pl " + m + " -am package -DskipTests)");
    }
    assumeTrue(Files.isExecutable(STEDI), "bin/stedi not found");

    ComposeFile compose = ComposeFile.load();
    Map<String, String> composeGateway = withOwnSecrets(compose.effectiveEnvironment("gateway"));
    LakehouseConfig asComposed = config(composeGateway);
    URI jdbc = URI.create(asComposed.catalogUri().substring("jdbc:".length()));
    String bucket = URI.create(asComposed.warehouse()).getHost();
    try (LoopbackServices services = LoopbackServices.start(tmp, asComposed.get(LakehouseConfig.CATALOG_USER),
        asComposed.get(LakehouseConfig.CATALOG_PASSWORD), jdbc.getPath().substring(1),
        asComposed.get(LakehouseConfig.S3_ACCESS_KEY), asComposed.get(LakehouseConfig.S3_SECRET_KEY), bucket)) {
      Map<String, String> hosts = Map.of("postgres", "127.0.0.1:" + services.postgresPort(),
          "minio", "127.0.0.1:" + services.s3Port());
      // the compose TLS setup: secure-init's certificates, the gateway's listeners over TLS
      Path certs = DeploymentCerts.make(tmp.resolve("certs"), "analyst-password-of-the-test");
      Map<String, String> gatewayEnv = onLoopback(composeGateway, hosts, tmp.resolve("gateway-home"), certs);
      Map<String, String> curationEnv = onLoopback(withOwnSecrets(compose.effectiveEnvironment("curation")), hosts,
          tmp.resolve("curation-home"), certs);

      Path creds = tmp.resolve("creds.json");
      run(gatewayEnv, "provision", "devices", "provision", "--devices", "" + DEVICES, "--phones", "" + DEVICES,
          "--prefix", "prod", "--out", creds.toString());
      String[] ports = startGateway(gatewayEnv);
      HttpClient http = HttpClient.newBuilder().sslContext(DeploymentCerts.trusting(certs)).build();
      String base = "https://localhost:" + ports[1];
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(ready.body()).contains("\"catalog\":{\"status\":\"UP\"}");

      Path ledger = tmp.resolve("ledger.jsonl");
      Path reportFile = tmp.resolve("report.json");
      StringWriter simOut = new StringWriter();
      var sim = SimCli.commandLine();
      sim.setOut(new PrintWriter(simOut));
      int simCode = sim.execute("sim", "run", "--devices", "" + DEVICES, "--phones", "" + DEVICES, "--rate", "2",
          "--duration", "4s", "--qos", "1", "--mqtt", "mqtts://localhost:" + ports[0], "--http", base,
          "--ca", certs.resolve("public/ca.crt").toString(),
          "--credentials", creds.toString(), "--ledger", ledger.toString(), "--report", reportFile.toString(),
          "--seed", "7");
      assertThat(simCode).as(simOut.toString()).isZero();
      JsonNode report = Json.MAPPER.readTree(reportFile.toFile());
      long mqttAcked = report.at("/mqtt/acknowledged").asLong();
      long httpAcked = report.at("/http/acknowledged").asLong();
      assertThat(mqttAcked).isPositive().isEqualTo(report.at("/mqtt/sent").asLong());
      assertThat(httpAcked).isPositive().isEqualTo(report.at("/http/sent").asLong());

      // The customers, from the app, last: their records are the newest version of each email whatever the
      // simulator registered. Customers 1 and 2 share for research, customer 3 does not.
      List<String> emails = registerCustomers(http, base, creds);

      gateway.destroy(); // SIGTERM: commit everything acknowledged, exit 0
      assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(gateway.exitValue()).as(Files.readString(tmp.resolve("gateway.err"))).isZero();

      String curated = run(curationEnv, "curate", "curate");
      assertThat(curated).containsPattern("curation run \\S+: ok in");

      LakehouseConfig reader = config(curationEnv);
      Catalog catalog = Catalogs.open(reader);
      try {
        assertThat(rows(catalog, "step_trainer_landing")).hasSize((int) mqttAcked);
        assertThat(rows(catalog, "accelerometer_landing")).hasSize((int) httpAcked);
        assertThat(rows(catalog, "customer_landing")).extracting(r -> r.getField("email"))
            .containsAll(emails);
        assertThat(rows(catalog, "customer_trusted")).extracting(r -> r.getField("email"))
            .containsExactlyInAnyOrder(emails.get(0), emails.get(1));
        assertThat(rows(catalog, "accelerometer_trusted")).isNotEmpty()
            .allSatisfy(r -> assertThat(r.getField("user")).isIn(emails.get(0), emails.get(1)));
        assertThat(rows(catalog, "customers_curated")).extracting(r -> r.getField("email"))
            .containsExactlyInAnyOrder(emails.get(0), emails.get(1));
        assertThat(rows(catalog, "step_trainer_trusted")).isNotEmpty()
            .allSatisfy(r -> assertThat(r.getField("serialNumber")).isIn("prod-st-1", "prod-st-2"));
        // pseudonymous: a device key (an HMAC) instead of the serial, which customers_curated maps to an email
        assertThat(rows(catalog, "machine_learning_curated")).isNotEmpty()
            .allSatisfy(r -> assertThat((String) r.getField("deviceKey")).matches("[0-9a-f]{64}"))
            .allSatisfy(r -> assertThat(r.struct().field("serialNumber")).isNull());

        // Data and metadata live in the bucket; nothing of the warehouse is on the local disk.
        Set<String> objects = new HashSet<>(services.objectKeys(bucket, "warehouse/"));
        for (String t : List.of("step_trainer_landing", "accelerometer_landing", "customer_landing",
            "customer_trusted", "accelerometer_trusted", "customers_curated", "step_trainer_trusted",
            "machine_learning_curated")) {
          List<String> files = dataFiles(catalog.loadTable(TableIdentifier.of("stedi", t)));
          assertThat(files).as(t).isNotEmpty().allSatisfy(f -> {
            assertThat(f).startsWith(asComposed.warehouse() + "/");
            assertThat(objects).contains(f.substring(("s3://" + bucket + "/").length()));
          });
        }
      } finally {
        if (catalog instanceof AutoCloseable c) {
          c.close();
        }
      }
      try (Stream<Path> local = Files.walk(tmp)) {
        assertThat(local.filter(p -> p.toString().endsWith(".parquet") || p.toString().endsWith(".metadata.json")))
            .as("no table files on the local disk").isEmpty();
      }
    }
  }

  /** The compose environment with the service host names pointed at loopback and STEDI_HOME at a temp folder. */
  private static Map<String, String> onLoopback(Map<String, String> env, Map<String, String> hosts, Path home,
      Path certs) {
    Map<String, String> out = new LinkedHashMap<>();
    env.forEach((k, v) -> {
      String value = v.startsWith("/certs/") ? certs.resolve(v.substring("/certs/".length())).toString() : v;
      for (Map.Entry<String, String> h : hosts.entrySet()) {
        value = value.replaceAll("//" + Pattern.quote(h.getKey()) + ":\\d+", "//" + h.getValue());
      }
      out.put(k, value);
    });
    out.put("STEDI_HOME", home.toString());
    out.remove("JAVA_TOOL_OPTIONS"); // sized for a container; the child JVMs here share a small machine
    return out;
  }

  private static LakehouseConfig config(Map<String, String> env) {
    return LakehouseConfig.from(ConfigSources.of(Map.of(), env, null, LakehouseConfig.KEYS));
  }

  private ProcessBuilder stedi(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of(STEDI.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("STEDI_")); // only what compose sets
    pb.environment().putAll(env);
    return pb;
  }

  /** Runs a bin/stedi command to completion; returns its stdout. */
  private String run(Map<String, String> env, String name, String... args) throws IOException, InterruptedException {
    Path err = tmp.resolve(name + ".err");
    Process p = stedi(env, args).redirectError(err.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(150, TimeUnit.SECONDS)).as("bin/stedi " + String.join(" ", args) + " finished").isTrue();
    assertThat(p.exitValue()).as("bin/stedi %s\nstdout:\n%s\nstderr:\n%s", String.join(" ", args), out,
        Files.readString(err)).isZero();
    return out;
  }

  /** Starts the gateway on free ports; returns {mqtt port, http port}. */
  private String[] startGateway(Map<String, String> env) throws IOException {
    gateway = stedi(env, "gateway", "--mqtt-port", "0", "--http-port", "0")
        .redirectError(tmp.resolve("gateway.err").toFile()).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
    Pattern readyLine = Pattern.compile("gateway ready: mqtt port (\\d+), http port (\\d+)");
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = readyLine.matcher(line);
      if (m.find()) {
        return new String[] {m.group(1), m.group(2)};
      }
    }
    throw new AssertionError("gateway did not start: " + Files.readString(tmp.resolve("gateway.err")));
  }

  /** Registers phone k's customer (owner of Step Trainer k) with phone k's token; returns the emails in order. */
  private static List<String> registerCustomers(HttpClient http, String base, Path creds) throws Exception {
    JsonNode tokens = Json.MAPPER.readTree(creds.toFile()).get("tokens");
    List<String> emails = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (int k = 1; k <= DEVICES; k++) {
      JsonNode t = tokens.get(k - 1);
      String email = t.get("email").asText();
      emails.add(email);
      long registered = now - 86_400_000L;
      CustomerRecord c = new CustomerRecord("Prod Customer " + k, email, "555-010" + k, "1990-01-0" + k,
          "prod-st-" + k, registered, now, k <= 2 ? registered : null, null, null, k > 2);
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/customers"))
          .header("Authorization", "Bearer " + t.get("token").asText())
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(c.toJson())).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("POST /v1/customers %s: %s", email, r.body()).isEqualTo(202);
    }
    return emails;
  }

  private static List<Record> rows(Catalog catalog, String table) throws IOException {
    Table t = catalog.loadTable(TableIdentifier.of("stedi", table));
    List<Record> out = new ArrayList<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(t).build()) {
      it.forEach(out::add);
    }
    return out;
  }

  private static List<String> dataFiles(Table t) throws IOException {
    List<String> out = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      tasks.forEach(task -> out.add(task.file().location()));
    }
    return out;
  }

  /**
   * The committed example's secrets are placeholders the product refuses to start with (as it must); this run
   * replaces each with a secret of its own, the same for every service.
   */
  private static Map<String, String> withOwnSecrets(Map<String, String> env) {
    Map<String, String> out = new java.util.LinkedHashMap<>(env);
    out.replaceAll((k, v) -> v != null && v.toLowerCase(java.util.Locale.ROOT).contains("change-me")
        ? "it-" + Integer.toHexString(v.hashCode()) + "-0123456789abcdef" : v);
    return out;
  }
}
