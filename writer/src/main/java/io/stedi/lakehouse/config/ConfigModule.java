package io.stedi.lakehouse.config;

import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * One module's config keys, for {@code bin/stedi config}: the writer defines this interface, every module
 * implements it and lists itself in {@code META-INF/services/io.stedi.lakehouse.config.ConfigModule}, so the
 * command shows every module's keys without the writer depending on any of them.
 */
public interface ConfigModule {
  /** The module's name as {@code bin/stedi config --module} takes it: writer, gateway, curation, sim. */
  String name();

  /** Where it comes in the listing (the writer first, then the pipeline's order). */
  int order();

  /** The keys this module owns (the writer's keys are the writer module's only). */
  List<ConfigKey<?>> keys();

  /** Keys whose values are shown masked. */
  Set<ConfigKey<?>> secrets();

  /**
   * Builds the module's config from {@code sources}, so that its validation rules run.
   *
   * @throws IllegalArgumentException naming the key whose value is refused
   */
  void validate(ConfigSources sources);

  /** The modules on the class path, in {@link #order()}. */
  static List<ConfigModule> all() {
    return ServiceLoader.load(ConfigModule.class).stream().map(ServiceLoader.Provider::get)
        .sorted(java.util.Comparator.comparingInt(ConfigModule::order)).toList();
  }

  /** The README's documentation table of {@code keys}: key, environment variable, default, meaning. */
  static String markdownTable(List<ConfigKey<?>> keys) {
    StringBuilder b = new StringBuilder("| key | env | default | meaning |\n|---|---|---|---|\n");
    for (ConfigKey<?> k : keys) {
      b.append("| `").append(k.name()).append("` | `").append(k.envName()).append("` | `").append(k.defaultText())
          .append("` | ").append(k.description()).append(" |\n");
    }
    return b.toString();
  }
}
