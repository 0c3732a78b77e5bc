package io.stedi.lakehouse.curation.cli;

import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.spark.SparkSessionFactory;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Entry point of the curation module's commands ({@code bin/stedi sql}). Command results go to standard
 * output; logs and errors go to standard error.
 */
@Command(name = "stedi", mixinStandardHelpOptions = true, version = "stedi-lakehouse 0.1.0",
    description = "STEDI Lakehouse curation commands: Spark SQL over the Iceberg tables.",
    subcommands = {SqlCommand.class, CurateCommand.class, MaintainCommand.class, ForgetCommand.class})
public final class CurationCli implements Callable<Integer> {
  /** Opens the Spark session a command runs on. */
  @FunctionalInterface
  public interface SessionProvider {
    /**
     * Returns a session on the lakehouse that {@code config} describes.
     *
     * @param config the resolved lakehouse configuration
     * @param master the Spark master URL given with {@code --master}, or null for the default
     */
    SparkSession open(LakehouseConfig config, String master);
  }

  @Spec
  CommandSpec spec;

  private final SessionProvider sessions;
  private final boolean ownsSessions;

  private CurationCli(SessionProvider sessions, boolean ownsSessions) {
    this.sessions = Objects.requireNonNull(sessions);
    this.ownsSessions = ownsSessions;
  }

  /**
   * The command line as {@code main} runs it: each command starts its own Spark session through
   * {@link SparkSessionFactory} and stops it when done.
   */
  public static CommandLine commandLine() {
    return configure(new CommandLine(new CurationCli(SparkSessionFactory::create, true)));
  }

  /**
   * A command line whose commands run on sessions from {@code sessions} and leave them running, so that
   * tests (or an embedding program) can share one session across many commands.
   */
  public static CommandLine commandLine(SessionProvider sessions) {
    return configure(new CommandLine(new CurationCli(sessions, false)));
  }

  private static CommandLine configure(CommandLine cl) {
    cl.setExecutionExceptionHandler(CliSupport.errorHandler());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl;
  }

  /** Without a subcommand: explain what is missing (exit code 2). */
  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand (try: stedi sql --help)");
  }

  SparkSession openSession(LakehouseConfig config, String master) {
    return sessions.open(config, master);
  }

  void releaseSession(SparkSession spark) {
    if (ownsSessions && spark != null) {
      spark.stop();
    }
  }

  /** Runs a command; results are written to standard output as UTF-8. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(new BufferedWriter(
        new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16));
    CommandLine cl = commandLine();
    cl.setOut(out);
    int code = cl.execute(args);
    out.flush();
    System.exit(code);
  }
}
