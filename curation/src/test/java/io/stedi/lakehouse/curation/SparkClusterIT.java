package io.stedi.lakehouse.curation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Curation on a Spark standalone cluster: a master and two workers as separate processes on loopback, started
 * from the module's own jars (no Spark distribution), and {@code bin/stedi curate}, {@code forget} and {@code maintain} with
 * {@code curation.master=spark://...}, and the README's {@code spark-submit} line. The tables they leave equal those
 * of the same commands in local mode on the same data.
 */
class SparkClusterIT {
  private static final Path STEDI = Path.of("..", "bin", "stedi");
  private static final Path LIB = Path.of("target", "lib");
  private static final String SECRET = "cluster-test-secret-0123456789";
  private static final List<String> TABLES = List.of("customer_trusted", "accelerometer_trusted", "customers_curated",
      "step_trainer_trusted", "machine_learning_curated");

  @TempDir
  Path dir;

  private final List<Process> cluster = new ArrayList<>();

  @AfterEach
  void stopCluster() throws InterruptedException {
    for (Process p : cluster) {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void curateForgetAndMaintainOnAClusterGiveTheTablesOfLocalMode() throws Exception {
    assumeTrue(Files.isRegularFile(Path.of("target", "stedi-curation.jar")) && Files.isDirectory(LIB),
        "the curation jar is not built");
    String master = startCluster(2);

    Path local = dir.resolve("local");
    Path onCluster = dir.resolve("cluster");
    for (Path home : List.of(local, onCluster)) {
      for (String zone : List.of("customer", "accelerometer", "step_trainer")) {
        stedi("load-" + zone, "load", zone, Path.of("..", "examples", "landing", zone).toString(), "--home",
            home.toString(), "--no-progress");
      }
    }
    stedi("curate-local", "curate", "--home", local.toString(), "-c", "curation.customer-key-secret=" + SECRET);
    stedi("curate-cluster", "curate", "--home", onCluster.toString(), "-c", "curation.customer-key-secret=" + SECRET,
        "-c", "curation.master=" + master);
    assertThat(Files.readString(dir.resolve("curate-cluster.out"))).contains(": ok in");
    // the work ran on the cluster: each worker started an executor for the application (app-* in its work dir)
    for (int i = 1; i <= 2; i++) {
      try (Stream<Path> apps = Files.list(dir.resolve("work-" + i))) {
        assertThat(apps.map(p -> p.getFileName().toString())).as("worker %d ran an executor", i).anyMatch(n -> n.startsWith("app-"));
      }
    }
    List<String> curated = fingerprints(local);
    assertThat(fingerprints(onCluster)).isEqualTo(curated);

    // the README's spark-submit line, as written but for its master
    Path submitted = dir.resolve("submitted");
    for (String zone : List.of("customer", "accelerometer", "step_trainer")) {
      stedi("load-submitted-" + zone, "load", zone, Path.of("..", "examples", "landing", zone).toString(), "--home",
          submitted.toString(), "--no-progress");
    }
    sparkSubmit(master, submitted);
    assertThat(Files.readString(dir.resolve("spark-submit.out"))).contains(": ok in");
    assertThat(appsOnWorkers()).as("the submitted application ran on the workers too").isEqualTo(2 * 2);
    assertThat(fingerprints(submitted)).isEqualTo(curated);

    String email = firstCuratedEmail(local);
    stedi("forget-local", "forget", email, "--home", local.toString(), "-c", "curation.customer-key-secret=" + SECRET);
    stedi("forget-cluster", "forget", email, "--home", onCluster.toString(), "-c",
        "curation.customer-key-secret=" + SECRET, "-c", "curation.master=" + master);
    List<String> afterForget = fingerprints(local);
    assertThat(fingerprints(onCluster)).isEqualTo(afterForget);

    // maintenance on the cluster: it compacts and expires every older snapshot, and changes no row
    for (Path home : List.of(local, onCluster)) {
      String name = "maintain-" + home.getFileName();
      List<String> args = new ArrayList<>(List.of("maintain", "--json", "--home", home.toString(), "-c",
          "maintain.snapshot-retention=0s", "-c", "maintain.retain-last=1"));
      if (home.equals(onCluster)) {
        args.addAll(List.of("-c", "curation.master=" + master));
      }
      stedi(name, args.toArray(String[]::new));
      com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(Files.readAllLines(dir.resolve(name + ".out")).stream().filter(l -> l.startsWith("{\"run_id\""))
              .reduce((a, b) -> b).orElseThrow()); // stdout's report; progress and logs are in the same file
      long expired = 0;
      for (com.fasterxml.jackson.databind.JsonNode t : report.get("tables")) {
        assertThat(t.get("status").asText()).as("%s on %s: %s", t.get("table"), name, t.get("error")).isEqualTo("ok");
        expired += t.get("snapshots_expired").asLong();
      }
      assertThat(expired).as("snapshots expired by " + name).isPositive();
    }
    assertThat(fingerprints(local)).isEqualTo(afterForget);
    assertThat(fingerprints(onCluster)).isEqualTo(afterForget);
  }

  /**
   * Runs the README's {@code spark-submit} line with {@code yarn} replaced by {@code master}, in a folder that holds
   * what the README assumes beside the command: {@code curation/target} (linked) and {@code lakehouse.properties}
   * (here the embedded catalog in {@code home}). {@code spark-submit} is on the PATH from SPARK_HOME.
   */
  private void sparkSubmit(String master, Path home) throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher block = Pattern.compile("(?m)^spark-submit --master yarn (?:.*\\\\\n)*.*$").matcher(readme);
    assertThat(block.find()).as("the README has a spark-submit line").isTrue();
    String line = block.group();
    assertThat(line).contains("--config lakehouse.properties");
    // under target/ like SPARK_HOME: JUnit warns about a link it deletes in the test's temporary folder
    Path cwd = Path.of("target", "it-submit-from").toAbsolutePath();
    Files.createDirectories(cwd.resolve("curation"));
    Files.deleteIfExists(cwd.resolve("curation").resolve("target"));
    Files.createSymbolicLink(cwd.resolve("curation").resolve("target"), Path.of("target").toAbsolutePath());
    Files.writeString(cwd.resolve("lakehouse.properties"), "stedi.home=" + home + "\n"
        + "curation.customer-key-secret=" + SECRET + "\n");
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", line.replace("--master yarn", "--master " + master))
        .directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("spark-submit.out").toFile());
    Path sparkHome = Path.of("target", "it-spark-home").toAbsolutePath();
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("PATH", sparkHome.resolve("bin") + ":" + System.getenv("PATH"));
    pb.environment().put("SPARK_SUBMIT_OPTS", String.join(" ", javaModuleFlags()));
    Process p = pb.start();
    assertThat(p.waitFor(600, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(dir.resolve("spark-submit.out"))).isZero();
  }

  /** Applications the workers started executors for (app-* folders in their work dirs). */
  private long appsOnWorkers() throws Exception {
    long n = 0;
    for (int i = 1; i <= 2; i++) {
      try (Stream<Path> apps = Files.list(dir.resolve("work-" + i))) {
        n += apps.filter(a -> a.getFileName().toString().startsWith("app-")).count();
      }
    }
    return n;
  }

  /** The same module-opening flags this test JVM got (Spark on Java 17). */
  private static List<String> javaModuleFlags() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty"))
        .toList();
  }

  /** Starts a master and {@code workers} workers (1 core, 1 GB each); returns the master URL once all registered. */
  private String startCluster(int workers) throws Exception {
    // a worker starts executors from SPARK_HOME/jars: a folder that links the module's jars stands in for a
    // Spark distribution
    // (under target/, not the test's temporary folder: JUnit warns about every link it deletes there)
    Path sparkHome = Path.of("target", "it-spark-home").toAbsolutePath();
    if (Files.exists(sparkHome)) {
      try (Stream<Path> old = Files.walk(sparkHome)) {
        for (Path p : (Iterable<Path>) old.sorted(java.util.Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(sparkHome.resolve("jars"));
    // a distribution's bin/spark-submit ends in this entry point (through spark-class and the launcher); here it is
    // called directly, with the options the launcher would add taken from SPARK_SUBMIT_OPTS
    Files.createDirectories(sparkHome.resolve("bin"));
    Path submit = sparkHome.resolve("bin").resolve("spark-submit");
    Files.writeString(submit, "#!/usr/bin/env bash\nexec \"" + Path.of(System.getProperty("java.home"), "bin", "java")
        + "\" $SPARK_SUBMIT_OPTS -cp \"$SPARK_HOME/jars/*\" org.apache.spark.deploy.SparkSubmit \"$@\"\n");
    submit.toFile().setExecutable(true);
    try (Stream<Path> jars = Files.list(LIB)) {
      for (Path j : (Iterable<Path>) jars::iterator) {
        Files.createSymbolicLink(sparkHome.resolve("jars").resolve(j.getFileName()), j.toAbsolutePath());
      }
    }
    Process m = spark(sparkHome, "master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", "0",
        "--webui-port", "0");
    Path masterLog = dir.resolve("master.log");
    String[] url = new String[1];
    await().atMost(Duration.ofSeconds(90)).until(() -> {
      Matcher x = Pattern.compile("Starting Spark master at (spark://127\\.0\\.0\\.1:\\d+)").matcher(Files.readString(masterLog));
      url[0] = x.find() ? x.group(1) : null;
      return url[0] != null || !m.isAlive();
    });
    assertThat(url[0]).as("master did not start: %s", Files.readString(masterLog)).isNotNull();
    for (int i = 1; i <= workers; i++) {
      spark(sparkHome, "worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port", "0",
          "--webui-port", "0", "--cores", "1", "--memory", "1g", "--work-dir", dir.resolve("work-" + i).toString(), url[0]);
    }
    await().atMost(Duration.ofSeconds(90)).until(() -> count(Files.readString(masterLog), "Registering worker") == workers);
    return url[0];
  }

  private Process spark(Path sparkHome, String name, String mainClass, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m"));
    cmd.addAll(javaModuleFlags());
    cmd.addAll(List.of("-cp", LIB.toAbsolutePath() + "/*", mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
    pb.environment().putAll(Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION", "2.12"));
    Process p = pb.start();
    cluster.add(p);
    return p;
  }

  private void stedi(String name, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(STEDI.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".out").toFile()).start();
    assertThat(p.waitFor(600, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("bin/stedi %s: %s", String.join(" ", args), Files.readString(dir.resolve(name + ".out")))
        .isZero();
  }

  /**
   * Per table: its rows and an order-independent hash of all of them (Spark's hash over every column, summed),
   * from one {@code bin/stedi sql} session.
   */
  private List<String> fingerprints(Path home) throws Exception {
    String name = "fp-" + home.getFileName() + "-" + System.nanoTime();
    Path script = dir.resolve(name + ".sql");
    StringBuilder sql = new StringBuilder();
    for (String t : TABLES) {
      sql.append("SELECT count(*) AS n, coalesce(sum(cast(hash(*) AS BIGINT)), 0) AS h FROM stedi.").append(t).append(";\n");
    }
    Files.writeString(script, sql.toString());
    stedi(name, "sql", "--home", home.toString(), "--format", "csv", "--file", script.toString());
    List<String> lines = Files.readAllLines(dir.resolve(name + ".out")).stream().filter(l -> l.matches("-?\\d+,-?\\d+"))
        .toList();
    assertThat(lines).as("one result per table of %s", home).hasSize(TABLES.size());
    List<String> out = new ArrayList<>();
    for (int i = 0; i < TABLES.size(); i++) {
      out.add(TABLES.get(i) + "=" + lines.get(i));
    }
    assertThat(out.get(0)).doesNotStartWith("customer_trusted=0,");
    return out;
  }

  private String firstCuratedEmail(Path home) throws Exception {
    stedi("email", "sql", "--home", home.toString(), "--format", "csv",
        "SELECT email FROM stedi.customers_curated ORDER BY email LIMIT 1");
    return Files.readAllLines(dir.resolve("email.out")).stream().filter(l -> l.contains("@")).findFirst().orElseThrow();
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
