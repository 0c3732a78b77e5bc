package io.stedi.lakehouse.gateway.config;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.ConfigModule;
import io.stedi.lakehouse.config.ConfigSources;
import java.util.List;
import java.util.Set;

/** The gateway keys for {@code bin/stedi config} (found through {@link java.util.ServiceLoader}). */
public final class GatewayConfigModule implements ConfigModule {
  @Override
  public String name() {
    return "gateway";
  }

  @Override
  public int order() {
    return 1;
  }

  @Override
  public List<ConfigKey<?>> keys() {
    return GatewayConfig.KEYS;
  }

  @Override
  public Set<ConfigKey<?>> secrets() {
    return Set.of(GatewayConfig.BRIDGE_PASSWORD);
  }

  @Override
  public void validate(ConfigSources sources) {
    GatewayConfig.from(sources);
  }
}
