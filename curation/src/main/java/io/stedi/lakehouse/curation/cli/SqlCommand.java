package io.stedi.lakehouse.curation.cli;

import io.stedi.lakehouse.cli.ConfigOptions;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.SparkException;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code stedi sql [QUERY]}: one Spark SQL statement over the lakehouse, or a session of many on one warm
 * SparkSession (a script on standard input or in a file, or an interactive prompt).
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
    description = {"Run Spark SQL over the lakehouse tables and print the results on stdout.",
        "With QUERY: that one statement. Without: a session on one SparkSession, so only the first statement pays "
            + "for starting Spark: ';'-separated statements from --file or standard input (stops at the first that "
            + "fails), or, on a terminal, a prompt with line editing, history and multi-line statements.",
        "Tables live in namespace stedi of the default catalog: stedi.customer_landing, "
            + "stedi.accelerometer_landing, stedi.step_trainer_landing, stedi.quarantine.",
        "Logs go to stderr. A failing statement prints 'error: ...' on stderr and exits with 1."},
    footer = {"", "Examples:",
        "  bin/stedi sql \"SELECT count(*) FROM stedi.customer_landing\"",
        "  bin/stedi sql --format csv \"SELECT * FROM stedi.quarantine\" > quarantine.csv",
        "  bin/stedi sql --format json \"SELECT * FROM stedi.customer_landing LIMIT 5\"",
        "  bin/stedi sql                                  # interactive prompt",
        "  bin/stedi sql --file report.sql",
        "  printf 'SELECT 1; SELECT 2;' | bin/stedi sql"})
final class SqlCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(SqlCommand.class);

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @ParentCommand
  CurationCli parent;

  @Mixin
  ConfigOptions options;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
      description = "Output format: table (aligned text, default), csv (RFC 4180 with a header line, "
          + "null as an empty field) or json (one object per line).")
  ResultPrinter.Format format;

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master URL (default: local[*]).")
  String master;

  @Parameters(index = "0", arity = "0..1", paramLabel = "QUERY",
      description = "The SQL statement to run (one statement). Without it: a session.")
  String query;

  @Option(names = "--file", paramLabel = "FILE", description = "Run the ';'-separated statements of FILE.")
  Path file;

  @Option(names = "--history", paramLabel = "FILE", description = "Keep the prompt's history in FILE across "
      + "sessions (default: this session only, since statements may name customers).")
  Path history;

  @Override
  public Integer call() {
    LakehouseConfig config = options.lakehouse();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (query != null && file != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give a QUERY or --file, not both");
    }
    String script = null;
    try {
      script = file != null ? Files.readString(file) : null;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    SparkSession spark = parent.openSession(config, master);
    try {
      if (query == null) {
        SqlSession session = new SqlSession(spark, format, out, err);
        if (script != null) {
          return session.runScript(script);
        }
        if (System.console() != null) {
          return session.interactive(history);
        }
        try {
          return session.runScript(new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException("cannot read standard input: " + e.getMessage(), e);
        }
      }
      try {
        Dataset<Row> result = spark.sql(query);
        long rows = ResultPrinter.print(result, format, out);
        LOG.debug("printed {} rows", rows);
        return 0;
      } catch (Exception e) {
        LOG.debug("statement failed", e);
        out.flush();
        err.println("error: " + firstLine(reportable(e)));
        err.flush();
        return 1;
      }
    } finally {
      out.flush();
      parent.releaseSession(spark);
    }
  }

  /**
   * The exception worth showing: for a failed Spark job that is the error that made a task fail
   * (for example {@code [DIVIDE_BY_ZERO]}) rather than the "Job aborted due to stage failure" wrapper.
   */
  static Throwable reportable(Throwable e) {
    if (!(e instanceof SparkException) || e.getCause() == null) {
      return e;
    }
    Throwable best = e.getCause();
    for (Throwable c = best.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c instanceof SparkThrowable && ((SparkThrowable) c).getErrorClass() != null) {
        best = c;
      }
    }
    return best;
  }

  /** The first non-blank line of the message (Spark's parse errors start with a line break). */
  static String firstLine(Throwable e) {
    String m = e.getMessage();
    if (m != null) {
      for (String line : m.split("\\R")) {
        if (!line.isBlank()) {
          return line.strip();
        }
      }
    }
    return e.getClass().getName();
  }
}
