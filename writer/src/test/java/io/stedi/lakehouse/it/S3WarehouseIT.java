package io.stedi.lakehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.WriterCli;
import io.stedi.lakehouse.commit.CommitCoordinator;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.load.BulkLoader;
import io.stedi.lakehouse.load.LoadProgress;
import io.stedi.lakehouse.load.LoadSummary;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3 warehouse (S3Proxy in-process on 127.0.0.1) behind the embedded SQLite catalog: bulk load from an
 * s3:// prefix, data files under s3://, and commit coordinator appends read back through S3FileIO.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class S3WarehouseIT {
  private static final String BUCKET = "stedi-test";
  private static final String ACCESS = "stedi-it-access";
  private static final String SECRET = "stedi-it-secret-key";

  @TempDir
  static Path tmp;

  static S3Proxy s3proxy;
  static String endpoint;
  static S3Client s3;

  @BeforeAll
  static void startS3() throws Exception {
    s3proxy = S3Proxy.builder()
        .blobStore(BlobStores.create("transient", new Properties()))
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
        .build();
    s3proxy.start();
    await("S3Proxy started").atMost(Duration.ofSeconds(20)).until(() -> "STARTED".equals(s3proxy.getState()));
    endpoint = "http://127.0.0.1:" + s3proxy.getPort();
    s3 = S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET)))
        .httpClientBuilder(ApacheHttpClient.builder())
        .build();
    s3.createBucket(b -> b.bucket(BUCKET));
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
    if (s3proxy != null) {
      s3proxy.stop();
    }
  }

  @Test
  void loadsFromS3PrefixIntoS3WarehouseAndCommitsWalEntries() throws Exception {
    Path home = tmp.resolve("home");
    LakehouseConfig config = LakehouseConfig.embedded(home).with(Map.of(
        "catalog.warehouse", "s3://" + BUCKET + "/warehouse",
        "s3.endpoint", endpoint,
        "s3.path-style-access", "true",
        "s3.access-key-id", ACCESS,
        "s3.secret-access-key", SECRET,
        "s3.region", "us-east-1",
        "commit.interval", "100ms"));

    String part1 = String.join("\n",
        ItSupport.accelLine("anna@example.com", 1_655_564_444_103L, 1.0, 2.0, 3.0),
        ItSupport.accelLine("bob@example.com", 1_655_564_444_104L, -1.0, -2.0, -3.0)) + "\n";
    String badLine = "{\"user\":\"carl@example.com\",\"timestamp\":-5,\"x\":1,\"y\":2,\"z\":3}";
    String part2 = String.join("\n",
        ItSupport.accelLine("carl@example.com", 1_655_564_444_105L, 0.5, 0.25, 0.125),
        badLine,
        ItSupport.accelLine("dora@example.com", 1_655_564_444_106L, 9.0, 8.0, 7.0)) + "\n";
    s3.putObject(b -> b.bucket(BUCKET).key("input/part-1.json"), RequestBody.fromString(part1));
    s3.putObject(b -> b.bucket(BUCKET).key("input/part-2.json"), RequestBody.fromString(part2));
    // Marker files are not input.
    s3.putObject(b -> b.bucket(BUCKET).key("input/_SUCCESS"), RequestBody.fromString(""));

    Catalog catalog = Catalogs.open(config);
    try {
      LoadSummary summary = new BulkLoader(catalog, config).load(Zone.ACCELEROMETER,
          List.of("s3://" + BUCKET + "/input/"), LoadProgress.NONE);
      assertThat(summary.files()).containsExactly("s3://" + BUCKET + "/input/part-1.json",
          "s3://" + BUCKET + "/input/part-2.json");
      assertThat(summary.rowsLoaded()).isEqualTo(4);
      assertThat(summary.rejectedByReason()).containsExactlyEntriesOf(Map.of("impossible_value", 1L));
      assertThat(summary.skippedFiles()).isEmpty();

      List<Record> rows = ItSupport.rows(catalog, LandingTables.id(Zone.ACCELEROMETER));
      assertThat(rows)
          .extracting(r -> r.getField("user"), r -> r.getField("timestamp"), r -> r.getField("x"),
              r -> r.getField("y"), r -> r.getField("z"), r -> r.getField(LandingTables.SOURCE))
          .containsExactlyInAnyOrder(
              tuple("anna@example.com", 1_655_564_444_103L, 1.0, 2.0, 3.0, "load"),
              tuple("bob@example.com", 1_655_564_444_104L, -1.0, -2.0, -3.0, "load"),
              tuple("carl@example.com", 1_655_564_444_105L, 0.5, 0.25, 0.125, "load"),
              tuple("dora@example.com", 1_655_564_444_106L, 9.0, 8.0, 7.0, "load"));
      assertThat(ItSupport.rows(catalog, LandingTables.quarantineId()))
          .extracting(r -> r.getField("origin"), r -> r.getField("reason_code"), r -> r.getField("payload"))
          .containsExactly(tuple("s3://" + BUCKET + "/input/part-2.json:2", "impossible_value", badLine));

      // Metadata and data live in the bucket, not on the local disk.
      Table accel = catalog.loadTable(LandingTables.id(Zone.ACCELEROMETER));
      assertThat(accel.location()).startsWith("s3://" + BUCKET + "/warehouse/");
      assertThat(((HasTableOperations) accel).operations().current().metadataFileLocation())
          .startsWith("s3://" + BUCKET + "/warehouse/");
      List<String> dataFiles = dataFilePaths(accel);
      assertThat(dataFiles).isNotEmpty().allSatisfy(p -> assertThat(p).startsWith("s3://" + BUCKET + "/warehouse/"));
      List<String> objects = objectKeys("warehouse/");
      for (String p : dataFiles) {
        assertThat(objects).contains(p.substring(("s3://" + BUCKET + "/").length()));
      }
      assertThat(objects).anyMatch(k -> k.endsWith(".metadata.json"));
      assertThat(home.resolve("warehouse")).doesNotExist();

      // Commit coordinator: WAL entries land in the S3 warehouse and read back exactly once.
      try (CommitCoordinator coordinator = CommitCoordinator.start(catalog, config)) {
        long lsn = coordinator.append(List.of(
            ItSupport.accelEntry("wal-a@example.com", 1_700_000_000_001L, 0.1, 0.2, 0.3, "s3-it-1"),
            ItSupport.accelEntry("wal-b@example.com", 1_700_000_000_002L, 0.4, 0.5, 0.6, "s3-it-2"))).get(30,
            TimeUnit.SECONDS);
        coordinator.flush();
        accel.refresh();
        assertThat(accel.currentSnapshot().summary()).containsEntry("stedi.wal.writer-1.lsn", Long.toString(lsn));
      }
      List<Record> after = ItSupport.rows(catalog, LandingTables.id(Zone.ACCELEROMETER));
      assertThat(after).hasSize(6);
      assertThat(ItSupport.countByKey(after)).containsEntry("s3-it-1", 1L).containsEntry("s3-it-2", 1L)
          .allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1L));
      assertThat(after).filteredOn(r -> "s3-it-2".equals(r.getField(LandingTables.KEY)))
          .extracting(r -> r.getField("user"), r -> r.getField("timestamp"), r -> r.getField("z"),
              r -> r.getField(LandingTables.SOURCE))
          .containsExactly(tuple("wal-b@example.com", 1_700_000_000_002L, 0.6, "https"));
      assertThat(dataFilePaths(accel)).hasSizeGreaterThan(dataFiles.size())
          .allSatisfy(p -> assertThat(p).startsWith("s3://" + BUCKET + "/warehouse/"));

      // Reloading the prefix adds nothing.
      LoadSummary again = new BulkLoader(catalog, config).load(Zone.ACCELEROMETER,
          List.of("s3://" + BUCKET + "/input/"), LoadProgress.NONE);
      assertThat(again.skippedFiles()).hasSize(2);
      assertThat(again.rowsLoaded()).isZero();
      assertThat(ItSupport.rows(catalog, LandingTables.id(Zone.ACCELEROMETER))).hasSize(6);
    } finally {
      ItSupport.closeQuietly(catalog);
    }
    assertThat(Files.exists(home.resolve("catalog.db"))).isTrue();
  }

  @Test
  void cliLoadsFromS3IntoLocalWarehouse() throws Exception {
    Path home = tmp.resolve("cli-home");
    String input = "s3://" + BUCKET + "/cli-input/";
    s3.putObject(b -> b.bucket(BUCKET).key("cli-input/a.json"), RequestBody.fromString(
        ItSupport.accelLine("cli-1@example.com", 1_655_564_444_201L, 1.0, 1.0, 1.0) + "\n"
            + "not json\n"
            + ItSupport.accelLine("cli-2@example.com", 1_655_564_444_202L, 2.0, 2.0, 2.0) + "\n"));

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = WriterCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int rc = cli.execute("load", "accelerometer", input, "--home", home.toString(), "--no-progress",
        "-c", "s3.endpoint=" + endpoint, "-c", "s3.path-style-access=true", "-c", "s3.access-key-id=" + ACCESS,
        "-c", "s3.secret-access-key=" + SECRET, "-c", "s3.region=us-east-1");
    assertThat(rc).as("exit code; stdout:\n" + out + "\nstderr:\n" + err).isZero();
    assertThat(out.toString()).contains("loaded 2 rows into stedi.accelerometer_landing from 1 file(s)")
        .contains("rejected 1 rows").contains("malformed_json");
    assertThat(err.toString()).doesNotContain(SECRET);

    LakehouseConfig config = LakehouseConfig.embedded(home);
    Catalog catalog = Catalogs.open(config);
    try {
      Table accel = catalog.loadTable(LandingTables.id(Zone.ACCELEROMETER));
      assertThat(accel.location()).startsWith("file:" + home.resolve("warehouse"));
      assertThat(ItSupport.rows(catalog, LandingTables.id(Zone.ACCELEROMETER)))
          .extracting(r -> r.getField("user"), r -> r.getField("x"))
          .containsExactlyInAnyOrder(tuple("cli-1@example.com", 1.0), tuple("cli-2@example.com", 2.0));
      assertThat(ItSupport.rows(catalog, LandingTables.quarantineId()))
          .extracting(r -> r.getField("origin"), r -> r.getField("reason_code"))
          .containsExactly(tuple(input + "a.json:2", "malformed_json"));
      assertThat(dataFilePaths(accel)).isNotEmpty().allSatisfy(p -> assertThat(Path.of(java.net.URI.create(p))).exists());
    } finally {
      ItSupport.closeQuietly(catalog);
    }
  }

  private static List<String> dataFilePaths(Table t) throws Exception {
    t.refresh();
    List<String> out = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile f = task.file();
        out.add(f.location());
      }
    }
    return out;
  }

  private static List<String> objectKeys(String prefix) {
    List<String> keys = new ArrayList<>();
    for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents()) {
      keys.add(o.key());
    }
    return keys;
  }
}
