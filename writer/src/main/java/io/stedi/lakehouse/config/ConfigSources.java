package io.stedi.lakehouse.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Layers raw key/value text in the documented order: CLI flags, then the environment ({@code STEDI_*}),
 * then a config file, then defaults. Immutable once built.
 */
public final class ConfigSources {
  /** Key prefixes that belong to the product's modules; a config file may hold all of them. */
  public static final java.util.List<String> OTHER_MODULES = java.util.List.of("gateway.", "curation.", "sim.",
      "maintain.");

  /** Environment variable naming a properties file to read. */
  public static final String CONFIG_FILE_ENV = "STEDI_CONFIG";

  private final Map<String, String> cli;
  private final Map<String, String> env;
  private final Map<String, String> file;
  private final Path configFile;

  private ConfigSources(Map<String, String> cli, Map<String, String> env, Map<String, String> file, Path configFile) {
    this.cli = Map.copyOf(cli);
    this.env = Map.copyOf(env);
    this.file = Map.copyOf(file);
    this.configFile = configFile;
  }

  /**
   * Builds the layers.
   *
   * @param cli values given on the command line, by key name
   * @param environment the process environment (pass {@code System.getenv()})
   * @param configFile a properties file, or null to use {@code STEDI_CONFIG} if set
   * @param keys every key that may be read, so that environment names can be mapped back
   */
  public static ConfigSources of(Map<String, String> cli, Map<String, String> environment, Path configFile,
      Collection<? extends ConfigKey<?>> keys) {
    Map<String, String> env = new HashMap<>();
    for (ConfigKey<?> k : keys) {
      String v = environment.get(k.envName());
      if (v != null) {
        env.put(k.name(), v);
      }
    }
    Path file = configFile;
    if (file == null && environment.get(CONFIG_FILE_ENV) != null && !environment.get(CONFIG_FILE_ENV).isBlank()) {
      file = Path.of(environment.get(CONFIG_FILE_ENV));
    }
    Map<String, String> fromFile = file == null ? Map.of() : readProperties(file);
    for (String name : cli.keySet()) {
      requireKnown(name, keys, "command line");
    }
    for (String name : fromFile.keySet()) {
      // One file may configure every module; keys of the other modules are theirs to check.
      boolean othersKey = OTHER_MODULES.stream()
          .anyMatch(p -> name.startsWith(p) && keys.stream().noneMatch(k -> k.name().startsWith(p)));
      if (!othersKey) {
        requireKnown(name, keys, "config file " + file);
      }
    }
    return new ConfigSources(cli, env, fromFile, file);
  }

  /** Only defaults; convenient in tests. */
  public static ConfigSources defaults() {
    return new ConfigSources(Map.of(), Map.of(), Map.of(), null);
  }

  /** A copy with extra command-line values that win over the existing ones. */
  public ConfigSources withOverrides(Map<String, String> overrides) {
    Map<String, String> merged = new HashMap<>(cli);
    merged.putAll(overrides);
    return new ConfigSources(merged, env, file, configFile);
  }

  /** The raw value for a key in precedence order, or null when only the default applies. */
  public String raw(String key) {
    if (cli.containsKey(key)) {
      return cli.get(key);
    }
    if (env.containsKey(key)) {
      return env.get(key);
    }
    return file.get(key);
  }

  /** The typed value of every key: the raw value in precedence order, or its default. */
  public Map<ConfigKey<?>, Object> resolve(Collection<? extends ConfigKey<?>> keys) {
    Map<ConfigKey<?>, Object> values = new java.util.LinkedHashMap<>();
    for (ConfigKey<?> k : keys) {
      String raw = raw(k.name());
      values.put(k, k.parse(raw == null ? k.defaultText() : raw));
    }
    return values;
  }

  /** Where a key's value comes from: cli, env, file or default. */
  public String origin(String key) {
    if (cli.containsKey(key)) {
      return "cli";
    }
    if (env.containsKey(key)) {
      return "env";
    }
    return file.containsKey(key) ? "file" : "default";
  }

  private static void requireKnown(String name, Collection<? extends ConfigKey<?>> keys, String where) {
    for (ConfigKey<?> k : keys) {
      if (k.name().equals(name)) {
        return;
      }
    }
    throw new IllegalArgumentException("unknown config key '" + name + "' in " + where
        + " (run 'bin/stedi config' to list the keys)");
  }

  private static Map<String, String> readProperties(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> m = new HashMap<>();
    for (String n : p.stringPropertyNames()) {
      m.put(n.trim(), p.getProperty(n).trim());
    }
    return m;
  }
}
