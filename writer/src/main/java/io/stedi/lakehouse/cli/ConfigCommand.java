package io.stedi.lakehouse.cli;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.ConfigModule;
import io.stedi.lakehouse.config.ConfigSources;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stedi config}: every module's keys with their resolved values and where each came from. The modules
 * are found on the class path ({@link ConfigModule}); {@code bin/stedi config} puts all four there.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = {"Show every config key of every module (writer, gateway, curation, sim): value (secrets masked), "
        + "origin (cli, env, file, default); each module's rules are checked and a refused value is reported.",
        "Any module's key can be set with -c, in the environment or in the --config file."},
    footer = {"", "Examples:", "  bin/stedi config", "  bin/stedi config -c gateway.http.port=9443 --module gateway",
        "  bin/stedi config --markdown --module curation   # the README's table"})
final class ConfigCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConfigOptions options;

  @Option(names = "--markdown", description = "Print the documentation table (key, env, default, meaning) instead.")
  boolean markdown;

  @Option(names = "--module", paramLabel = "NAME", description = "Only this module: writer, gateway, curation or sim.")
  String module;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<ConfigModule> all = ConfigModule.all();
    List<ConfigModule> shown = all.stream().filter(m -> module == null || m.name().equals(module)).toList();
    if (shown.isEmpty()) {
      err.printf("config: no module '%s' here (found: %s)%n", module, all.stream().map(ConfigModule::name).toList());
      err.flush();
      return 2;
    }
    if (markdown) {
      for (ConfigModule m : shown) {
        if (shown.size() > 1) {
          out.printf("%n### %s%n%n", m.name());
        }
        out.print(ConfigModule.markdownTable(m.keys()));
      }
      out.flush();
      return 0;
    }
    List<ConfigKey<?>> keys = new ArrayList<>();
    all.forEach(m -> keys.addAll(m.keys()));
    ConfigSources sources = options.sources(keys);
    int rc = 0;
    for (ConfigModule m : shown) {
      out.printf("# %s%n", m.name());
      for (ConfigKey<?> k : m.keys()) {
        out.printf("%-42s %-40s %-8s%n", k.name(), shown(sources, k, m), sources.origin(k.name()));
      }
      try {
        m.validate(sources);
      } catch (IllegalArgumentException e) {
        err.printf("config: %s: %s%n", m.name(), e.getMessage());
        rc = 2;
      }
    }
    out.flush();
    err.flush();
    return rc;
  }

  /** The value as written (or the default's text), masked for a secret; a value its key cannot parse says so. */
  private static String shown(ConfigSources sources, ConfigKey<?> k, ConfigModule m) {
    String raw = sources.raw(k.name());
    String text = raw == null ? k.defaultText() : raw;
    boolean secret = m.secrets().contains(k) && !text.isEmpty();
    try {
      k.parse(text);
    } catch (RuntimeException e) {
      return "(invalid: " + (secret ? "****" : text) + ")";
    }
    return secret ? "****" : text;
  }
}
