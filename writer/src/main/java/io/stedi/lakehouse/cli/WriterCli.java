package io.stedi.lakehouse.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the writer module's commands ({@code bin/stedi load}, {@code bin/stedi config}). */
@Command(name = "stedi", mixinStandardHelpOptions = true, version = "stedi-lakehouse 0.1.0",
    description = "STEDI Lakehouse writer commands.",
    subcommands = {LoadCommand.class, ConfigCommand.class, WalCommand.class, TablesCommand.class, ReportCommand.class})
public final class WriterCli {
  private WriterCli() {}

  /** Builds the command line, so tests can run commands in-process. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new WriterCli());
    cl.setExecutionExceptionHandler(CliSupport.errorHandler());
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
