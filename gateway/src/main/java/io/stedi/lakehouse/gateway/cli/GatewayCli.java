package io.stedi.lakehouse.gateway.cli;

import io.stedi.lakehouse.cli.CliSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the gateway module's commands: {@code gateway}, {@code devices}, {@code tokens}. */
@Command(name = "stedi", mixinStandardHelpOptions = true, version = "stedi-lakehouse 0.1.0",
    description = "STEDI Lakehouse gateway commands.",
    subcommands = {GatewayCommand.class, DevicesCommand.class, TokensCommand.class})
public final class GatewayCli {
  private GatewayCli() {}

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new GatewayCli());
    cl.setExecutionExceptionHandler(CliSupport.errorHandler());
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
