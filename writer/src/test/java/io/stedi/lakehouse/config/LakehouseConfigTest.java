package io.stedi.lakehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakehouseConfigTest {
  @TempDir
  Path tmp;

  @Test
  void pinsEveryDefault() {
    LakehouseConfig c = LakehouseConfig.from(ConfigSources.defaults());
    assertThat(c.get(LakehouseConfig.HOME)).isEqualTo("./stedi-home");
    assertThat(c.get(LakehouseConfig.CATALOG_TYPE)).isEqualTo(CatalogType.SQLITE);
    assertThat(c.get(LakehouseConfig.CATALOG_NAME)).isEqualTo("lakehouse");
    assertThat(c.get(LakehouseConfig.CATALOG_URI)).isEmpty();
    assertThat(c.get(LakehouseConfig.CATALOG_USER)).isEmpty();
    assertThat(c.get(LakehouseConfig.CATALOG_PASSWORD)).isEmpty();
    assertThat(c.get(LakehouseConfig.CATALOG_TOKEN)).isEmpty();
    assertThat(c.get(LakehouseConfig.WAREHOUSE)).isEmpty();
    assertThat(c.get(LakehouseConfig.S3_ENDPOINT)).isEmpty();
    assertThat(c.get(LakehouseConfig.S3_REGION)).isEqualTo("us-east-1");
    assertThat(c.get(LakehouseConfig.S3_PATH_STYLE)).isFalse();
    assertThat(c.get(LakehouseConfig.S3_ACCESS_KEY)).isEmpty();
    assertThat(c.get(LakehouseConfig.S3_SECRET_KEY)).isEmpty();
    assertThat(c.get(LakehouseConfig.INSTANCE_ID)).isEqualTo("writer-1");
    assertThat(c.get(LakehouseConfig.WAL_DIR)).isEmpty();
    assertThat(c.get(LakehouseConfig.WAL_MAX_BYTES)).isEqualTo(1L << 30);
    assertThat(c.get(LakehouseConfig.WAL_SEGMENT_BYTES)).isEqualTo(64L << 20);
    assertThat(c.get(LakehouseConfig.WAL_SYNC_INTERVAL)).isEqualTo(Duration.ofNanos(250_000));
    assertThat(c.get(LakehouseConfig.COMMIT_INTERVAL)).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.get(LakehouseConfig.COMMIT_MAX_RECORDS)).isEqualTo(100_000);
    assertThat(c.get(LakehouseConfig.COMMIT_RETRIES)).isEqualTo(20);
    assertThat(c.get(LakehouseConfig.TARGET_FILE_BYTES)).isEqualTo(128L << 20);
    assertThat(c.get(LakehouseConfig.QUARANTINE_PAYLOAD_BYTES)).isEqualTo(4096);
    assertThat(c.get(LakehouseConfig.LOAD_THREADS)).isZero();
    assertThat(c.loadThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(c.get(LakehouseConfig.COMMIT_MAX_BACKOFF)).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.get(LakehouseConfig.DEDUP_WINDOW)).isEqualTo(Duration.ofMinutes(15));
    assertThat(c.get(LakehouseConfig.DEDUP_MAX_ENTRIES)).isEqualTo(4_000_000);
    assertThat(c.get(LakehouseConfig.LEASE_TTL)).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.get(LakehouseConfig.COMMIT_THREADS)).isZero();
    assertThat(LakehouseConfig.KEYS).hasSize(30);
  }

  @Test
  void derivedLocationsLiveUnderHome() {
    LakehouseConfig c = LakehouseConfig.embedded(tmp);
    assertThat(c.catalogUri()).isEqualTo("jdbc:sqlite:" + tmp.resolve("catalog.db"));
    assertThat(c.warehouse()).isEqualTo("file:" + tmp.resolve("warehouse"));
    assertThat(c.localWarehouse()).contains(tmp.resolve("warehouse"));
    assertThat(c.walDir()).isEqualTo(tmp.resolve("wal").resolve("writer-1"));
    assertThat(c.isS3Warehouse()).isFalse();
  }

  @Test
  void cliBeatsEnvBeatsFileBeatsDefault() throws Exception {
    Path file = tmp.resolve("stedi.properties");
    Files.writeString(file, "commit.interval=5s\ns3.region=eu-west-1\nwriter.instance-id=from-file\n");
    Map<String, String> env = Map.of("STEDI_S3_REGION", "eu-central-1", "STEDI_WRITER_INSTANCE_ID", "from-env");
    ConfigSources s = ConfigSources.of(Map.of("writer.instance-id", "from-cli"), env, file, LakehouseConfig.KEYS);
    LakehouseConfig c = LakehouseConfig.from(s);
    assertThat(c.get(LakehouseConfig.INSTANCE_ID)).isEqualTo("from-cli");
    assertThat(c.get(LakehouseConfig.S3_REGION)).isEqualTo("eu-central-1");
    assertThat(c.get(LakehouseConfig.COMMIT_INTERVAL)).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.get(LakehouseConfig.WAL_MAX_BYTES)).isEqualTo(1L << 30);
    assertThat(s.origin("writer.instance-id")).isEqualTo("cli");
    assertThat(s.origin("s3.region")).isEqualTo("env");
    assertThat(s.origin("commit.interval")).isEqualTo("file");
    assertThat(s.origin("wal.max-bytes")).isEqualTo("default");
  }

  @Test
  void stediHomeComesFromTheStediHomeVariable() {
    LakehouseConfig c = LakehouseConfig.from(ConfigSources.of(Map.of(), Map.of("STEDI_HOME", tmp.toString()), null,
        LakehouseConfig.KEYS));
    assertThat(c.home()).isEqualTo(tmp);
    assertThat(LakehouseConfig.HOME.envName()).isEqualTo("STEDI_HOME");
    assertThat(LakehouseConfig.WAL_MAX_BYTES.envName()).isEqualTo("STEDI_WAL_MAX_BYTES");
  }

  @Test
  void configFileFromEnvironmentVariable() throws Exception {
    Path file = tmp.resolve("x.properties");
    Files.writeString(file, "commit.max-records=7\n");
    LakehouseConfig c = LakehouseConfig.from(ConfigSources.of(Map.of(), Map.of("STEDI_CONFIG", file.toString()),
        null, LakehouseConfig.KEYS));
    assertThat(c.get(LakehouseConfig.COMMIT_MAX_RECORDS)).isEqualTo(7);
  }

  @Test
  void placeholderSecretsOfTheDeploymentExampleRefuseToStart() {
    assertThatThrownBy(() -> over("catalog.password", "change-me-catalog-password"))
        .hasMessageStartingWith("catalog.password still holds the placeholder");
    assertThatThrownBy(() -> over("s3.secret-access-key", "CHANGE-ME-s3-secret-key"))
        .hasMessageStartingWith("s3.secret-access-key still holds the placeholder");
    assertThat(over("catalog.password", "a-real-one").get(LakehouseConfig.CATALOG_PASSWORD)).isEqualTo("a-real-one");
  }

  @Test
  void validateNamesTheKey() {
    assertThatThrownBy(() -> over("catalog.type", "jdbc")).hasMessageStartingWith("catalog.uri must be a JDBC URL");
    assertThatThrownBy(() -> over("catalog.type", "rest")).hasMessageStartingWith("catalog.uri must be the REST");
    assertThatThrownBy(() -> over("catalog.type", "glue")).hasMessageStartingWith("catalog.warehouse must be an s3://");
    // file: URIs that name no absolute local path fail at start, not at the first table
    assertThatThrownBy(() -> over("catalog.warehouse", "file:relative/wh"))
        .hasMessageStartingWith("catalog.warehouse must be a folder, an absolute file: URI");
    assertThatThrownBy(() -> over("catalog.warehouse", "file://otherhost/wh"))
        .hasMessageStartingWith("catalog.warehouse must be a folder, an absolute file: URI");
    assertThat(over("catalog.warehouse", "file:///srv/wh").localWarehouse()).contains(Path.of("/srv/wh"));
    assertThat(over("catalog.warehouse", "file:/srv/wh").warehouse()).isEqualTo("file:/srv/wh");
    assertThatThrownBy(() -> over("catalog.type", "oracle")).hasMessageContaining("catalog.type")
        .hasMessageContaining("sqlite|jdbc|rest|glue");
    assertThatThrownBy(() -> over("writer.instance-id", "a b")).hasMessageStartingWith("writer.instance-id must be");
    assertThatThrownBy(() -> over("wal.max-bytes", "10k")).hasMessageStartingWith("wal.max-bytes must be");
    assertThatThrownBy(() -> over("wal.segment-bytes", "1")).hasMessageStartingWith("wal.segment-bytes must be");
    assertThatThrownBy(() -> over("commit.interval", "1ms")).hasMessageStartingWith("commit.interval must be");
    assertThatThrownBy(() -> over("wal.sync-interval", "1s")).hasMessageStartingWith("wal.sync-interval must be");
    assertThat(over("wal.sync-interval", "0s").get(LakehouseConfig.WAL_SYNC_INTERVAL)).isZero();
    assertThat(over("wal.sync-interval", "750us").get(LakehouseConfig.WAL_SYNC_INTERVAL)).isEqualTo(Duration.ofNanos(750_000));
    assertThat(over("wal.sync-interval", "2ms").get(LakehouseConfig.WAL_SYNC_INTERVAL)).isEqualTo(Duration.ofMillis(2));
    assertThatThrownBy(() -> over("commit.interval", "soon")).hasMessageStartingWith("commit.interval: cannot parse");
    assertThatThrownBy(() -> over("commit.max-records", "0")).hasMessageStartingWith("commit.max-records must be");
    assertThatThrownBy(() -> over("commit.retries", "-1")).hasMessageStartingWith("commit.retries must be");
    assertThatThrownBy(() -> over("table.target-file-bytes", "1k")).hasMessageStartingWith("table.target-file-bytes");
    assertThatThrownBy(() -> over("quarantine.max-payload-bytes", "1")).hasMessageStartingWith("quarantine.max-payload");
    assertThatThrownBy(() -> over("s3.endpoint", "localhost:9000")).hasMessageStartingWith("s3.endpoint must");
    assertThatThrownBy(() -> over("s3.path-style-access", "maybe")).hasMessageStartingWith("s3.path-style-access");
    assertThatThrownBy(() -> over("load.threads", "-1")).hasMessageStartingWith("load.threads must be");
    assertThatThrownBy(() -> over("stedi.home", " ")).hasMessageStartingWith("stedi.home must not be empty");
    assertThatThrownBy(() -> ConfigSources.of(Map.of("no.such.key", "1"), Map.of(), null, LakehouseConfig.KEYS))
        .hasMessageContaining("unknown config key 'no.such.key'");
  }

  @Test
  void aConfigFileMayHoldOtherModulesKeysButNotMisspelledOwnOnes() throws Exception {
    Path file = tmp.resolve("all.properties");
    Files.writeString(file, "gateway.mqtt.prot=1\ncuration.consent=window\n");
    // the writer alone ignores other modules' keys...
    assertThat(LakehouseConfig.from(ConfigSources.of(Map.of(), Map.of(), file, LakehouseConfig.KEYS))).isNotNull();
    // ...but a module that owns the gateway.* prefix reports its misspelled key
    java.util.List<ConfigKey<?>> withGateway = new java.util.ArrayList<>(LakehouseConfig.KEYS);
    withGateway.add(ConfigKey.integer("gateway.mqtt.port", "1883", "port"));
    assertThatThrownBy(() -> ConfigSources.of(Map.of(), Map.of(), file, withGateway))
        .hasMessageContaining("unknown config key 'gateway.mqtt.prot'");
  }

  @Test
  void parsesSizesAndDurations() {
    assertThat(over("wal.max-bytes", "2g").get(LakehouseConfig.WAL_MAX_BYTES)).isEqualTo(2L << 30);
    assertThat(over("wal.segment-bytes", "512k").get(LakehouseConfig.WAL_SEGMENT_BYTES)).isEqualTo(512L << 10);
    assertThat(over("commit.interval", "250ms").get(LakehouseConfig.COMMIT_INTERVAL)).isEqualTo(Duration.ofMillis(250));
    assertThat(over("commit.interval", "2m").get(LakehouseConfig.COMMIT_INTERVAL)).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void secretsAreMaskedInDescriptions() {
    LakehouseConfig c = LakehouseConfig.from(ConfigSources.defaults().withOverrides(Map.of(
        "catalog.password", "hunter2", "s3.secret-access-key", "s3cr3t", "catalog.token", "tok")));
    assertThat(c.toString()).doesNotContain("hunter2").doesNotContain("s3cr3t").doesNotContain("tok,")
        .contains("catalog.password=****");
  }

  @Test
  void readmeDocumentsEveryKey() throws Exception {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme);
    for (ConfigKey<?> k : LakehouseConfig.KEYS) {
      assertThat(text).as("README documents %s", k.name())
          .contains("| `" + k.name() + "` | `" + k.envName() + "` | `" + k.defaultText() + "` |");
    }
    assertThat(text).as("README writer table is stale: bin/stedi config --markdown --module writer")
        .contains(ConfigModule.markdownTable(LakehouseConfig.KEYS));
  }

  private static LakehouseConfig over(String key, String value) {
    return LakehouseConfig.from(ConfigSources.defaults().withOverrides(Map.of(key, value)));
  }
}
