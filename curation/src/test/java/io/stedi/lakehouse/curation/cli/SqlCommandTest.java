package io.stedi.lakehouse.curation.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.SparkTestBase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code stedi sql} run in-process on the class's shared Spark session. */
class SqlCommandTest extends SparkTestBase {
  private static final List<LakehouseConfig> OPENED = new ArrayList<>();

  @BeforeAll
  static void createTable() {
    sql("CREATE NAMESPACE IF NOT EXISTS stedi");
    sql("CREATE TABLE stedi.t (a int, b string) USING iceberg");
    sql("INSERT INTO stedi.t VALUES (1, 'plain'), (2, 'with, comma'), (3, 'say \"hi\"'), (4, NULL), (5, '')");
  }

  /** Exit code, stdout and stderr of one command. */
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = CurationCli.commandLine((cfg, master) -> {
      OPENED.add(cfg);
      return spark;
    });
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static Run sqlCommand(String format, String query) {
    return run("sql", "--format", format, "--home", home().toString(), query);
  }

  /** A script runs on one session (a view made by the first statement is there for the next), in order. */
  @Test
  void aScriptFileRunsEveryStatementOnOneSession() throws Exception {
    java.nio.file.Path script = tempDir.resolve("report.sql");
    java.nio.file.Files.writeString(script, "-- a report\nCREATE OR REPLACE TEMP VIEW v AS SELECT a FROM stedi.t WHERE a > 3;\n"
        + "SELECT count(*) AS n FROM v;\nSELECT ';' AS semi\n");
    OPENED.clear();
    Run r = run("sql", "--format", "csv", "--home", home().toString(), "--file", script.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("n\n2\nsemi\n;\n");
    assertThat(OPENED).as("one session for the whole script").hasSize(1);
  }

  /** Statements from standard input; the first that fails stops the script with exit 1 and its error. */
  @Test
  void standardInputIsAScriptThatStopsAtTheFirstError() {
    java.io.InputStream stdin = System.in;
    try {
      System.setIn(new java.io.ByteArrayInputStream(
          "SELECT 1 AS one; SELECT nope FROM stedi.t; SELECT 3 AS three;".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      Run r = run("sql", "--format", "csv", "--home", home().toString());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.out()).isEqualTo("one\n1\n");
      assertThat(r.err()).contains("error: ").contains("nope");
    } finally {
      System.setIn(stdin);
    }
  }

  @Test
  void aQueryAndAFileTogetherAreRefused() {
    Run r = run("sql", "--home", home().toString(), "--file", "x.sql", "SELECT 1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("not both");
  }

  @Test
  void helperBindsPositionalParameters() {
    assertThat(sql("SELECT a, b FROM stedi.t WHERE a IN (?, ?)", 3, 4))
        .containsExactlyInAnyOrder(row(3, "say \"hi\""), row(4, null));
  }

  @Test
  void csvHasOnlyHeaderAndRfc4180Rows() {
    Run r = sqlCommand("csv", "SELECT a, b FROM stedi.t ORDER BY a");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("a,b\n"
        + "1,plain\n"
        + "2,\"with, comma\"\n"
        + "3,\"say \"\"hi\"\"\"\n"
        + "4,\n"
        + "5,\"\"\n");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void commandUsesTheHomeGivenOnTheCommandLine() {
    OPENED.clear();
    Run r = sqlCommand("csv", "SELECT count(*) AS n FROM stedi.t");
    assertThat(r.out()).isEqualTo("n\n5\n");
    assertThat(OPENED).singleElement().satisfies(c -> assertThat(c.home()).isEqualTo(home()));
  }

  @Test
  void csvOfAnEmptyResultIsTheHeader() {
    Run r = sqlCommand("csv", "SELECT b AS `the, name` FROM stedi.t WHERE a > 100");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("\"the, name\"\n");
  }

  @Test
  void jsonIsOneObjectPerLineWithNulls() {
    Run r = sqlCommand("json", "SELECT a, b FROM stedi.t ORDER BY a");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("{\"a\":1,\"b\":\"plain\"}\n"
        + "{\"a\":2,\"b\":\"with, comma\"}\n"
        + "{\"a\":3,\"b\":\"say \\\"hi\\\"\"}\n"
        + "{\"a\":4,\"b\":null}\n"
        + "{\"a\":5,\"b\":\"\"}\n");
  }

  @Test
  void timestampsAreShownInUtc() {
    String q = "SELECT TIMESTAMP '2022-06-18 17:19:36.361+02:00' AS ts";
    assertThat(sqlCommand("csv", q).out()).isEqualTo("ts\n2022-06-18 15:19:36.361\n");
    assertThat(sqlCommand("json", q).out()).isEqualTo("{\"ts\":\"2022-06-18T15:19:36.361Z\"}\n");
  }

  @Test
  void tableIsAlignedWithRowCount() {
    Run r = sqlCommand("table", "SELECT a, b FROM stedi.t ORDER BY a");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(" a | b\n"
        + "---+-------------\n"
        + " 1 | plain\n"
        + " 2 | with, comma\n"
        + " 3 | say \"hi\"\n"
        + " 4 | NULL\n"
        + " 5 |\n"
        + "(5 rows)\n");
  }

  @Test
  void tableIsTheDefaultAndRightAlignsNumbers() {
    Run r = run("sql", "--home", home().toString(), "SELECT 'x' AS name, 1234 AS n UNION ALL SELECT 'longer', 5");
    assertThat(r.out()).isEqualTo(" name   |    n\n"
        + "--------+------\n"
        + " x      | 1234\n"
        + " longer |    5\n"
        + "(2 rows)\n");
    assertThat(run("sql", "--home", home().toString(), "SELECT 1 AS one").out()).endsWith("\n(1 row)\n");
  }

  @Test
  void parseErrorExitsWithOneAndPrintsOneErrorLine() {
    Run r = sqlCommand("csv", "SELEC a FROM stedi.t");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("error: [PARSE_SYNTAX_ERROR]").hasLineCount(1);
  }

  @Test
  void missingTableExitsWithOneAndPrintsOneErrorLine() {
    Run r = sqlCommand("json", "SELECT * FROM stedi.no_such_table");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("error: [TABLE_OR_VIEW_NOT_FOUND]").contains("no_such_table").hasLineCount(1);
  }

  @Test
  void runtimeErrorShowsTheCauseNotTheJobWrapper() {
    Run r = sqlCommand("csv", "SELECT assert_true(a < 3) FROM stedi.t");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).matches("error: '\\(a#\\d+ < 3\\)' is not true!\\R");
  }

  @Test
  void unknownFormatIsAUsageError() {
    Run r = sqlCommand("xml", "SELECT 1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("--format");
  }

  @Test
  void helpWorksForBothCommands() {
    Run top = run("--help");
    assertThat(top.code()).isZero();
    assertThat(top.out()).contains("Usage: stedi").contains("sql");
    Run sub = run("sql", "--help");
    assertThat(sub.code()).isZero();
    assertThat(sub.out()).contains("Usage: stedi sql").contains("--format").contains("--master").contains("--home");
  }

  @Test
  void noSubcommandIsAUsageError() {
    Run r = run();
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required subcommand");
  }
}
