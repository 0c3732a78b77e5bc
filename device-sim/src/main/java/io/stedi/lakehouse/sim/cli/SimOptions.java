package io.stedi.lakehouse.sim.cli;

import io.stedi.lakehouse.cli.ConfigOptions;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.sim.config.SimConfig;
import java.util.Map;
import picocli.CommandLine.Mixin;

/** The shared options (--home, --config, -c key=value) resolved for the simulator's keys and the writer's. */
public final class SimOptions {
  @Mixin
  ConfigOptions config;

  /** The layered sources for every key the simulator reads. */
  public ConfigSources sources() {
    return config.sources(SimConfig.allKeys());
  }

  /** The simulator's config, with command-specific flags (by key) winning over everything else. */
  public SimConfig sim(Map<String, String> flags) {
    return SimConfig.from(sources().withOverrides(flags));
  }

  /** The writer's config (catalog, warehouse) from the same sources. */
  public LakehouseConfig lakehouse() {
    return LakehouseConfig.from(sources());
  }
}
