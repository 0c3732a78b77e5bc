package io.stedi.lakehouse.sim.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.erasure.FileScanner;
import io.stedi.lakehouse.sim.model.AccelReading;
import io.stedi.lakehouse.sim.model.CustomerRecord;
import io.stedi.lakehouse.table.LandingTables;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.FileIO;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code forget} reaches every copy, every part a real process: Carol (a paired Step Trainer over MQTT with Debian's
 * mosquitto_pub, her app over HTTP with an email-bound token and Idempotency-Keys) and Dave send data, curation
 * builds every table, and {@code bin/stedi forget} runs next to the live gateway. Afterwards no file anywhere under
 * STEDI_HOME (tables, metadata, the write-ahead log, credentials, idempotency records, the gateway's and the jobs'
 * logs) holds her email, name, phone or serial: neither in its raw bytes nor in a decoded Parquet or Avro value.
 * Dave keeps his rows, his device and his token.
 */
class ForgetEverywhereIT {
  private static final String CAROL = "Carol.Crane@test.com";
  private static final String CAROL_SERIAL = "carol-st-0001";
  private static final String CAROL_NAME = "Carol Crane";
  private static final String CAROL_PHONE = "555-7777";
  private static final String DAVE = "Dave.Dune@test.com";
  private static final String DAVE_SERIAL = "dave-st-0001";
  private static final long T0 = 1_655_564_444_103L;

  @TempDir
  Path tmp;
  private Path home;
  private StediProcesses cli;
  private StediProcesses services;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void processes() throws Exception {
    home = tmp.resolve("home");
    Files.createDirectories(tmp.resolve("cli"));
    Files.createDirectories(home.resolve("logs"));
    // what an operator types (and sees) stays outside; what services log goes where a deployment keeps its logs
    cli = new StediProcesses(tmp.resolve("cli"), Map.of());
    services = new StediProcesses(home.resolve("logs"), Map.of());
  }

  @AfterEach
  void stop() throws InterruptedException {
    services.close();
    cli.close();
  }

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void noFileUnderStediHomeHoldsTheForgottenCustomer() throws Exception {
    for (String m : List.of("gateway", "curation", "device-sim")) {
      Path jar = Path.of("..", m, "target", "stedi-" + m + ".jar");
      assumeTrue(Files.isRegularFile(jar) && Files.isDirectory(jar.resolveSibling("lib")), m + " is not built");
    }
    assumeTrue(Files.isExecutable(Traffic.PUB), "mosquitto-clients is not installed");
    Path cliDir = tmp.resolve("cli");
    String carolSecret = cli.secret("add-carol", "devices", "add", CAROL_SERIAL, "--owner", CAROL, "--home",
        home.toString());
    String daveSecret = cli.secret("add-dave", "devices", "add", DAVE_SERIAL, "--owner", DAVE, "--home", home.toString());
    String carolToken = cli.secret("token-carol", "tokens", "create", "carol-app", "--email", CAROL, "--home", home.toString());
    String daveToken = cli.secret("token-dave", "tokens", "create", "dave-app", "--email", DAVE, "--home", home.toString());

    int[] ports = services.startGateway(home, "gateway");
    Process gateway = services.last();
    String base = "http://127.0.0.1:" + ports[1];
    for (Object[] c : new Object[][] {{carolToken, CAROL, CAROL_NAME, CAROL_PHONE, CAROL_SERIAL},
        {daveToken, DAVE, "Dave Dune", "555-8888", DAVE_SERIAL}}) {
      CustomerRecord rec = new CustomerRecord((String) c[2], (String) c[1], (String) c[3], "1990-02-03", (String) c[4],
          T0 - 86_400_000L, T0, T0 - 86_400_000L, null, null, false);
      assertThat(Traffic.post(http, base, "/v1/customers", (String) c[0], rec.toJson(), "reg-1").statusCode())
          .isEqualTo(202);
      StringJoiner batch = new StringJoiner(",", "[", "]");
      for (int i = 0; i < 20; i++) {
        batch.add(new AccelReading((String) c[1], T0 + i * 100L, 0.5, -0.25, 9.75, false).toJson());
      }
      assertThat(Traffic.post(http, base, "/v1/accelerometer", (String) c[0], batch.toString(), "acc-1").statusCode())
          .isEqualTo(202);
    }
    assertThat(Traffic.publish(cliDir, ports[0], CAROL_SERIAL, carolSecret, T0, 5)).as("Carol's Step Trainer").isZero();
    assertThat(Traffic.publish(cliDir, ports[0], DAVE_SERIAL, daveSecret, T0, 5)).as("Dave's Step Trainer").isZero();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> LakehouseReader.rows(home,
        TableIdentifier.of(LandingTables.NAMESPACE, "step_trainer_landing"), Expressions.alwaysTrue(),
        List.of("serialNumber")).size() == 10);
    services.run("curate", "curate", "--home", home.toString());

    services.run("forget", "forget", CAROL, "--home", home.toString());
    assertThat(Files.readString(home.resolve("logs/forget.out"))).contains("complete");
    // the gateway confirmed its scrub before forget completed; it stops cleanly with everything committed
    StediProcesses.stop(gateway);

    List<String> needles = List.of(CAROL, CAROL_SERIAL, CAROL_NAME, CAROL_PHONE);
    List<String> holding = filesHolding(needles);
    assertThat(holding).as("files under STEDI_HOME holding Carol's email, name, phone or serial").isEmpty();
    // the search would have found her: Dave's identity is everywhere it was
    assertThat(filesHolding(List.of(DAVE_SERIAL))).as("files holding Dave's serial").isNotEmpty();
    assertThat(LakehouseReader.rows(home, TableIdentifier.of(LandingTables.NAMESPACE, "customer_landing"),
        Expressions.alwaysTrue(), List.of("email"))).extracting(r -> r.getField("email")).containsExactly(DAVE);

    // Dave's device and token still work; Carol's device record and token are gone
    int[] again = services.startGateway(home, "gateway-2");
    assertThat(Traffic.publish(cliDir, again[0], DAVE_SERIAL, daveSecret, T0, 1)).isZero();
    assertThat(Traffic.publish(cliDir, again[0], CAROL_SERIAL, carolSecret, T0, 1)).as("Carol's device").isNotZero();
    assertThat(Traffic.post(http, "http://127.0.0.1:" + again[1], "/v1/accelerometer", carolToken, "[]", null).statusCode())
        .isEqualTo(401);
  }

  /** Every file under STEDI_HOME holding a needle, in its raw bytes or (Parquet, Avro) in a decoded value. */
  private List<String> filesHolding(List<String> needles) throws Exception {
    Pattern table = Pattern.compile("/warehouse/stedi/([a-z_]+)/");
    Catalog catalog = Catalogs.open(LakehouseConfig.embedded(home));
    try {
      FileIO io = catalog.loadTable(TableIdentifier.of(LandingTables.NAMESPACE, "customer_landing")).io();
      FileScanner scanner = new FileScanner(io, (file, schema) -> org.apache.iceberg.parquet.Parquet.read(file)
          .project(schema).createReaderFunc(fileSchema -> org.apache.iceberg.data.parquet.GenericParquetReaders
              .buildReader(schema, fileSchema)).build(), needles);
      List<String> found = new ArrayList<>();
      try (Stream<Path> files = Files.walk(home)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          Matcher m = table.matcher(f.toString());
          Schema schema = null;
          if (f.toString().endsWith(".parquet")) {
            assertThat(m.find()).as("a data file outside a table: %s", f).isTrue();
            schema = catalog.loadTable(TableIdentifier.of(LandingTables.NAMESPACE, m.group(1))).schema();
          }
          if (scanner.contains(f.toString(), schema)) {
            found.add(home.relativize(f).toString());
          }
        }
      }
      return found;
    } finally {
      CliSupport.closeQuietly(catalog);
    }
  }
}
