package io.stedi.lakehouse.sim.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The repository's {@code docker-compose.yml}, read the way Docker Compose reads it for the parts the tests need:
 * anchors and merge keys resolved (SnakeYAML), {@code environment} in map or list form, {@code env_file} as a
 * string, a list or a list of {@code {path}} (a missing file falls back to its committed {@code .example}), and
 * port and volume short syntax. Also reads the README config tables that document every key.
 */
final class ComposeFile {
  /** The repository root (tests run in the device-sim module folder). */
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static final Pattern TABLE_ROW =
      Pattern.compile("^\\|\\s*`([a-z0-9.\\-]+)`\\s*\\|\\s*`(STEDI_[A-Z0-9_]+)`\\s*\\|\\s*`([^`]*)`\\s*\\|", Pattern.MULTILINE);

  /** A key documented in a README config table. */
  record DocumentedKey(String key, String env, String defaultValue) {}

  private final Map<String, Object> doc;

  private ComposeFile(Map<String, Object> doc) {
    this.doc = doc;
  }

  static ComposeFile load() {
    return load(ROOT.resolve("docker-compose.yml"));
  }

  static ComposeFile load(Path file) {
    try (Reader r = Files.newBufferedReader(file)) {
      Map<String, Object> doc = new Yaml().load(r);
      return new ComposeFile(doc);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  Set<String> serviceNames() {
    return map(doc.get("services"), "services").keySet();
  }

  Map<String, Object> service(String name) {
    Object s = map(doc.get("services"), "services").get(name);
    if (s == null) {
      throw new IllegalArgumentException("docker-compose.yml has no service '" + name + "'");
    }
    return map(s, "services." + name);
  }

  Set<String> declaredVolumes() {
    Object v = doc.get("volumes");
    return v == null ? Set.of() : map(v, "volumes").keySet();
  }

  /** {@code command} (or {@code entrypoint}) as a list; a string is split on blanks as Compose does. */
  List<String> list(String service, String field) {
    Object c = service(service).get(field);
    if (c == null) {
      return List.of();
    }
    if (c instanceof String s) {
      return List.of(interpolate(s).trim().split("\\s+"));
    }
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) c) {
      out.add(interpolate(String.valueOf(o)));
    }
    return out;
  }

  /**
   * Compose interpolation as this file uses it: {@code $$} is a literal {@code $} (left for the container's shell).
   * A {@code $VAR} or {@code ${VAR}} would be filled from the host's shell or {@code .env}; the compose file must
   * not depend on those (secrets come from env files), so one is an error.
   */
  static String interpolate(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '$' && i + 1 < s.length() && s.charAt(i + 1) == '$') {
        b.append('$');
        i++;
      } else if (ch == '$' && i + 1 < s.length() && (s.charAt(i + 1) == '{' || Character.isLetter(s.charAt(i + 1)))) {
        throw new IllegalArgumentException("docker-compose.yml interpolates from the host environment: " + s);
      } else {
        b.append(ch);
      }
    }
    return b.toString();
  }

  /** The {@code environment} block (map or {@code KEY=VALUE} list). */
  Map<String, String> environment(String service) {
    Object e = service(service).get("environment");
    Map<String, String> out = new LinkedHashMap<>();
    if (e instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? "" : interpolate(String.valueOf(v))));
    } else if (e instanceof List<?> l) {
      for (Object o : l) {
        String s = String.valueOf(o);
        int eq = s.indexOf('=');
        out.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : interpolate(s.substring(eq + 1)));
      }
    }
    return out;
  }

  /** The env files a service references, as written. */
  List<String> envFiles(String service) {
    Object f = service(service).get("env_file");
    List<String> out = new ArrayList<>();
    if (f instanceof String s) {
      out.add(s);
    } else if (f instanceof List<?> l) {
      for (Object o : l) {
        out.add(o instanceof Map<?, ?> m ? String.valueOf(m.get("path")) : String.valueOf(o));
      }
    }
    return out;
  }

  /** The file an env_file entry names, or its committed {@code .example} when the real one is not there. */
  static Path envFileOrExample(String relative) {
    Path real = ROOT.resolve(relative);
    return Files.isRegularFile(real) ? real : ROOT.resolve(relative + ".example");
  }

  /** What the container sees: env files first, then {@code environment}, which wins (as in Compose). */
  Map<String, String> effectiveEnvironment(String service) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String f : envFiles(service)) {
      out.putAll(readEnvFile(envFileOrExample(f)));
    }
    out.putAll(environment(service));
    return out;
  }

  /** Published ports as {@code [published, target]} pairs (short syntax {@code "H:C"}, {@code "C"}, or long syntax). */
  List<int[]> ports(String service) {
    Object p = service(service).get("ports");
    List<int[]> out = new ArrayList<>();
    if (p == null) {
      return out;
    }
    for (Object o : (List<?>) p) {
      if (o instanceof Map<?, ?> m) {
        int target = Integer.parseInt(String.valueOf(m.get("target")));
        Object pub = m.get("published");
        out.add(new int[] {pub == null ? target : Integer.parseInt(String.valueOf(pub)), target});
      } else {
        String[] parts = String.valueOf(o).replaceAll("/(tcp|udp)$", "").split(":");
        int target = Integer.parseInt(parts[parts.length - 1]);
        int published = parts.length >= 2 ? Integer.parseInt(parts[parts.length - 2]) : target;
        out.add(new int[] {published, target});
      }
    }
    return out;
  }

  /** Volume sources ({@code source:target[:mode]} short syntax or long syntax), as written. */
  List<String[]> volumes(String service) {
    Object v = service(service).get("volumes");
    List<String[]> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    for (Object o : (List<?>) v) {
      if (o instanceof Map<?, ?> m) {
        out.add(new String[] {String.valueOf(m.get("source")), String.valueOf(m.get("target"))});
      } else {
        String[] parts = String.valueOf(o).split(":");
        out.add(parts.length == 1 ? new String[] {null, parts[0]} : new String[] {parts[0], parts[1]});
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o, String where) {
    if (!(o instanceof Map)) {
      throw new IllegalArgumentException("docker-compose.yml: " + where + " is not a mapping");
    }
    return (Map<String, Object>) o;
  }

  /** {@code KEY=VALUE} lines; blank lines and {@code #} comments skipped. */
  static Map<String, String> readEnvFile(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        String t = line.trim();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        int eq = t.indexOf('=');
        if (eq > 0) {
          out.put(t.substring(0, eq).trim(), t.substring(eq + 1).trim());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read env file " + file, e);
    }
    return out;
  }

  static Properties readProperties(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return p;
  }

  /** Every key in the config tables of the README and the module READMEs, by environment variable. */
  static Map<String, DocumentedKey> documentedKeys() {
    Map<String, DocumentedKey> out = new LinkedHashMap<>();
    Set<Path> readmes = new LinkedHashSet<>(List.of(ROOT.resolve("README.md")));
    for (String module : List.of("writer", "curation", "gateway", "device-sim")) {
      if (Files.isRegularFile(ROOT.resolve(module).resolve("README.md"))) {
        readmes.add(ROOT.resolve(module).resolve("README.md"));
      }
    }
    for (Path readme : readmes) {
      String text;
      try {
        text = Files.readString(readme);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + readme, e);
      }
      Matcher m = TABLE_ROW.matcher(text);
      while (m.find()) {
        out.put(m.group(2), new DocumentedKey(m.group(1), m.group(2), m.group(3)));
      }
    }
    return out;
  }
}
