package io.stedi.lakehouse.sim.config;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.ConfigModule;
import io.stedi.lakehouse.config.ConfigSources;
import java.util.List;
import java.util.Set;

/** The sim keys for {@code bin/stedi config} (found through {@link java.util.ServiceLoader}). */
public final class SimConfigModule implements ConfigModule {
  @Override
  public String name() {
    return "sim";
  }

  @Override
  public int order() {
    return 3;
  }

  @Override
  public List<ConfigKey<?>> keys() {
    return SimConfig.KEYS;
  }

  @Override
  public Set<ConfigKey<?>> secrets() {
    return Set.of();
  }

  @Override
  public void validate(ConfigSources sources) {
    SimConfig.from(sources);
  }
}
