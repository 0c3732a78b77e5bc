package io.stedi.lakehouse.sim.cli;

import io.stedi.lakehouse.sim.config.SimConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stedi sim}: the simulated Step Trainers and phones. */
@Command(name = "sim", mixinStandardHelpOptions = true,
    description = {"Simulated Step Trainers and phones.",
        "generate: landing JSON-lines files; run: live MQTT/HTTP traffic against a gateway (or any MQTT broker), "
            + "with a ledger of acknowledged readings; verify: check a ledger against the landing tables."},
    subcommands = {GenerateCommand.class, RunCommand.class, VerifyCommand.class})
final class SimCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--config-table", description = "Print the simulator's config keys (sim.*) as a Markdown table and exit.")
  boolean configTable;

  @Override
  public Integer call() {
    if (configTable) {
      spec.commandLine().getOut().print(SimConfig.markdownTable());
    } else {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
    spec.commandLine().getOut().flush();
    return 0;
  }
}
