package io.stedi.lakehouse.curation.config;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.ConfigModule;
import io.stedi.lakehouse.config.ConfigSources;
import java.util.List;
import java.util.Set;

/** The curation keys for {@code bin/stedi config} (found through {@link java.util.ServiceLoader}). */
public final class CurationConfigModule implements ConfigModule {
  @Override
  public String name() {
    return "curation";
  }

  @Override
  public int order() {
    return 2;
  }

  @Override
  public List<ConfigKey<?>> keys() {
    return CurationConfig.KEYS;
  }

  @Override
  public Set<ConfigKey<?>> secrets() {
    return Set.of(CurationConfig.CUSTOMER_KEY_SECRET);
  }

  @Override
  public void validate(ConfigSources sources) {
    CurationConfig.from(sources);
  }
}
