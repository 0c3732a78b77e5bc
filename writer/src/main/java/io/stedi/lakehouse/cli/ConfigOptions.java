package io.stedi.lakehouse.cli;

import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command shares: where the state lives and how to override config keys. */
public final class ConfigOptions {
  @Option(names = "--home", paramLabel = "DIR",
      description = "State folder of the embedded default (stedi.home; env STEDI_HOME).")
  Path home;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file with config keys (env STEDI_CONFIG). See 'bin/stedi config'.")
  Path configFile;

  @Option(names = {"-c", "--conf"}, paramLabel = "KEY=VALUE",
      description = "Set any config key, e.g. -c catalog.type=jdbc. Wins over env and file.")
  Map<String, String> conf = new LinkedHashMap<>();

  /** The layered sources: these flags, then the environment, then the file, then defaults. */
  public ConfigSources sources() {
    return sources(LakehouseConfig.KEYS);
  }

  /** The layered sources for a module that reads {@code keys} (its own and the writer's). */
  public ConfigSources sources(java.util.Collection<? extends io.stedi.lakehouse.config.ConfigKey<?>> keys) {
    Map<String, String> cli = new LinkedHashMap<>(conf);
    if (home != null) {
      cli.put(LakehouseConfig.HOME.name(), home.toString());
    }
    return ConfigSources.of(cli, System.getenv(), configFile, keys);
  }

  /** The resolved, validated writer config. */
  public LakehouseConfig lakehouse() {
    return LakehouseConfig.from(sources());
  }
}
