package io.stedi.lakehouse.curation.cli;

import io.stedi.lakehouse.cli.ConfigOptions;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.io.PrintWriter;
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

/** {@code stedi sql QUERY}: run one Spark SQL statement over the lakehouse and print the result. */
@Command(name = "sql", mixinStandardHelpOptions = true,
    description = {"Run one Spark SQL statement over the lakehouse tables and print the result on stdout.",
        "Tables live in namespace stedi of the default catalog: stedi.customer_landing, "
            + "stedi.accelerometer_landing, stedi.step_trainer_landing, stedi.quarantine.",
        "Logs go to stderr. A failing statement prints 'error: ...' on stderr and exits with 1."},
    footer = {"", "Examples:",
        "  bin/stedi sql \"SELECT count(*) FROM stedi.customer_landing\"",
        "  bin/stedi sql --format csv \"SELECT * FROM stedi.quarantine\" > quarantine.csv",
        "  bin/stedi sql --format json \"SELECT * FROM stedi.customer_landing LIMIT 5\""})
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

  @Parameters(index = "0", paramLabel = "QUERY", description = "The SQL statement to run (one statement).")
  String query;

  @Override
  public Integer call() {
    LakehouseConfig config = options.lakehouse();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SparkSession spark = parent.openSession(config, master);
    try {
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
