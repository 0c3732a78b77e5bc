package io.stedi.lakehouse.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * One documented configuration key: its name, type, default and meaning.
 *
 * <p>Keys are dotted and lower case ({@code catalog.type}). The environment variable for a key is
 * {@code STEDI_} followed by the key upper-cased with dots and dashes turned into underscores
 * ({@code STEDI_CATALOG_TYPE}); a leading {@code stedi.} is dropped ({@code stedi.home} is {@code STEDI_HOME}).
 *
 * @param <T> the parsed type
 */
public final class ConfigKey<T> {
  private final String name;
  private final Class<T> type;
  private final String defaultText;
  private final String description;
  private final Function<String, T> parser;

  private ConfigKey(String name, Class<T> type, String defaultText, String description, Function<String, T> parser) {
    this.name = Objects.requireNonNull(name);
    this.type = type;
    this.defaultText = defaultText;
    this.description = description;
    this.parser = parser;
  }

  /** A key whose value is any string; an empty default means "unset". */
  public static ConfigKey<String> string(String name, String defaultText, String description) {
    return new ConfigKey<>(name, String.class, defaultText, description, s -> s);
  }

  /** A key holding a signed 64-bit integer; accepts size suffixes k, m, g (powers of 1024). */
  public static ConfigKey<Long> size(String name, String defaultText, String description) {
    return new ConfigKey<>(name, Long.class, defaultText, description, ConfigKey::parseSize);
  }

  /** A key holding a 32-bit integer. */
  public static ConfigKey<Integer> integer(String name, String defaultText, String description) {
    return new ConfigKey<>(name, Integer.class, defaultText, description, s -> Integer.parseInt(s.trim()));
  }

  /** A key holding {@code true} or {@code false}. */
  public static ConfigKey<Boolean> bool(String name, String defaultText, String description) {
    return new ConfigKey<>(name, Boolean.class, defaultText, description, ConfigKey::parseBool);
  }

  /** A key holding a duration such as {@code 500ms}, {@code 1s}, {@code 5m}, {@code 2h}. */
  public static ConfigKey<java.time.Duration> duration(String name, String defaultText, String description) {
    return new ConfigKey<>(name, java.time.Duration.class, defaultText, description, ConfigKey::parseDuration);
  }

  /** A key holding one constant of an enum, written in lower case. */
  public static <E extends Enum<E>> ConfigKey<E> oneOf(String name, Class<E> type, String defaultText, String description) {
    return new ConfigKey<>(name, type, defaultText, description,
        s -> Enum.valueOf(type, s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
  }

  public String name() {
    return name;
  }

  public Class<T> type() {
    return type;
  }

  /** The default as documented (may reference other keys, e.g. {@code <stedi.home>/warehouse}). */
  public String defaultText() {
    return defaultText;
  }

  public String description() {
    return description;
  }

  /** The environment variable that sets this key. */
  public String envName() {
    String n = name.startsWith("stedi.") ? name.substring("stedi.".length()) : name;
    return "STEDI_" + n.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /**
   * Parses a raw value.
   *
   * @throws IllegalArgumentException naming the key when the text does not parse
   */
  public T parse(String raw) {
    try {
      return parser.apply(raw);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(name + ": cannot parse '" + raw + "' as " + type.getSimpleName()
          + (type.isEnum() ? " (one of " + enumValues() + ")" : ""), e);
    }
  }

  private String enumValues() {
    StringBuilder b = new StringBuilder();
    for (Object c : type.getEnumConstants()) {
      if (b.length() > 0) {
        b.append('|');
      }
      b.append(c.toString().toLowerCase(java.util.Locale.ROOT));
    }
    return b.toString();
  }

  static long parseSize(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    long mult = 1;
    if (t.endsWith("b")) {
      t = t.substring(0, t.length() - 1);
    }
    if (t.endsWith("k")) {
      mult = 1024L;
    } else if (t.endsWith("m")) {
      mult = 1024L * 1024;
    } else if (t.endsWith("g")) {
      mult = 1024L * 1024 * 1024;
    }
    if (mult != 1) {
      t = t.substring(0, t.length() - 1);
    }
    return Math.multiplyExact(Long.parseLong(t.trim()), mult);
  }

  static boolean parseBool(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.equals("true") || t.equals("yes") || t.equals("1")) {
      return true;
    }
    if (t.equals("false") || t.equals("no") || t.equals("0")) {
      return false;
    }
    throw new IllegalArgumentException("not a boolean");
  }

  static java.time.Duration parseDuration(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.endsWith("ms")) {
      return java.time.Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
    }
    if (t.endsWith("us")) {
      return java.time.Duration.ofNanos(Math.multiplyExact(Long.parseLong(t.substring(0, t.length() - 2).trim()), 1000L));
    }
    char unit = t.charAt(t.length() - 1);
    String num = Character.isDigit(unit) ? t : t.substring(0, t.length() - 1).trim();
    long n = Long.parseLong(num);
    switch (unit) {
      case 's':
        return java.time.Duration.ofSeconds(n);
      case 'm':
        return java.time.Duration.ofMinutes(n);
      case 'h':
        return java.time.Duration.ofHours(n);
      case 'd':
        return java.time.Duration.ofDays(n);
      default:
        if (Character.isDigit(unit)) {
          return java.time.Duration.ofMillis(n);
        }
        throw new IllegalArgumentException("unknown unit " + unit);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
