package io.stedi.lakehouse.curation.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.SparkTestBase;
import io.stedi.lakehouse.curation.config.CurationConfig;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every rule of the trusted and curated zones, on small hand-made data whose expected rows are written out.
 *
 * <p>Customers: alice (serial S-A, consent 1000), bob (S-B, never consented), carol (S-C, consented, no phone
 * readings), dave (S-D, consented, then withdrew in a newer record), erin (S-A too: the fulfilment defect,
 * consent 3000), frank (S-F, consent 1000). zed has readings but no customer record.
 */
class CurationSemanticsTest extends SparkTestBase {
  private static final String SECRET = "test-secret-of-at-least-16";

  @BeforeEach
  void landing() {
    LandingRows.reset(spark, config);
    rows = new LandingRows(spark);
    customer("alice@x.com", "S-A", 100, 1000L);
    customer("bob@x.com", "S-B", 100, null);
    customer("carol@x.com", "S-C", 100, 1000L);
    customer("dave@x.com", "S-D", 100, 1000L);
    customer("dave@x.com", "S-D", 200, null); // newer record: consent withdrawn
    customer("erin@x.com", "S-A", 100, 3000L);
    customer("frank@x.com", "S-F", 100, 1000L);
    accel("alice@x.com", 500, 1);
    accel("alice@x.com", 2000, 1);
    accel("alice@x.com", 2000, 1); // exact duplicate delivery
    accel("alice@x.com", 2000, 2); // same time, other x: a distinct reading
    accel("alice@x.com", 4000, 1);
    accel("bob@x.com", 2000, 1);
    accel("dave@x.com", 2000, 1);
    accel("erin@x.com", 4000, 9); // collides with alice at 4000
    accel("erin@x.com", 2500, 1);
    accel("frank@x.com", 2000, 7); // collides with alice's step reading at 2000
    accel("zed@x.com", 2000, 1);
    step("S-A", 500);
    step("S-A", 2000);
    step("S-A", 2000); // exact duplicate
    step("S-A", 2500);
    step("S-A", 4000);
    step("S-B", 2000);
    step("S-C", 2000);
    step("S-D", 2000);
    step("S-F", 9000);
    flushInserts();
  }

  private static LandingRows rows;

  private static void flushInserts() {
    rows.flush();
  }

  private static void customer(String email, String serial, long lastUpdate, Long consent) {
    rows.customer(email, serial, lastUpdate, consent);
  }

  private static void accel(String user, long t, double x) {
    rows.accel(user, t, x);
  }

  private static void step(String serial, long t) {
    rows.step(serial, t);
  }

  private static RunReport curate(String consent, String mlJoin) {
    RunReport r = curate(consent, mlJoin, "true");
    assertThat(r.status()).as("run error: %s", r.error()).isEqualTo("ok");
    return r;
  }

  private static RunReport curate(String consent, String mlJoin, String incremental) {
    CurationConfig c = CurationConfig.embedded(config.home(), Map.of("curation.consent", consent, "curation.ml-join", mlJoin,
        "curation.customer-key-secret", SECRET, "curation.incremental", incremental));
    RunReport r = new CurationRunner(spark, c).run();
    assertThat(r.error()).isNull();
    return r;
  }

  private static String key(String email) {
    return CustomerKey.of(SECRET, email);
  }

  private static String device(String serial) {
    return CustomerKey.device(SECRET, serial);
  }

  @Test
  void customerTrustedTakesTheLatestVersionWithConsent() {
    curate("flag", "owner");
    assertThat(sql("SELECT email, serialNumber, shareWithResearchAsOfDate FROM stedi.customer_trusted"))
        .containsExactlyInAnyOrder(row("alice@x.com", "S-A", 1000L), row("carol@x.com", "S-C", 1000L),
            row("erin@x.com", "S-A", 3000L), row("frank@x.com", "S-F", 1000L));
  }

  @Test
  void flagModeKeepsEveryDistinctReadingOfConsentingCustomers() {
    RunReport r = curate("flag", "owner");
    assertThat(sql("SELECT user, timestamp, x FROM stedi.accelerometer_trusted")).containsExactlyInAnyOrder(
        row("alice@x.com", 500L, 1.0), row("alice@x.com", 2000L, 1.0), row("alice@x.com", 2000L, 2.0),
        row("alice@x.com", 4000L, 1.0), row("erin@x.com", 4000L, 9.0), row("erin@x.com", 2500L, 1.0),
        row("frank@x.com", 2000L, 7.0));
    assertThat(sql("SELECT email FROM stedi.customers_curated"))
        .containsExactlyInAnyOrder(row("alice@x.com"), row("erin@x.com"), row("frank@x.com"));
    assertThat(sql("SELECT serialNumber, sensorReadingTime FROM stedi.step_trainer_trusted")).containsExactlyInAnyOrder(
        row("S-A", 500L), row("S-A", 2000L), row("S-A", 2500L), row("S-A", 4000L), row("S-F", 9000L));
    assertThat(r.rowsDropped()).containsEntry("customer_trusted.no_consent", 2L)
        .containsEntry("accelerometer_trusted.unknown_customer", 3L)
        .containsEntry("accelerometer_trusted.before_consent", 0L)
        .containsEntry("customers_curated.no_matching_reading", 1L)
        .containsEntry("step_trainer_trusted.unknown_customer", 3L)
        .containsEntry("machine_learning_curated.no_matching_reading", 1L);
  }

  @Test
  void ownerJoinPairsOnlyTheSameCustomersReadings() {
    curate("flag", "owner");
    assertThat(sql("SELECT deviceKey, sensorReadingTime, x, customerKey FROM stedi.machine_learning_curated"))
        .containsExactlyInAnyOrder(
            row(device("S-A"), 500L, 1.0, key("alice@x.com")),
            row(device("S-A"), 2000L, 1.0, key("alice@x.com")),
            row(device("S-A"), 2000L, 2.0, key("alice@x.com")),
            row(device("S-A"), 2500L, 1.0, key("erin@x.com")),
            row(device("S-A"), 4000L, 1.0, key("alice@x.com")),
            row(device("S-A"), 4000L, 9.0, key("erin@x.com")));
  }

  @Test
  void timestampJoinReproducesTheOldGlueCollision() {
    curate("flag", "timestamp");
    assertThat(sql("SELECT deviceKey, sensorReadingTime, x, customerKey FROM stedi.machine_learning_curated"))
        .hasSize(7).contains(row(device("S-A"), 2000L, 7.0, key("frank@x.com"))); // frank's phone on alice's Step Trainer
  }

  @Test
  void windowModeDropsReadingsBeforeConsent() {
    RunReport r = curate("window", "owner");
    assertThat(sql("SELECT user, timestamp, x FROM stedi.accelerometer_trusted")).containsExactlyInAnyOrder(
        row("alice@x.com", 2000L, 1.0), row("alice@x.com", 2000L, 2.0), row("alice@x.com", 4000L, 1.0),
        row("erin@x.com", 4000L, 9.0), row("frank@x.com", 2000L, 7.0));
    assertThat(sql("SELECT serialNumber, sensorReadingTime FROM stedi.step_trainer_trusted")).containsExactlyInAnyOrder(
        row("S-A", 2000L), row("S-A", 2500L), row("S-A", 4000L), row("S-F", 9000L));
    assertThat(sql("SELECT sensorReadingTime, x, customerKey FROM stedi.machine_learning_curated"))
        .containsExactlyInAnyOrder(row(2000L, 1.0, key("alice@x.com")), row(2000L, 2.0, key("alice@x.com")),
            row(4000L, 1.0, key("alice@x.com")), row(4000L, 9.0, key("erin@x.com")));
    assertThat(r.rowsDropped()).containsEntry("accelerometer_trusted.before_consent", 2L)
        .containsEntry("step_trainer_trusted.before_consent", 1L);
  }

  @Test
  void withdrawalRemovesTheCustomerEverywhereAtTheNextRun() {
    curate("flag", "owner");
    customer("frank@x.com", "S-F", 300, null);
    flushInserts();
    curate("flag", "owner");
    for (String t : List.of("customer_trusted", "customers_curated")) {
      assertThat(sql("SELECT count(*) FROM stedi." + t + " WHERE email = 'frank@x.com'")).containsExactly(row(0L));
    }
    assertThat(sql("SELECT count(*) FROM stedi.accelerometer_trusted WHERE user = 'frank@x.com'")).containsExactly(row(0L));
    assertThat(sql("SELECT count(*) FROM stedi.step_trainer_trusted WHERE serialNumber = 'S-F'")).containsExactly(row(0L));
    assertThat(sql("SELECT count(*) FROM stedi.machine_learning_curated WHERE customerKey = ?", key("frank@x.com")))
        .containsExactly(row(0L));
  }

  @Test
  void incrementalRunOnNewReadingsEqualsAFullRebuild() {
    for (String mode : List.of("flag", "window")) {
      curate(mode, "owner");
      accel("alice@x.com", 6000, 3);
      accel("alice@x.com", 2000, 1); // an exact duplicate of a reading already curated
      accel("carol@x.com", 6000, 5); // carol's first reading: she becomes curated, her old step reading too
      accel("erin@x.com", 2600, 1);  // before erin's consent
      step("S-A", 6000);
      step("S-A", 2600);
      flushInserts();
      RunReport inc = curate(mode, "owner", "true");
      assertThat(inc.status()).isEqualTo("incremental");
      java.util.Map<String, List<Row>> incremental = tables();
      spark.sql("DROP TABLE stedi.curation_runs"); // forget the history: the next run rebuilds everything
      RunReport full = curate(mode, "owner", "false");
      assertThat(full.status()).isEqualTo("ok");
      assertThat(incremental).as(mode).isEqualTo(tables());
      assertThat(sql("SELECT email FROM stedi.customers_curated WHERE email = 'carol@x.com'")).hasSize(1);
      landing();
    }
  }

  /**
   * An incremental run checks the rows it added; a table that got none is not checked (Deequ fails every check of
   * an empty relation, which reported errors, and failed --strict-quality, for a run with only unknown readings).
   */
  @Test
  void anIncrementalRunChecksOnlyTheTablesThatGotRows() {
    curate("flag", "owner");
    accel("zed@x.com", 7000, 1); // no customer record
    step("S-Z", 7000); // nobody's serial
    flushInserts();
    RunReport unknown = curate("flag", "owner", "true");
    assertThat(unknown.status()).isEqualTo("incremental");
    assertThat(unknown.qualityErrors()).as("%s", unknown.quality()).isFalse();
    assertThat(unknown.quality()).extracting(RunReport.QualityResult::table).containsOnly("customer_trusted");

    accel("alice@x.com", 7000, 3);
    step("S-A", 7000);
    flushInserts();
    RunReport paired = curate("flag", "owner", "true");
    assertThat(paired.status()).isEqualTo("incremental");
    assertThat(paired.qualityErrors()).isFalse();
    assertThat(paired.quality()).extracting(RunReport.QualityResult::table).contains("customer_trusted",
        "accelerometer_trusted", "step_trainer_trusted", "machine_learning_curated");
  }

  private static java.util.Map<String, List<Row>> tables() {
    java.util.Map<String, List<Row>> m = new java.util.TreeMap<>();
    for (CurationJob job : CurationJob.values()) {
      List<Row> rows = new java.util.ArrayList<>(sql("SELECT * FROM stedi." + job.table()));
      rows.sort(java.util.Comparator.comparing(Row::toString));
      m.put(job.table(), rows);
    }
    return m;
  }

  @Test
  void machineLearningTableHoldsNoPii() {
    curate("flag", "owner");
    List<String> columns = List.of(spark.table("stedi.machine_learning_curated").columns());
    assertThat(columns).containsExactly("sensorReadingTime", "deviceKey", "distanceFromObject", "x", "y", "z",
        "customerKey");
    for (Row r : sql("SELECT * FROM stedi.machine_learning_curated")) {
      // no serial either: customers_curated maps a serial back to its customer's email
      assertThat(r.toString()).doesNotContain("@x.com").doesNotContain("555").doesNotContain("1990-01-01")
          .doesNotContain("S-A").doesNotContain("S-F");
    }
  }

  /**
   * Nothing new: {@code bin/stedi curate} answers from the catalog's snapshot ids without starting Spark (a
   * SparkSession costs seconds), records the no_change run, and starts Spark as soon as a landing table changed.
   */
  @Test
  void aRunWithNoNewDataIsAnsweredWithoutASparkSession() {
    customer("a@x.com", "S-A", 100L, 50L);
    accel("a@x.com", 1000L, 1.0);
    flushInserts();
    curate("flag", "owner");
    java.util.concurrent.atomic.AtomicInteger opened = new java.util.concurrent.atomic.AtomicInteger();
    var cli = io.stedi.lakehouse.curation.cli.CurationCli.commandLine((c, m) -> {
      opened.incrementAndGet();
      return spark;
    });
    java.io.StringWriter out = new java.io.StringWriter();
    cli.setOut(new java.io.PrintWriter(out));
    String[] args = {"curate", "--home", config.home().toString(), "-c", "curation.customer-key-secret=" + SECRET};
    assertThat(cli.execute(args)).isZero();
    assertThat(out.toString()).contains(": no_change in");
    assertThat(opened).as("no SparkSession for a run with nothing new").hasValue(0);
    spark.sql("REFRESH TABLE stedi.curation_runs"); // written by the catalog directly, not through this session
    assertThat(sql("SELECT status FROM stedi.curation_runs ORDER BY started_at"))
        .containsExactly(row("ok"), row("no_change"));

    accel("a@x.com", 2000L, 2.0);
    flushInserts();
    assertThat(cli.execute(args)).isZero();
    assertThat(opened).as("something new: Spark runs the jobs").hasValue(1);
    spark.sql("REFRESH TABLE stedi.curation_runs");
    assertThat(sql("SELECT status FROM stedi.curation_runs ORDER BY started_at"))
        .containsExactly(row("ok"), row("no_change"), row("incremental"));
  }

  /**
   * The preflight sizes a run's work from the snapshot summaries: every landing row for a full run, the appended
   * readings for an incremental one.
   */
  @Test
  void thePreflightCountsTheRowsARunReads() {
    CurationConfig c = CurationConfig.embedded(config.home(), Map.of("curation.customer-key-secret", SECRET));
    org.apache.iceberg.catalog.Catalog catalog = CurationRunner.icebergCatalog(spark, c.lakehouse());
    long all = 7 + 11 + 9; // the customer, phone and Step Trainer rows of landing()
    assertThat(NoChangeCheck.preflight(catalog, c)).isEqualTo(new NoChangeCheck.Preflight(null, all));
    curate("flag", "owner");
    assertThat(NoChangeCheck.preflight(catalog, c).noChange()).isNotNull();
    accel("alice@x.com", 6000, 3);
    accel("alice@x.com", 6001, 3);
    step("S-A", 6000);
    flushInserts();
    assertThat(NoChangeCheck.preflight(catalog, c)).as("incremental: the new readings")
        .isEqualTo(new NoChangeCheck.Preflight(null, 3));
    customer("gina@x.com", "S-G", 100, 1000L);
    flushInserts();
    assertThat(NoChangeCheck.preflight(catalog, c)).as("a customer changed: a full run")
        .isEqualTo(new NoChangeCheck.Preflight(null, all + 3 + 1));
  }

  /**
   * bin/stedi starts a one-off curate with the quick JIT compiler only; a run reading more rows than
   * curation.quick-jit-max-rows exits 75, before Spark and without recording anything, so that the launcher runs
   * it again with the optimising compiler. Without the launcher's property the limit does not apply.
   */
  @Test
  void aLargeRunUnderTheQuickJitAsksForTheOptimisingCompiler() {
    java.util.concurrent.atomic.AtomicInteger opened = new java.util.concurrent.atomic.AtomicInteger();
    var cli = io.stedi.lakehouse.curation.cli.CurationCli.commandLine((cfg, m) -> {
      opened.incrementAndGet();
      return spark;
    });
    cli.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
    String[] args = {"curate", "--home", config.home().toString(), "-c", "curation.customer-key-secret=" + SECRET,
        "-c", "curation.quick-jit-max-rows=26"}; // landing() holds 27 rows
    String before = System.getProperty("stedi.jit");
    System.setProperty("stedi.jit", "quick");
    try {
      assertThat(cli.execute(args)).isEqualTo(75);
      assertThat(opened).as("no SparkSession before the rerun").hasValue(0);
      assertThat(spark.catalog().tableExists("stedi.curation_runs")).as("nothing recorded").isFalse();
      args[args.length - 1] = "curation.quick-jit-max-rows=27";
      assertThat(cli.execute(args)).isZero();
      assertThat(opened).hasValue(1);
    } finally {
      if (before == null) {
        System.clearProperty("stedi.jit");
      } else {
        System.setProperty("stedi.jit", before);
      }
    }
    args[args.length - 1] = "curation.quick-jit-max-rows=0";
    accel("alice@x.com", 6000, 3);
    flushInserts();
    assertThat(cli.execute(args)).as("started without the launcher's quick JIT: runs whatever its size").isZero();
    assertThat(opened).hasValue(2);
  }

  @Test
  void aRunWithNoNewDataChangesNothingAndIsRecorded() {
    curate("flag", "owner");
    long snapshot = sql("SELECT snapshot_id FROM stedi.machine_learning_curated.snapshots").size();
    RunReport again = new CurationRunner(spark, CurationConfig.embedded(config.home(),
        Map.of("curation.customer-key-secret", SECRET))).run();
    assertThat(again.status()).isEqualTo("no_change");
    assertThat(sql("SELECT snapshot_id FROM stedi.machine_learning_curated.snapshots")).hasSize((int) snapshot);
    assertThat(sql("SELECT status FROM stedi.curation_runs ORDER BY started_at"))
        .containsExactly(row("ok"), row("no_change"));
    assertThat(sql("SELECT source_snapshots['customer_landing'] > 0 FROM stedi.curation_runs WHERE status = 'ok'"))
        .containsExactly(row(true));
  }

  @Test
  void qualityChecksReportTheSharedSerialAsAWarning() {
    RunReport r = curate("flag", "owner");
    assertThat(r.quality()).filteredOn(RunReport.QualityResult::failed).singleElement().satisfies(q -> {
      assertThat(q.table()).isEqualTo("customer_trusted");
      assertThat(q.level()).isEqualTo("Warning");
      assertThat(q.check()).contains("serialNumber");
    });
    assertThat(r.qualityErrors()).isFalse();
    assertThat(sql("SELECT q.status FROM stedi.curation_runs LATERAL VIEW explode(quality) t AS q"
        + " WHERE q.level = 'Warning' AND q.status <> 'Success'")).hasSize(1);
  }

  @Test
  void optionsAreValidated() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CurationConfig.embedded(config.home(),
        Map.of("curation.ml-join", "fuzzy"))).hasMessageContaining("curation.ml-join");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CurationConfig.embedded(config.home(),
        Map.of("curation.customer-key-secret", "short"))).hasMessageStartingWith("curation.customer-key-secret");
    assertThat(LakehouseConfig.KEYS).isNotEmpty();
  }
}
