package io.stedi.lakehouse.sim.cli;

import io.stedi.lakehouse.cli.CliSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the device simulator's commands: {@code bin/stedi sim generate|run|verify}. */
@Command(name = "stedi", mixinStandardHelpOptions = true, version = "stedi-lakehouse 0.1.0",
    description = "STEDI Lakehouse device simulator commands.", subcommands = {SimCommand.class})
public final class SimCli {
  private SimCli() {}

  /** Builds the command line, so tests can run commands in-process. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new SimCli());
    cl.setExecutionExceptionHandler(CliSupport.errorHandler());
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
