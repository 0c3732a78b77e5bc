package io.stedi.lakehouse.cli;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stedi config}: shows every key with its resolved value and where it came from. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Show every writer config key: value (secrets masked), origin (cli, env, file, default) and meaning.")
final class ConfigCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConfigOptions options;

  @Option(names = "--markdown", description = "Print the documentation table (key, env, default, meaning) instead.")
  boolean markdown;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (markdown) {
      out.println("| key | env | default | meaning |");
      out.println("|---|---|---|---|");
      for (ConfigKey<?> k : LakehouseConfig.KEYS) {
        out.printf("| `%s` | `%s` | `%s` | %s |%n", k.name(), k.envName(), k.defaultText(), k.description());
      }
    } else {
      for (String[] r : options.lakehouse().describe()) {
        out.printf("%-30s %-40s %-8s%n", r[0], r[1], r[2]);
      }
    }
    out.flush();
    return 0;
  }
}
