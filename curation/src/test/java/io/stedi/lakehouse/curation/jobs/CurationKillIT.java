package io.stedi.lakehouse.curation.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.curation.SparkTestBase;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.table.LandingTables;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A curation run killed (SIGKILL) at a random moment leaves every table at its previous or its new state, and
 * the next run gives tables identical to a clean run.
 */
class CurationKillIT extends SparkTestBase {
  private static final String SECRET = "kill-test-secret-0123456789";

  private static void insert(int from, int customers) {
    StringBuilder c = new StringBuilder();
    StringBuilder a = new StringBuilder();
    StringBuilder s = new StringBuilder();
    for (int i = from; i < from + customers; i++) {
      String consent = i % 2 == 0 ? (1000 + i) + "L" : "CAST(NULL AS BIGINT)";
      c.append(c.length() == 0 ? "" : ",").append("('n").append(i).append("','u").append(i).append("@x.com','555','1990',")
          .append("'S").append(i % 50).append("',1L,1L,").append(consent).append(",CAST(NULL AS BIGINT),CAST(NULL AS BIGINT),")
          .append("current_timestamp(),'load','c").append(i).append("')");
      for (int k = 0; k < 20; k++) {
        long t = 1000L + i * 7 + k * 100;
        a.append(a.length() == 0 ? "" : ",").append("('u").append(i).append("@x.com',").append(t).append("L,")
            .append(k).append("D,0D,1D,current_timestamp(),'load','a").append(i).append('-').append(k).append("')");
        s.append(s.length() == 0 ? "" : ",").append('(').append(t).append("L,'S").append(i % 50).append("',")
            .append(k).append(",current_timestamp(),'load','s").append(i).append('-').append(k).append("')");
      }
    }
    spark.sql("INSERT INTO stedi.customer_landing VALUES " + c);
    spark.sql("INSERT INTO stedi.accelerometer_landing VALUES " + a);
    spark.sql("INSERT INTO stedi.step_trainer_landing VALUES " + s);
  }

  private static Map<String, List<String>> contents() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (CurationJob job : CurationJob.values()) {
      List<String> rows = new ArrayList<>();
      if (spark.catalog().tableExists("stedi." + job.table())) {
        spark.sql("REFRESH TABLE stedi." + job.table());
        for (Row r : sql("SELECT * FROM stedi." + job.table())) {
          rows.add(r.toString());
        }
      }
      rows.sort(String::compareTo);
      m.put(job.table(), rows);
    }
    return m;
  }

  private static CurationConfig cfg() {
    return CurationConfig.embedded(config.home(), Map.of("curation.customer-key-secret", SECRET));
  }

  @Test
  void killedRunsLeaveOldOrNewTablesAndTheNextRunEqualsACleanOne() throws Exception {
    LandingTables.ensureAll(CurationRunner.icebergCatalog(spark, config), 128L << 20, 5);
    insert(0, 200);
    assertThat(new CurationRunner(spark, cfg()).run().status()).isEqualTo("ok");
    Map<String, List<String>> before = contents();
    insert(200, 200);

    Random rnd = new Random();
    for (int i = 0; i < 2; i++) {
      Process p = child();
      // Spark start takes a few seconds; the run itself several more: kill somewhere inside
      long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4000 + rnd.nextInt(9000));
      while (System.nanoTime() < killAt && p.isAlive()) {
        p.waitFor(100, TimeUnit.MILLISECONDS);
      }
      p.destroyForcibly();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    Map<String, List<String>> afterKill = contents();

    assertThat(new CurationRunner(spark, cfg()).run().status()).isEqualTo("ok");
    Map<String, List<String>> next = contents();

    for (CurationJob job : CurationJob.values()) {
      spark.sql("DROP TABLE IF EXISTS stedi." + job.table());
    }
    spark.sql("DROP TABLE IF EXISTS stedi.curation_runs");
    assertThat(new CurationRunner(spark, cfg()).run().status()).isEqualTo("ok");
    Map<String, List<String>> clean = contents();

    assertThat(next).isEqualTo(clean);
    for (CurationJob job : CurationJob.values()) {
      assertThat(afterKill.get(job.table())).as(job.table() + " after the kills")
          .satisfiesAnyOf(t -> assertThat(t).isEqualTo(before.get(job.table())),
              t -> assertThat(t).isEqualTo(clean.get(job.table())));
    }
    assertThat(clean.get("customer_trusted")).hasSize(200);
  }

  private static Process child() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect.") || a.startsWith("-Dio.netty.")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"),
        "io.stedi.lakehouse.curation.cli.CurationCli", "curate", "--master", "local[1]", "--home", config.home().toString(),
        "-c", "curation.customer-key-secret=" + SECRET));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(tempDir.resolve("child-" + System.nanoTime() + ".log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("STEDI_"));
    return pb.start();
  }
}
