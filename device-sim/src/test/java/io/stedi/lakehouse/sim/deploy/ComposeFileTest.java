package io.stedi.lakehouse.sim.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs here, so this test reads {@code docker-compose.yml} and holds it to the product's documented
 * config: the services of the topology exist, every {@code STEDI_*} variable is a key of a README config table with a
 * value the writer's config accepts, published ports are the documented defaults, volumes are declared, env files are
 * committed as {@code .example} and git-ignored, health checks use {@code /health/ready}, and the gateway, curation,
 * simulator and Trino all point at the same catalog and warehouse.
 */
class ComposeFileTest {
  /** Services of the topology and the role each plays. */
  private static final List<String> SERVICES = List.of("secure-init", "gateway", "curation", "postgres", "minio",
      "minio-init", "trino", "sim");
  /** Services built from this repository (bin/stedi inside). */
  private static final List<String> STEDI_SERVICES = List.of("gateway", "curation", "sim");
  /**
   * Ports the third-party images listen on by default (postgres: 5432; MinIO: 9000 S3 API, 9001 console as set by
   * --console-address; Trino: http-server.https.port 8443 of deploy/trino/etc/config.properties).
   */
  private static final Map<String, Set<Integer>> IMAGE_PORTS = Map.of("postgres", Set.of(5432),
      "minio", Set.of(9000, 9001), "trino", Set.of(8443));
  /**
   * The secrets each service gets, and no others (deploy/env/*.env): MinIO's root user stays with MinIO and the
   * init job that creates the two limited users, the customer-key secret with curation, Trino gets a read-only
   * S3 user and no writer's key.
   */
  private static final Map<String, List<String>> ENV_FILES = Map.of(
      "secure-init", List.of("deploy/env/trino-users.env"),
      "gateway", List.of("deploy/env/catalog.env", "deploy/env/s3-writer.env", "deploy/env/erasure.env"),
      "curation", List.of("deploy/env/catalog.env", "deploy/env/s3-writer.env", "deploy/env/erasure.env",
          "deploy/env/curation.env"),
      "postgres", List.of("deploy/env/catalog.env"),
      "minio", List.of("deploy/env/minio-root.env"),
      "minio-init", List.of("deploy/env/minio-root.env", "deploy/env/s3-writer.env", "deploy/env/s3-reader.env"),
      "trino", List.of("deploy/env/catalog.env", "deploy/env/s3-reader.env", "deploy/env/trino.env"),
      "sim", List.of("deploy/env/catalog.env", "deploy/env/s3-writer.env"));

  private final ComposeFile compose = ComposeFile.load();
  private final Map<String, ComposeFile.DocumentedKey> documented = ComposeFile.documentedKeys();

  @Test
  void everyServiceOfTheTopologyExistsInItsRole() {
    assertThat(compose.serviceNames()).containsAll(SERVICES);
    assertThat(compose.list("gateway", "command")).containsExactly("gateway");
    List<String> curate = compose.list("curation", "command");
    assertThat(curate).startsWith("curate", "--every").hasSize(3);
    assertThat(ConfigKey.duration("--every", "1m", "").parse(curate.get(2))).isPositive();
    assertThat(String.valueOf(compose.service("postgres").get("image"))).startsWith("postgres:");
    assertThat(String.valueOf(compose.service("minio").get("image"))).contains("minio/minio:");
    assertThat(String.valueOf(compose.service("minio-init").get("image"))).contains("minio/mc:");
    assertThat(compose.service("minio-init").get("restart")).isEqualTo("no");
    assertThat(String.valueOf(compose.service("trino").get("image"))).startsWith("trinodb/trino:");
    assertThat(compose.service("sim").get("profiles")).isEqualTo(List.of("sim"));
    assertThat(compose.service("gateway").get("profiles")).isNull();
    assertThat(compose.service("curation").get("profiles")).isNull();
    for (String s : List.of("secure-init", "gateway", "curation", "sim")) {
      assertThat(compose.service(s).get("build")).as(s + " builds from the repository")
          .isEqualTo(Map.of("context", ".", "dockerfile", "deploy/Dockerfile"));
    }
    Path simScript = ComposeFile.ROOT.resolve("deploy/sim-run.sh");
    assertThat(compose.list("sim", "entrypoint")).containsExactly("/opt/stedi/deploy/sim-run.sh");
    assertThat(simScript).isRegularFile().isExecutable();
  }

  @Test
  void everyStediVariableIsADocumentedKeyWithAValueTheConfigAccepts() {
    assertThat(documented).as("README config tables").containsKeys("STEDI_CATALOG_URI", "STEDI_GATEWAY_HTTP_PORT",
        "STEDI_CURATION_MASTER", "STEDI_SIM_SEED");
    for (ConfigKey<?> k : LakehouseConfig.KEYS) {
      assertThat(documented.get(k.envName())).as("README row of " + k.name()).isNotNull()
          .extracting(ComposeFile.DocumentedKey::key).isEqualTo(k.name());
    }
    for (String service : compose.serviceNames()) {
      for (String var : compose.effectiveEnvironment(service).keySet()) {
        if (var.startsWith("STEDI_")) {
          assertThat(documented).as("service %s sets %s, which no README config table documents", service, var)
              .containsKey(var);
        }
      }
    }
    for (String service : STEDI_SERVICES) {
      // The writer's keys are validated as the services will: a bad value fails here, not at deploy time.
      LakehouseConfig c = lakehouse(service);
      assertThat(c.get(LakehouseConfig.CATALOG_TYPE).name()).isEqualTo("JDBC");
      if (compose.envFiles(service).stream().noneMatch(f -> Files.isRegularFile(ComposeFile.ROOT.resolve(f)))) {
        // with the example's secrets unchanged, the service refuses to start
        assertThatThrownBy(() -> LakehouseConfig.from(ConfigSources.of(Map.of(), compose.effectiveEnvironment(service),
            null, LakehouseConfig.KEYS))).as(service).hasMessageContaining("placeholder");
      }
    }
  }

  /** The gateway publishes its MQTT and HTTP listeners, both over TLS with the certificate secure-init makes. */
  @Test
  void publishedPortsAreTheGatewaysTlsListeners() {
    Map<String, String> env = compose.effectiveEnvironment("gateway");
    Set<Integer> gatewayPorts = new HashSet<>();
    for (String var : List.of("STEDI_GATEWAY_MQTT_PORT", "STEDI_GATEWAY_HTTP_PORT")) {
      assertThat(documented).containsKey(var);
      gatewayPorts.add(Integer.parseInt(env.getOrDefault(var, documented.get(var).defaultValue())));
    }
    assertThat(gatewayPorts).as("the IANA ports of MQTT over TLS and a common HTTPS port").containsExactlyInAnyOrder(8883,
        8443);
    assertThat(env.get("STEDI_GATEWAY_TLS_CERT")).isEqualTo("/certs/gateway/gateway.crt");
    assertThat(env.get("STEDI_GATEWAY_TLS_KEY")).isEqualTo("/certs/gateway/gateway.key");
    assertThat(mountedAt("gateway", "/certs")).isEqualTo("certs");
    assertThat(String.join(" ", compose.list("secure-init", "entrypoint"))).contains("secure-init.sh /certs");
    assertThat(mountedAt("secure-init", "/certs")).isEqualTo("certs");
    for (String needsCerts : List.of("gateway", "trino")) {
      assertThat(ComposeFile.map(ComposeFile.map(compose.service(needsCerts).get("depends_on"), needsCerts)
          .get("secure-init"), needsCerts)).containsEntry("condition", "service_completed_successfully");
    }
    List<int[]> published = compose.ports("gateway");
    assertThat(published).extracting(p -> p[1]).containsExactlyInAnyOrderElementsOf(gatewayPorts);
    assertThat(published).allSatisfy(p -> assertThat(p[0]).as("host port = container port").isEqualTo(p[1]));

    Set<Integer> hostPorts = new HashSet<>();
    for (String service : compose.serviceNames()) {
      for (int[] p : compose.ports(service)) {
        if (!service.equals("gateway")) {
          assertThat(IMAGE_PORTS.get(service)).as("%s publishes %d, not a port it listens on", service, p[1])
              .isNotNull().contains(p[1]);
        }
        assertThat(hostPorts.add(p[0])).as("host port %d published twice", p[0]).isTrue();
      }
    }
    assertThat(compose.ports("postgres")).as("the catalog database stays on the compose network").isEmpty();
    assertThat(compose.ports("trino")).isNotEmpty();
  }

  @Test
  void everyVolumeIsDeclaredAndEveryBindMountExists() {
    Set<String> used = new HashSet<>();
    for (String service : compose.serviceNames()) {
      for (String[] v : compose.volumes(service)) {
        String source = v[0];
        if (source == null) {
          continue; // anonymous volume
        }
        if (source.startsWith(".") || source.startsWith("/") || source.startsWith("~")) {
          assertThat(ComposeFile.ROOT.resolve(source).normalize()).as("bind mount of " + service).exists();
        } else {
          assertThat(compose.declaredVolumes()).as("volume %s of %s is declared", source, service).contains(source);
          used.add(source);
        }
      }
    }
    assertThat(used).as("every declared volume is used").containsExactlyInAnyOrderElementsOf(compose.declaredVolumes());
    assertThat(mountedAt("postgres", "/var/lib/postgresql/data")).isNotNull();
    assertThat(mountedAt("minio", "/data")).isNotNull();
    assertThat(mountedAt("gateway", "/var/lib/stedi")).as("gateway WAL and credentials").isNotNull();
    assertThat(mountedAt("sim", "/var/lib/stedi")).as("the simulator provisions into the gateway's credential store")
        .isEqualTo(mountedAt("gateway", "/var/lib/stedi"));
    assertThat(mountedAt("curation", "/var/lib/stedi")).isNotEqualTo(mountedAt("gateway", "/var/lib/stedi"));
  }

  @Test
  void envFilesAreCommittedAsExamplesAndTheRealOnesAreIgnored() throws IOException {
    Set<String> files = new HashSet<>();
    for (String service : compose.serviceNames()) {
      files.addAll(compose.envFiles(service));
    }
    assertThat(files).isNotEmpty();
    List<String> ignored = Files.readAllLines(ComposeFile.ROOT.resolve(".gitignore"));
    List<String> dockerIgnored = Files.readAllLines(ComposeFile.ROOT.resolve(".dockerignore"));
    for (String f : files) {
      Path real = ComposeFile.ROOT.resolve(f);
      assertThat(Files.isRegularFile(real) || Files.isRegularFile(ComposeFile.ROOT.resolve(f + ".example")))
          .as("env_file %s exists or has a committed %s.example", f, f).isTrue();
      assertThat(ignored).as(".gitignore keeps the secrets file %s out of git", f).anyMatch(l -> glob(l, f));
      assertThat(dockerIgnored).as(".dockerignore keeps %s out of the image", f).anyMatch(l -> glob(l, f));
    }
    assertThat(ignored).contains(".env");
    for (String service : compose.serviceNames()) {
      assertThat(compose.envFiles(service)).as("the secrets %s gets", service)
          .containsExactlyInAnyOrderElementsOf(ENV_FILES.get(service));
    }
    // Every secret a service reads is in an example, and each is a placeholder the product and the init scripts refuse,
    // so a copy that was not edited does not start.
    Map<String, String> example = new HashMap<>();
    for (String f : files) {
      example.putAll(ComposeFile.readEnvFile(ComposeFile.ROOT.resolve(f + ".example")));
    }
    assertThat(example).containsKeys("STEDI_CATALOG_PASSWORD", "STEDI_S3_ACCESS_KEY_ID", "STEDI_S3_SECRET_ACCESS_KEY",
        "STEDI_CURATION_CUSTOMER_KEY_SECRET", "STEDI_ERASURE_HASH_SECRET", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD",
        "TRINO_S3_ACCESS_KEY_ID", "TRINO_S3_SECRET_ACCESS_KEY", "TRINO_SHARED_SECRET", "TRINO_ANALYST_PASSWORD");
    assertThat(example.get("STEDI_CURATION_CUSTOMER_KEY_SECRET")).hasSizeGreaterThanOrEqualTo(16);
    assertThat(example.get("STEDI_ERASURE_HASH_SECRET")).hasSizeGreaterThanOrEqualTo(16);
    assertThat(example.get("STEDI_S3_SECRET_ACCESS_KEY")).as("MinIO wants 8+ characters").hasSizeGreaterThanOrEqualTo(8);
    example.forEach((k, v) -> {
      if (k.contains("PASSWORD") || k.contains("SECRET")) {
        assertThat(v).as("%s in the examples is a placeholder", k).startsWith("change-me");
      }
    });
    assertThat(String.join(" ", compose.list("postgres", "entrypoint"))).contains("*change-me*) echo");
    assertThat(String.join(" ", compose.list("trino", "entrypoint"))).contains("*change-me*) echo");
    assertThat(Files.readString(ComposeFile.ROOT.resolve("deploy/init/minio-init.sh"))).contains("*change-me*)");
    assertThat(Files.readString(ComposeFile.ROOT.resolve("deploy/init/secure-init.sh"))).contains("*change-me*)");
    for (String service : compose.serviceNames()) {
      for (String var : compose.environment(service).keySet()) {
        assertThat(var).as("secret %s of %s belongs in the env file, not in docker-compose.yml", var, service)
            .doesNotContainIgnoringCase("PASSWORD").doesNotContain("SECRET");
      }
    }
  }

  @Test
  void healthChecksUseTheGatewaysReadinessEndpoint() throws IOException {
    String http = Files.readString(ComposeFile.ROOT.resolve(
        "gateway/src/main/java/io/stedi/lakehouse/gateway/ingest/http/HttpIngestVerticle.java"));
    assertThat(http).as("the gateway serves the endpoint the checks call").contains("\"/health/ready\"");

    int httpPort = Integer.parseInt(compose.effectiveEnvironment("gateway").getOrDefault("STEDI_GATEWAY_HTTP_PORT",
        documented.get("STEDI_GATEWAY_HTTP_PORT").defaultValue()));
    Map<String, Object> hc = ComposeFile.map(compose.service("gateway").get("healthcheck"), "gateway.healthcheck");
    assertThat(hc.get("disable")).isNotEqualTo(true);
    String test = String.valueOf(hc.get("test"));
    assertThat(test).as("over TLS, checking the certificate").contains("https://localhost:" + httpPort + "/health/ready")
        .contains("--cacert, /certs/public/ca.crt");
    for (String service : STEDI_SERVICES) {
      Map<String, Object> h = ComposeFile.map(compose.service(service).get("healthcheck"), service + ".healthcheck");
      assertThat(Boolean.TRUE.equals(h.get("disable")) || String.valueOf(h.get("test")).contains("/health/ready"))
          .as("%s: a health check is /health/ready or explicitly disabled (the image's would fail)", service).isTrue();
    }
    String dockerfile = Files.readString(ComposeFile.ROOT.resolve("deploy/Dockerfile"));
    assertThat(dockerfile).containsPattern("(?m)^HEALTHCHECK .*\\n?.*/health/ready");
    // Whatever waits for the gateway waits for it to be ready, not merely started.
    for (String service : compose.serviceNames()) {
      Object deps = compose.service(service).get("depends_on");
      if (deps instanceof Map<?, ?> m && m.containsKey("gateway")) {
        assertThat(ComposeFile.map(m.get("gateway"), service + ".depends_on.gateway"))
            .containsEntry("condition", "service_healthy");
      }
    }
  }

  @Test
  void gatewayCurationSimulatorAndTrinoShareOneCatalogAndWarehouse() {
    LakehouseConfig gateway = lakehouse("gateway");
    for (String service : List.of("curation", "sim")) {
      assertThat(catalogSettings(lakehouse(service))).as(service + " vs gateway")
          .isEqualTo(catalogSettings(gateway));
    }
    URI jdbc = URI.create(gateway.catalogUri().substring("jdbc:".length()));
    assertThat(jdbc.getScheme()).isEqualTo("postgresql");
    assertThat(jdbc.getHost()).isEqualTo("postgres");
    assertThat(IMAGE_PORTS.get("postgres")).contains(jdbc.getPort());
    Map<String, String> pg = compose.environment("postgres");
    assertThat(jdbc.getPath()).isEqualTo("/" + pg.get("POSTGRES_DB"));
    assertThat(gateway.get(LakehouseConfig.CATALOG_USER)).isEqualTo(pg.get("POSTGRES_USER"));
    assertThat(String.join(" ", compose.list("postgres", "entrypoint")))
        .contains("POSTGRES_PASSWORD=\"$STEDI_CATALOG_PASSWORD\"");

    URI s3 = URI.create(gateway.get(LakehouseConfig.S3_ENDPOINT));
    assertThat(s3.getHost()).isEqualTo("minio");
    assertThat(s3.getPort()).isEqualTo(9000);
    assertThat(gateway.get(LakehouseConfig.S3_PATH_STYLE)).as("MinIO needs path-style URLs").isTrue();
    URI warehouse = URI.create(gateway.warehouse());
    assertThat(warehouse.getScheme()).isEqualTo("s3");
    String bucket = warehouse.getHost();
    String init;
    try {
      init = Files.readString(ComposeFile.ROOT.resolve("deploy/init/minio-init.sh"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(init).contains("mc alias set root " + gateway.get(LakehouseConfig.S3_ENDPOINT) + " ")
        .contains("bucket=" + bucket).contains("mc mb --ignore-existing \"root/$bucket\"")
        .contains("mc admin user add root \"$STEDI_S3_ACCESS_KEY_ID\"")
        .contains("mc admin user add root \"$TRINO_S3_ACCESS_KEY_ID\"");
    assertThat(compose.volumes("minio-init")).anySatisfy(v -> assertThat(v[1]).isEqualTo("/init/minio-init.sh"));

    String catalogName = gateway.get(LakehouseConfig.CATALOG_NAME);
    Path trinoFile = ComposeFile.ROOT.resolve("deploy/trino/catalog/" + catalogName + ".properties");
    assertThat(compose.volumes("trino")).as("Trino mounts its catalog file")
        .anySatisfy(v -> {
          assertThat(ComposeFile.ROOT.resolve(v[0]).normalize()).isEqualTo(trinoFile);
          assertThat(v[1]).isEqualTo("/etc/trino/catalog/" + catalogName + ".properties");
        });
    Properties trino = ComposeFile.readProperties(trinoFile);
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("connector.name", "iceberg");
    expected.put("iceberg.catalog.type", "jdbc");
    expected.put("iceberg.jdbc-catalog.catalog-name", catalogName);
    expected.put("iceberg.jdbc-catalog.driver-class", "org.postgresql.Driver");
    expected.put("iceberg.jdbc-catalog.connection-url", gateway.catalogUri());
    expected.put("iceberg.jdbc-catalog.connection-user", gateway.get(LakehouseConfig.CATALOG_USER));
    expected.put("iceberg.jdbc-catalog.connection-password", "${ENV:STEDI_CATALOG_PASSWORD}");
    expected.put("iceberg.jdbc-catalog.default-warehouse-dir", gateway.warehouse());
    expected.put("fs.native-s3.enabled", "true");
    expected.put("s3.endpoint", gateway.get(LakehouseConfig.S3_ENDPOINT));
    expected.put("s3.region", gateway.get(LakehouseConfig.S3_REGION));
    expected.put("s3.path-style-access", String.valueOf(gateway.get(LakehouseConfig.S3_PATH_STYLE)));
    expected.put("s3.aws-access-key", "${ENV:TRINO_S3_ACCESS_KEY_ID}");
    expected.put("s3.aws-secret-key", "${ENV:TRINO_S3_SECRET_ACCESS_KEY}");
    // the same file serves a local warehouse folder (file: locations); TrinoReadsEveryZoneIT reads one through it
    expected.put("fs.native-local.enabled", "true");
    expected.put("local.location", "/");
    Map<String, String> actual = new HashMap<>();
    trino.stringPropertyNames().forEach(k -> actual.put(k, trino.getProperty(k)));
    assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    assertThat(compose.effectiveEnvironment("trino")).as("Trino reads the secrets it substitutes")
        .containsKeys("STEDI_CATALOG_PASSWORD", "TRINO_S3_ACCESS_KEY_ID", "TRINO_S3_SECRET_ACCESS_KEY",
            "TRINO_SHARED_SECRET");
    // Trino's own configuration, mounted over the image's: HTTPS with a password, file-based access control
    for (String f : List.of("config.properties", "password-authenticator.properties", "access-control.properties",
        "rules.json")) {
      assertThat(compose.volumes("trino")).as("Trino mounts deploy/trino/etc/" + f).anySatisfy(v -> {
        assertThat(ComposeFile.ROOT.resolve(v[0]).normalize()).isEqualTo(ComposeFile.ROOT.resolve("deploy/trino/etc/" + f));
        assertThat(v[1]).isEqualTo("/etc/trino/" + f);
      });
    }
    Properties trinoConfig = ComposeFile.readProperties(ComposeFile.ROOT.resolve("deploy/trino/etc/config.properties"));
    assertThat(trinoConfig.getProperty("http-server.authentication.type")).isEqualTo("PASSWORD");
    assertThat(trinoConfig.getProperty("http-server.https.enabled")).isEqualTo("true");
    assertThat(compose.ports("trino")).extracting(p -> p[1])
        .containsExactly(Integer.parseInt(trinoConfig.getProperty("http-server.https.port")));

    // The simulator talks to the gateway's own ports.
    Map<String, String> sim = compose.environment("sim");
    Map<String, String> gw = compose.effectiveEnvironment("gateway");
    assertThat(URI.create(sim.get("SIM_MQTT"))).extracting(URI::getScheme, URI::getHost, URI::getPort)
        .containsExactly("mqtts", "gateway", Integer.parseInt(gw.get("STEDI_GATEWAY_MQTT_PORT")));
    assertThat(URI.create(sim.get("SIM_HTTP"))).extracting(URI::getScheme, URI::getHost, URI::getPort)
        .containsExactly("https", "gateway", Integer.parseInt(gw.get("STEDI_GATEWAY_HTTP_PORT")));
    assertThat(sim.get("SIM_CA")).isEqualTo("/certs/public/ca.crt");
  }

  @Test
  void imageIsAMultiStageMavenBuildThatRunsAsNonRoot() throws IOException {
    String dockerfile = Files.readString(ComposeFile.ROOT.resolve("deploy/Dockerfile"));
    assertThat(dockerfile).contains("FROM maven:3-eclipse-temurin-17 AS build")
        .contains("mvn -B -DskipTests package")
        .contains("FROM eclipse-temurin:17-jre")
        .contains("ENTRYPOINT [\"/opt/stedi/bin/stedi\"]");
    Matcher user = Pattern.compile("(?m)^USER\\s+(\\S+)").matcher(dockerfile);
    List<String> users = new ArrayList<>();
    while (user.find()) {
      users.add(user.group(1));
    }
    assertThat(users).isNotEmpty();
    assertThat(users.get(users.size() - 1)).doesNotStartWith("root").doesNotStartWith("0");
    // Every module jar bin/stedi runs is copied in the layout it expects.
    for (String module : List.of("writer", "curation", "gateway", "device-sim")) {
      assertThat(dockerfile).contains("/src/" + module + "/target/stedi-" + module + ".jar " + module + "/target/")
          .contains("/src/" + module + "/target/lib " + module + "/target/lib");
    }
    for (Matcher m = Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(dockerfile); m.find(); ) {
      assertThat(ComposeFile.ROOT.resolve(m.group(1))).as("COPY source " + m.group(1)).exists();
    }
  }

  /** The service's writer config as a deployer would give it: the example's placeholders replaced by secrets. */
  private LakehouseConfig lakehouse(String service) {
    Map<String, String> env = new java.util.LinkedHashMap<>(compose.effectiveEnvironment(service));
    env.replaceAll((k, v) -> v.startsWith("change-me") ? "deployed-" + k.toLowerCase(java.util.Locale.ROOT) : v);
    return LakehouseConfig.from(ConfigSources.of(Map.of(), env, null, LakehouseConfig.KEYS));
  }

  private static List<Object> catalogSettings(LakehouseConfig c) {
    return List.of(c.get(LakehouseConfig.CATALOG_TYPE), c.get(LakehouseConfig.CATALOG_NAME), c.catalogUri(),
        c.get(LakehouseConfig.CATALOG_USER), c.get(LakehouseConfig.CATALOG_PASSWORD), c.warehouse(),
        c.get(LakehouseConfig.S3_ENDPOINT), c.get(LakehouseConfig.S3_REGION), c.get(LakehouseConfig.S3_PATH_STYLE),
        c.get(LakehouseConfig.S3_ACCESS_KEY), c.get(LakehouseConfig.S3_SECRET_KEY));
  }

  /** Whether a .gitignore-style line (a path, {@code *} within one folder) names {@code path}. */
  private static boolean glob(String line, String path) {
    String t = line.strip();
    return !t.isEmpty() && !t.startsWith("#")
        && path.matches(Pattern.quote(t).replace("*", "\\E[^/]*\\Q"));
  }

  private String mountedAt(String service, String target) {
    for (String[] v : compose.volumes(service)) {
      if (target.equals(v[1])) {
        return v[0];
      }
    }
    return null;
  }
}
