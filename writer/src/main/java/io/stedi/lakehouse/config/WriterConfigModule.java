package io.stedi.lakehouse.config;

import java.util.List;
import java.util.Set;

/** The writer keys for {@code bin/stedi config} (found through {@link java.util.ServiceLoader}). */
public final class WriterConfigModule implements ConfigModule {
  @Override
  public String name() {
    return "writer";
  }

  @Override
  public int order() {
    return 0;
  }

  @Override
  public List<ConfigKey<?>> keys() {
    return LakehouseConfig.KEYS;
  }

  @Override
  public Set<ConfigKey<?>> secrets() {
    return Set.of(LakehouseConfig.SECRETS.toArray(new ConfigKey<?>[0]));
  }

  @Override
  public void validate(ConfigSources sources) {
    LakehouseConfig.from(sources);
  }
}
