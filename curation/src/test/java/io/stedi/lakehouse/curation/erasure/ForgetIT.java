package io.stedi.lakehouse.curation.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.SparkTestBase;
import io.stedi.lakehouse.curation.cli.CurationCli;
import io.stedi.lakehouse.curation.jobs.CustomerKey;
import io.stedi.lakehouse.erasure.ErasureKey;
import io.stedi.lakehouse.erasure.ErasureReceiptTable;
import io.stedi.lakehouse.erasure.IdentityKind;
import io.stedi.lakehouse.load.BulkLoader;
import io.stedi.lakehouse.load.LoadProgress;
import io.stedi.lakehouse.load.LoadSummary;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.spark.SparkCatalog;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * bin/stedi forget as a new user would check it: load the bundled STEDI example files (plus a few lines that
 * put a customer's email and serial into quarantine and a differently-cased email into the readings), curate,
 * forget the customer, then search every byte of every file under the warehouse for their email, serial and
 * pseudonymous key, and recount every table.
 */
class ForgetIT extends SparkTestBase {
  private static final Path EXAMPLES = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
      .resolve("../examples/landing").normalize();
  private static final String SECRET = "forget-it-customer-key-secret";
  private static final String EMAIL = "Santosh.Spencer@test.com";
  private static final String SERIAL = "a6a3a450-6513-270e-269e-0d37f2a74de4";
  private static final String[] TABLES = {"customer_landing", "accelerometer_landing", "step_trainer_landing",
      "quarantine", "customer_trusted", "accelerometer_trusted", "customers_curated", "step_trainer_trusted",
      "machine_learning_curated"};

  private static final Map<String, Long> totalBefore = new LinkedHashMap<>();
  private static final Map<String, Long> matchingBefore = new LinkedHashMap<>();
  private static List<String> hitsBefore;
  private static long hiddenBefore;
  private static Cli forget;

  @BeforeAll
  static void loadCurateAndForget() throws Exception {
    Path extraAccel = tempDir.resolve("accel-extra.json");
    Files.writeString(extraAccel, String.join("\n",
        "{\"user\":\"santosh.spencer@TEST.com\",\"timeStamp\":1655564999000,\"x\":1,\"y\":2,\"z\":3}",
        "{\"user\":\"" + EMAIL + "\",\"timeStamp\":\"not a time\",\"x\":1,\"y\":2,\"z\":3}",
        "{\"user\":\"Frank.Doshi@test.com\",\"timeStamp\":1655564999001,\"x\":1,\"y\":2,\"z\":3}") + "\n");
    // quarantined payloads that hide the email from a substring search: a JSON escape, and a cut at
    // quarantine.max-payload-bytes (4096) that leaves only the email's first characters ("santosh.sp")
    String escaped = "{\"marker\":\"esc-1\",\"user\":\"Santosh.Spencer\\u0040test.com\",\"timeStamp\":\"x\"}";
    String head = "{\"marker\":\"cut-1\",\"note\":\"";
    String tail = "\",\"user\":\"";
    String filler = head + "n".repeat(4096 - 10 - head.length() - tail.length()) + tail;
    String cut = filler + EMAIL + "\"}"; // stored cut at 4096 characters: the email's first 10 are left
    Files.writeString(extraAccel, escaped + "\n" + cut + "\n", java.nio.file.StandardOpenOption.APPEND);
    Path extraStep = tempDir.resolve("step-extra.json");
    Files.writeString(extraStep, "{\"sensorReadingTime\":1655564999000,\"serialNumber\":\"" + SERIAL + "\" broken\n");
    Path extraCustomer = tempDir.resolve("customer-extra.json");
    Files.writeString(extraCustomer, Files.readAllLines(EXAMPLES.resolve("customer/customer-1.json")).stream()
        .filter(l -> l.contains(EMAIL)).map(l -> l.replace("\"lastUpdateDate\":1655564376361",
            "\"lastUpdateDate\":1655564376999")).findFirst().orElseThrow() + "\n");
    // full column bounds (not the default 16-character prefixes): the manifests then hold whole emails and serials,
    // so the search below also proves that no manifest keeps them
    LandingTables.ensureAll(catalog(), 128L << 20, 5);
    for (String t : new String[] {"customer_landing", "accelerometer_landing", "step_trainer_landing", "quarantine"}) {
      spark.sql("ALTER TABLE stedi." + t + " SET TBLPROPERTIES ('write.metadata.metrics.default' = 'full')");
    }
    BulkLoader loader = new BulkLoader(catalog(), config);
    loader.load(Zone.CUSTOMER, List.of(EXAMPLES.resolve("customer").toString()), LoadProgress.NONE);
    loader.load(Zone.CUSTOMER, List.of(extraCustomer.toString()), LoadProgress.NONE);
    loader.load(Zone.ACCELEROMETER, List.of(EXAMPLES.resolve("accelerometer").toString(), extraAccel.toString()),
        LoadProgress.NONE);
    loader.load(Zone.STEP_TRAINER, List.of(EXAMPLES.resolve("step_trainer").toString(), extraStep.toString()),
        LoadProgress.NONE);
    assertThat(cli("curate").code).isZero();
    for (String t : TABLES) {
      totalBefore.put(t, count(t, "true"));
      matchingBefore.put(t, count(t, santosh(t)));
    }
    hitsBefore = WarehouseScan.filesHolding(spark, warehouse(), needles(EMAIL, SERIAL));
    hiddenBefore = count("quarantine", "instr(payload, 'esc-1') > 0 OR instr(payload, 'cut-1') > 0");
    plantOrphans();
    // refs other than main keep their snapshots (and the customer's rows) alive through snapshot expiry
    Table customers = catalog().loadTable(org.apache.iceberg.catalog.TableIdentifier.of("stedi", "customer_landing"));
    customers.manageSnapshots().createTag("audit-2026-11", customers.currentSnapshot().snapshotId()).commit();
    Table accel = catalog().loadTable(org.apache.iceberg.catalog.TableIdentifier.of("stedi", "accelerometer_landing"));
    accel.manageSnapshots().createBranch("experiment", accel.currentSnapshot().snapshotId()).commit();
    long t0 = System.nanoTime();
    forget = cli("forget", EMAIL);
    System.err.printf("forget took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
  }

  @Test
  void theCustomerWasEverywhereBefore() {
    assertThat(matchingBefore).allSatisfy((table, n) -> assertThat(n).as(table).isPositive());
    assertThat(hitsBefore).anyMatch(h -> h.endsWith("parquet value")).anyMatch(h -> h.endsWith("avro record"));
  }

  /** Quarantine rows are matched on their decoded text, and a payload cut in the middle of the email counts too. */
  @Test
  void quarantinedPayloadsWithEscapesOrCutsAreMatched() {
    assertThat(forget.code).as(forget.err).isZero();
    assertThat(hiddenBefore).as("the escaped and the cut payload were quarantined").isEqualTo(2);
    assertThat(count("quarantine", "instr(payload, 'esc-1') > 0 OR instr(payload, 'cut-1') > 0")).isZero();
  }

  /**
   * A serial that two customers' records name (the STEDI data's fulfilment defect) is neither one's alone:
   * forgetting one customer removes their records but keeps the serial's readings; forgetting by that serial is
   * refused; once the last customer naming it is forgotten, its readings go too.
   */
  @Test
  void aSharedSerialsReadingsStayUntilItsLastCustomerIsForgotten() throws Exception {
    String shared = "shared-st-0001";
    Path customers = tempDir.resolve("shared-customers.json");
    Files.writeString(customers, String.join("\n",
        "{\"customerName\":\"Ann Share\",\"email\":\"Ann.Share@test.com\",\"serialNumber\":\"" + shared
            + "\",\"registrationDate\":1655564376361,\"lastUpdateDate\":1655564376361,"
            + "\"shareWithResearchAsOfDate\":1655564376361}",
        "{\"customerName\":\"Ben Share\",\"email\":\"Ben.Share@test.com\",\"serialNumber\":\"" + shared.toUpperCase()
            + "\",\"registrationDate\":1655564376361,\"lastUpdateDate\":1655564376361,"
            + "\"shareWithResearchAsOfDate\":1655564376361}") + "\n");
    Path steps = tempDir.resolve("shared-steps.json");
    Files.writeString(steps, "{\"sensorReadingTime\":1655564999100,\"serialNumber\":\"" + shared
        + "\",\"distanceFromObject\":40}\n{\"sensorReadingTime\":1655564999200,\"serialNumber\":\"" + shared
        + "\",\"distanceFromObject\":41}\n");
    BulkLoader loader = new BulkLoader(catalog(), config);
    loader.load(Zone.CUSTOMER, List.of(customers.toString()), LoadProgress.NONE);
    loader.load(Zone.STEP_TRAINER, List.of(steps.toString()), LoadProgress.NONE);
    String readings = "lower(serialNumber) = '" + shared + "'";
    assertThat(count("step_trainer_landing", readings)).isEqualTo(2);

    Cli bySerial = cli("forget", "--serial", shared);
    assertThat(bySerial.code).as("refused").isNotZero();
    assertThat(bySerial.err).contains("shared serial");
    assertThat(count("step_trainer_landing", readings)).isEqualTo(2);

    Cli ann = cli("forget", "Ann.Share@test.com");
    assertThat(ann.code).as(ann.err).isZero();
    assertThat(count("customer_landing", "lower(email) = 'ann.share@test.com'")).isZero();
    assertThat(count("customer_landing", "lower(email) = 'ben.share@test.com'")).isEqualTo(1);
    assertThat(count("step_trainer_landing", readings)).as("Ben's readings too").isEqualTo(2);

    Cli ben = cli("forget", "Ben.Share@test.com");
    assertThat(ben.code).as(ben.err).isZero();
    assertThat(count("step_trainer_landing", readings)).as("now nobody else names the serial").isZero();
  }

  /**
   * A data file a live writer (a running load, a gateway retrying its commit) has written but not committed yet is
   * unreferenced like an orphan; forget never deletes such a file while it is younger than the maintenance minimum
   * age, so the writer's commit cannot break. The receipt stays pending (gateways keep refusing the identity) until a
   * later forget finds the file old enough, or committed and then erased.
   */
  @Test
  void aFileALiveWriterMayStillCommitIsLeftAndTheReceiptStaysPending() throws Exception {
    Path record = tempDir.resolve("zed.json");
    Files.writeString(record, "{\"customerName\":\"Zed Live\",\"email\":\"Zed.Live@test.com\",\"serialNumber\":"
        + "\"zed-st-1\",\"registrationDate\":1655564376361,\"lastUpdateDate\":1655564376361}\n");
    new BulkLoader(catalog(), config).load(Zone.CUSTOMER, List.of(record.toString()), LoadProgress.NONE);
    Table customers = catalog().loadTable(org.apache.iceberg.catalog.TableIdentifier.of("stedi", "customer_landing"));
    String committed = customers.currentSnapshot().addedDataFiles(customers.io()).iterator().next().location();
    // the same rows in a file no snapshot references yet, written a moment ago
    Path committedFile = committed.startsWith("file:") ? Path.of(java.net.URI.create(committed)) : Path.of(committed);
    Path uncommitted = Files.copy(committedFile, committedFile.resolveSibling("00100-load-in-progress.parquet"));

    Cli first = cli("forget", "Zed.Live@test.com");
    assertThat(first.code).as("not complete").isNotZero();
    assertThat(first.err).contains("younger than").contains("pending");
    assertThat(uncommitted).as("left for its writer").exists();
    String hash = key().hash(IdentityKind.EMAIL, "Zed.Live@test.com");
    assertThat(sql("SELECT status FROM stedi.erasure_receipts WHERE identity_hash = ?", hash))
        .extracting(r -> r.getString(0)).containsExactly("pending");
    assertThat(count("customer_landing", "lower(email) = 'zed.live@test.com'")).as("the committed rows are gone").isZero();

    // an hour later nobody can still commit it: the next forget deletes it and completes the same receipt
    Files.setLastModifiedTime(uncommitted, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(7200)));
    Cli again = cli("forget", "Zed.Live@test.com");
    assertThat(again.code).as(again.err).isZero();
    assertThat(uncommitted).doesNotExist();
    assertThat(sql("SELECT status FROM stedi.erasure_receipts WHERE identity_hash = ?", hash))
        .extracting(r -> r.getString(0)).containsExactly("complete");
  }

  @Test
  void noFileUnderTheWarehouseHoldsTheEmailSerialOrKey() {
    assertThat(forget.code).as(forget.err).isZero();
    assertThat(WarehouseScan.filesHolding(spark, warehouse(), needles(EMAIL, SERIAL))).isEmpty();
  }

  @Test
  void loadingAnOldExportDoesNotBringTheCustomerBack() throws Exception {
    assertThat(forget.code).as(forget.err).isZero();
    Path export = tempDir.resolve("old-export-accel.json");
    // the same readings an export of before the erasure would hold (new bytes, so not skipped as already loaded)
    Files.writeString(export, "{\"user\":\"" + EMAIL + "\",\"timeStamp\":1655564999123,\"x\":1,\"y\":2,\"z\":3}\n"
        + "{\"user\":\"" + EMAIL.toUpperCase() + "\",\"timeStamp\":1655564999124,\"x\":1,\"y\":2,\"z\":3}\n");
    LoadSummary s = new BulkLoader(catalog(), config).load(Zone.ACCELEROMETER, List.of(export.toString()),
        LoadProgress.NONE);
    assertThat(s.rowsLoaded()).isZero();
    assertThat(s.rejectedByReason()).containsEntry("forbidden", 2L);
    assertThat(count("accelerometer_landing", santosh("accelerometer_landing"))).isZero();
    assertThat(count("quarantine", santosh("quarantine"))).as("not quarantined either").isZero();
  }

  @Test
  void tagsAndBranchesThatKeptTheCustomerAreGone() {
    for (String t : new String[] {"customer_landing", "accelerometer_landing"}) {
      Table table = catalog().loadTable(org.apache.iceberg.catalog.TableIdentifier.of("stedi", t));
      assertThat(table.refs().keySet()).as(t).containsExactly("main");
    }
  }

  @Test
  void onlyThatCustomersRowsAreGone() {
    for (String t : TABLES) {
      assertThat(count(t, santosh(t))).as(t).isZero();
      assertThat(count(t, "true")).as(t).isEqualTo(totalBefore.get(t) - matchingBefore.get(t));
    }
  }

  @Test
  void theReceiptSaysWhatWasDoneAndHoldsNoIdentity() {
    assertThat(forget.out).contains("erasure receipt").contains("status            complete")
        .doesNotContainIgnoringCase(EMAIL).doesNotContain(SERIAL);
    List<Row> rows = sql("SELECT receipt_id, status, identity_kind, identity_hash, rows_removed, files_rewritten,"
        + " files_deleted, snapshots_expired, completed_at FROM stedi.erasure_receipts WHERE identity_hash = ?",
        key().hash(IdentityKind.EMAIL, EMAIL));
    assertThat(rows).hasSize(1);
    Row r = rows.get(0);
    assertThat(r.getString(1)).isEqualTo("complete");
    assertThat(r.getString(2)).isEqualTo("email");
    assertThat(r.getString(3)).isEqualTo(key().hash(IdentityKind.EMAIL, EMAIL));
    Map<String, Long> removed = new LinkedHashMap<>(scala.collection.JavaConverters.mapAsJavaMap(r.<String, Long>getMap(4)));
    assertThat(removed).isEqualTo(matchingBefore);
    assertThat(r.getLong(5)).isPositive();
    assertThat(r.getLong(6)).isGreaterThanOrEqualTo(r.getLong(5));
    assertThat(r.getLong(7)).isPositive();
    assertThat(r.isNullAt(8)).isFalse();
    String json = spark.sql("SELECT to_json(struct(*)) FROM stedi.erasure_receipts").first().getString(0).toLowerCase();
    assertThat(needles(EMAIL, SERIAL)).allSatisfy(n -> assertThat(json).doesNotContain(n.toLowerCase()));
  }

  @Test
  void anUnknownEmailIsNothingFoundAndExitsZero() {
    long receipts = count("erasure_receipts", "true");
    Cli r = cli("forget", "nobody@nowhere.example");
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).startsWith("nothing found");
    assertThat(count("erasure_receipts", "true")).isEqualTo(receipts);
  }

  @Test
  void forgettingTwiceSaysItIsAlreadyDone() {
    Cli r = cli("forget", EMAIL.toLowerCase());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).startsWith("nothing found").contains("already forgotten");
  }

  /** A forget killed after its pending receipt and some deletes: running it again finishes the same receipt. */
  @Test
  void anInterruptedForgetCompletesWhenRunAgain() {
    String email = "Sarah.Clayton@test.com";
    String serial = "099950d8-36f6-75cc-81e7-4ef5e8e25d94";
    ErasureKey key = key();
    String id = UUID.randomUUID().toString();
    ErasureReceiptTable.appendPending(receiptTable(), new ErasureReceiptTable.PendingReceipt(id, Instant.now(),
        IdentityKind.EMAIL, key.hash(IdentityKind.EMAIL, email),
        Set.of(key.hash(IdentityKind.EMAIL, email)),
        Set.of(key.hash(IdentityKind.SERIAL, serial))));
    // what the interrupted run had done: the derived tables' rows deleted, nothing purged yet
    spark.sql("DELETE FROM stedi.customer_trusted WHERE lower(email) = lower('" + email + "')");
    spark.sql("DELETE FROM stedi.step_trainer_trusted WHERE serialNumber = '" + serial + "'");

    Cli r = cli("forget", email);
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).contains("erasure receipt " + id).contains("status            complete");
    assertThat(sql("SELECT status FROM stedi.erasure_receipts WHERE receipt_id = ?", id)).containsExactly(row("complete"));
    assertThat(WarehouseScan.filesHolding(spark, warehouse(), needles(email, serial))).isEmpty();
    assertThat(count("customer_landing", "lower(email) = lower('" + email + "')")).isZero();
  }

  @Test
  void forgetBySerialRemovesItsReadingsAndItsOwners() throws Exception {
    String owner = "Chris.Clayton@test.com";
    String serial = "8e81973e-0bec-d7b0-3898-d190f9ebdacc";
    long steps = count("step_trainer_landing", "serialNumber = '" + serial + "'");
    Cli r = cli("forget", "--serial", serial.toUpperCase(), "--json");
    assertThat(r.code).as(r.err).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out);
    assertThat(j.get("found").asBoolean()).isTrue();
    assertThat(j.at("/receipt/identity_kind").asText()).isEqualTo("serial");
    assertThat(j.at("/receipt/rows_removed/step_trainer_landing").asLong()).isEqualTo(steps).isPositive();
    assertThat(j.at("/receipt/rows_removed/customer_landing").asLong()).isEqualTo(1);
    assertThat(WarehouseScan.filesHolding(spark, warehouse(), needles(owner, serial))).isEmpty();
    // other customers stay
    assertThat(count("customer_landing", "email = 'Frank.Doshi@test.com'")).isEqualTo(1);
  }

  /**
   * Files no snapshot references that still hold the customer, as a failed commit or an interrupted erasure
   * leaves them: a copy of a data file, of a manifest (full column bounds) and an old metadata.json. Two hours old,
   * so that no live writer can still be about to commit them.
   */
  private static void plantOrphans() throws Exception {
    Path table = warehouse().resolve("stedi/customer_landing");
    Path data = local(hitsBefore.stream().filter(h -> h.contains("/customer_landing/data/") && h.endsWith("parquet value"))
        .findFirst().orElseThrow());
    Path manifest = local(hitsBefore.stream().filter(h -> h.contains("/customer_landing/metadata/")
        && h.endsWith("avro record")).findFirst().orElseThrow());
    List<Path> planted = List.of(
        Files.copy(data, data.resolveSibling("00099-orphan-of-a-failed-commit.parquet")),
        Files.copy(manifest, table.resolve("metadata/orphan-of-a-failed-commit-m0.avro")),
        Files.writeString(table.resolve("metadata/00000-0a1b2c3d-old.metadata.json"),
            "{\"format-version\":2,\"note\":\"" + EMAIL + "\"}"));
    for (Path p : planted) {
      Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(7200)));
    }
  }

  private static Path local(String hit) {
    String f = hit.substring(0, hit.lastIndexOf(": "));
    return f.startsWith("file:") ? Path.of(java.net.URI.create(f)) : Path.of(f);
  }

  /** The condition selecting Santosh's rows in a table, written independently of the code under test. */
  private static String santosh(String table) {
    String e = "lower(" + (table.startsWith("accelerometer") ? "user" : "email") + ") = '" + EMAIL.toLowerCase() + "'";
    switch (table) {
      case "step_trainer_landing":
      case "step_trainer_trusted":
        return "serialNumber = '" + SERIAL + "'";
      case "machine_learning_curated":
        return "deviceKey = '" + CustomerKey.device(SECRET, SERIAL) + "' OR customerKey = '" + CustomerKey.of(SECRET, EMAIL)
            + "'";
      case "quarantine":
        return "lower(concat_ws('|', origin, message, payload)) LIKE '%" + EMAIL.toLowerCase() + "%'"
            + " OR concat_ws('|', origin, message, payload) LIKE '%" + SERIAL + "%'"
            + " OR instr(payload, 'esc-1') > 0 OR instr(payload, 'cut-1') > 0"; // hers, though no substring says so
      default:
        return e;
    }
  }

  private static List<String> needles(String email, String serial) {
    List<String> n = new ArrayList<>(List.of(email, email.toLowerCase(), serial, serial.toLowerCase()));
    n.add(CustomerKey.of(SECRET, email));
    n.add(CustomerKey.device(SECRET, serial));
    n.add(CustomerKey.of(SECRET, email.toLowerCase()));
    return n;
  }

  private static long count(String table, String where) {
    return spark.sql("SELECT count(*) FROM stedi." + table + " WHERE " + where).first().getLong(0);
  }

  private static Path warehouse() {
    return config.localWarehouse().orElseThrow();
  }

  private static Catalog catalog() {
    return ((SparkCatalog) spark.sessionState().catalogManager().catalog(config.get(LakehouseConfig.CATALOG_NAME)))
        .icebergCatalog();
  }

  private static Table receiptTable() {
    Table t = catalog().loadTable(ErasureReceiptTable.id());
    t.refresh();
    return t;
  }

  private static ErasureKey key() {
    return ErasureKey.resolve(config, catalog());
  }

  private record Cli(int code, String out, String err) {}

  /** Runs a curation command as bin/stedi would, on this class's session. */
  private static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = CurationCli.commandLine((c, m) -> spark);
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--home", home().toString(), "-c", "curation.customer-key-secret=" + SECRET));
    if ("forget".equals(args[0])) {
      all.addAll(List.of("--gateway-wait", "0s"));
    }
    int code = cl.execute(all.toArray(String[]::new));
    return new Cli(code, out.toString(), err.toString());
  }
}
