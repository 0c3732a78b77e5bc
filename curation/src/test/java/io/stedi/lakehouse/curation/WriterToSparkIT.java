package io.stedi.lakehouse.curation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end across processes: the writer's {@code load} command, run in its own JVM from the writer's
 * packaged jars, writes Iceberg tables that Spark (this JVM, and {@code stedi sql} in another JVM) reads.
 * Needs {@code writer/target/stedi-writer.jar} and {@code writer/target/lib}, which the reactor build
 * packages before curation's integration tests run.
 */
class WriterToSparkIT extends SparkTestBase {
  private static final Path MODULE = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
  private static final Path WRITER_TARGET = MODULE.resolve("../writer/target").normalize();
  private static final Path CURATION_TARGET = MODULE.resolve("target");

  private static final String[] LINES = {
      "{\"customerName\":\"Santosh Clayton\",\"email\":\"Santosh.Clayton@test.com\",\"phone\":\"8015551212\","
          + "\"birthDay\":\"1900-01-01\",\"serialNumber\":\"50f7b4f3-7af5-4b07-a421-7b902c8d2b7c\","
          + "\"registrationDate\":1655564376361,\"lastUpdateDate\":1655564376361,"
          + "\"shareWithResearchAsOfDate\":1655564376361,\"shareWithPublicAsOfDate\":1655564376361,"
          + "\"shareWithFriendsAsOfDate\":1655564376361}",
      "{\"customerName\":\"Frank Doshi\",\"email\":\"Frank.Doshi@test.com\",\"phone\":\"8015551212\","
          + "\"birthDay\":\"1900-01-01\",\"serialNumber\":\"s2\",\"registrationDate\":1655293787680,"
          + "\"lastUpdateDate\":1655293787680,\"shareWithPublicAsOfDate\":1655293787680}",
      "{\"customerName\":\"Jo, \\\"JJ\\\" Bloggs\",\"email\":\"jo@x.com\",\"phone\":null,\"birthDay\":\"1990-01-01\","
          + "\"serialNumber\":\"s3\",\"registrationDate\":1655564376361,\"lastUpdateDate\":1655564376362,"
          + "\"shareWithResearchAsOfDate\":1655564376363,\"unknownField\":\"ignored\"}",
      "{\"customerName\":\"Broken\",\"email\":\"broken@x.com\","};

  private static Path input;
  private static String loadOutput;

  @BeforeAll
  static void loadWithTheWriterInAChildJvm() throws Exception {
    Path jar = WRITER_TARGET.resolve("stedi-writer.jar");
    Path lib = WRITER_TARGET.resolve("lib");
    assumeTrue(Files.isRegularFile(jar) && Files.isDirectory(lib),
        "skipped: " + jar + " or " + lib + " is missing; build the writer first "
            + "(mvn -B verify from the project root packages it before this test, or mvn -pl writer package)");
    input = tempDir.resolve("customers.json");
    Files.writeString(input, String.join("\n", LINES) + "\n", StandardCharsets.UTF_8);
    Result r = runJava(List.of(), jar + File.pathSeparator + lib + File.separator + "*",
        "io.stedi.lakehouse.cli.WriterCli", "load", "customer", input.toString(), "--home", home().toString());
    assertThat(r.code).as("writer load failed; stderr:%n%s", r.err).isZero();
    loadOutput = r.out;
  }

  @Test
  void loaderReportsWhatItDid() {
    assertThat(loadOutput).contains("loaded 3 rows into stedi.customer_landing").contains("rejected 1 rows")
        .contains("malformed_json");
  }

  @Test
  void customerLandingHoldsTheThreeGoodLines() {
    List<Row> rows = sql("SELECT customerName, email, phone, birthDay, serialNumber, registrationDate, lastUpdateDate,"
        + " shareWithResearchAsOfDate, shareWithPublicAsOfDate, shareWithFriendsAsOfDate"
        + " FROM stedi.customer_landing");
    assertThat(rows).containsExactlyInAnyOrder(
        row("Santosh Clayton", "Santosh.Clayton@test.com", "8015551212", "1900-01-01",
            "50f7b4f3-7af5-4b07-a421-7b902c8d2b7c", 1655564376361L, 1655564376361L, 1655564376361L,
            1655564376361L, 1655564376361L),
        row("Frank Doshi", "Frank.Doshi@test.com", "8015551212", "1900-01-01", "s2", 1655293787680L,
            1655293787680L, null, 1655293787680L, null),
        row("Jo, \"JJ\" Bloggs", "jo@x.com", null, "1990-01-01", "s3", 1655564376361L, 1655564376362L,
            1655564376363L, null, null));
    assertThat(sql("SELECT count(*) FROM stedi.customer_landing WHERE _stedi_source = 'load'"
        + " AND _stedi_arrival IS NOT NULL AND _stedi_key IS NOT NULL")).containsExactly(row(3L));
  }

  @Test
  void quarantineHoldsTheMalformedLine() {
    assertThat(sql("SELECT zone, reason_code, payload, _stedi_source FROM stedi.quarantine"))
        .containsExactly(row("customer", "malformed_json", LINES[3], "load"));
    List<Row> origin = sql("SELECT origin FROM stedi.quarantine");
    assertThat(origin.get(0).getString(0)).endsWith(":4").contains("customers.json");
  }

  @Test
  void sqlCommandInAChildJvmPrintsOnlyTheCsv() throws Exception {
    Path jar = CURATION_TARGET.resolve("stedi-curation.jar");
    Path lib = CURATION_TARGET.resolve("lib");
    assumeTrue(Files.isRegularFile(jar) && Files.isDirectory(lib),
        "skipped: " + jar + " or " + lib + " is missing (run through mvn verify, which packages curation first)");
    Result r = runJava(sparkJvmFlags(), jar + File.pathSeparator + lib + File.separator + "*",
        "io.stedi.lakehouse.curation.cli.CurationCli", "sql", "--format", "csv", "--master", "local[1]",
        "--home", home().toString(), "SELECT count(*) AS n FROM stedi.customer_landing");
    assertThat(r.code).as("stedi sql failed; stderr:%n%s", r.err).isZero();
    assertThat(r.out).isEqualTo("n\n3\n");

    Result bad = runJava(sparkJvmFlags(), jar + File.pathSeparator + lib + File.separator + "*",
        "io.stedi.lakehouse.curation.cli.CurationCli", "sql", "--master", "local[1]",
        "--home", home().toString(), "SELECT * FROM stedi.missing");
    assertThat(bad.code).isEqualTo(1);
    assertThat(bad.out).isEmpty();
    assertThat(bad.err).startsWith("error: [TABLE_OR_VIEW_NOT_FOUND]").hasLineCount(1);
    // nothing is written outside stedi.home: the children ran in an empty working directory
    try (var files = Files.list(tempDir.resolve("cwd"))) {
      assertThat(files).isEmpty();
    }
  }

  /** The --add-opens and -D flags Spark needs, as this JVM got them from the build. */
  private static List<String> sparkJvmFlags() {
    List<String> flags = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect.") || a.startsWith("-Dio.netty.")) {
        flags.add(a);
      }
    }
    flags.add("-Xmx1g");
    return flags;
  }

  private record Result(int code, String out, String err) {}

  private static Result runJava(List<String> jvmFlags, String classpath, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(tempDir, "child", ".out");
    Path err = Files.createTempFile(tempDir, "child", ".err");
    Path cwd = Files.createDirectories(tempDir.resolve("cwd"));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("STEDI_"));
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("child JVM timed out: " + cmd);
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
