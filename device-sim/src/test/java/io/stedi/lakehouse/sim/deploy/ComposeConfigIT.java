package io.stedi.lakehouse.sim.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.sim.model.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker compose config} (Docker Compose v2, the CLI plugin; no engine needed) validates docker-compose.yml
 * against the Compose Specification, with the profiles on and off, in a copy whose env files are the committed
 * examples (as a user's first step makes them). Its resolved model is then compared with {@link ComposeFile}'s, the
 * reading {@link ComposeFileTest} and {@code ProductionTopologyIT} rely on: the same services, the same environment in
 * each (env files merged, {@code environment} winning, {@code $$} unescaped) and the same published ports.
 */
class ComposeConfigIT {
  @TempDir
  Path copy;

  /** {@code docker compose}, or a standalone Compose v2 binary where the docker CLI is missing. */
  private List<String> compose = List.of("docker", "compose");

  @BeforeEach
  void composeIsInstalled() throws Exception {
    if (run("version").exit != 0) {
      compose = List.of("docker-compose");
    }
    Result version = run("version");
    assumeTrue(version.exit == 0 && version.stdout.matches("(?s).*version v?[2-9].*"),
        "Docker Compose v2 is not installed (.ci/run installs it)");
    Files.copy(ComposeFile.ROOT.resolve("docker-compose.yml"), copy.resolve("docker-compose.yml"));
    try (Stream<Path> files = Files.walk(ComposeFile.ROOT.resolve("deploy"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path to = copy.resolve(ComposeFile.ROOT.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else if (!f.toString().endsWith(".env")) { // a developer's real secrets stay where they are
          Files.copy(f, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    try (Stream<Path> examples = Files.list(copy.resolve("deploy/env"))) {
      for (Path e : examples.filter(p -> p.toString().endsWith(".env.example")).toList()) {
        String name = e.getFileName().toString();
        Files.copy(e, e.resolveSibling(name.substring(0, name.length() - ".example".length())));
      }
    }
  }

  @Test
  void theFileIsValidWithAndWithoutTheSimulatorProfile() throws Exception {
    Result plain = run("config", "--quiet");
    assertThat(plain.exit).as(plain.output).isZero();
    Result sim = run("--profile", "sim", "config", "--quiet");
    assertThat(sim.exit).as(sim.output).isZero();
    assertThat(run("--profile", "sim", "config", "--services").output.lines().toList())
        .containsAll(run("config", "--services").output.lines().toList())
        .hasSizeGreaterThan(run("config", "--services").output.lines().toList().size());
  }

  @Test
  void composeResolvesWhatTheStandInTestsRead() throws Exception {
    Result r = run("--profile", "sim", "config", "--format", "json");
    assertThat(r.exit).as(r.output).isZero();
    JsonNode services = Json.MAPPER.readTree(r.stdout).get("services");
    ComposeFile ours = ComposeFile.load(copy.resolve("docker-compose.yml"));
    TreeSet<String> names = new TreeSet<>();
    services.fieldNames().forEachRemaining(names::add);
    assertThat(names).isEqualTo(new TreeSet<>(ours.serviceNames()));
    for (String s : ours.serviceNames()) {
      Map<String, String> env = new TreeMap<>();
      services.get(s).path("environment").fields()
          .forEachRemaining(e -> env.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
      if (s.equals("gateway")) {
        assertThat(env).containsKeys("STEDI_CATALOG_TYPE", "STEDI_CATALOG_PASSWORD", "STEDI_S3_SECRET_ACCESS_KEY");
      }
      assertThat(env).as("the environment of %s", s).isEqualTo(new TreeMap<>(effectiveEnvironment(ours, s)));
      List<String> ports = new ArrayList<>();
      services.get(s).path("ports").forEach(p -> ports.add(p.path("published").asText() + ":" + p.path("target").asInt()));
      List<String> ourPorts = ours.ports(s).stream().map(p -> p[0] + ":" + p[1]).toList();
      assertThat(ports).as("the published ports of %s", s).containsExactlyInAnyOrderElementsOf(ourPorts);
    }
  }

  @Test
  void aMistakeInTheFileIsCaught() throws Exception {
    Path file = copy.resolve("docker-compose.yml");
    String original = Files.readString(file);
    // a misspelt key in one service: the Compose Specification allows no unknown service attributes
    Files.writeString(file, original.replaceFirst("\n  gateway:\n", "\n  gateway:\n    restart_polcy: always\n"));
    Result r = run("config", "--quiet");
    assertThat(r.exit).isNotZero();
    assertThat(r.output).contains("restart_polcy");
  }

  /** ComposeFile's merge, reading the env files of the copy (the examples), not the checkout's. */
  private Map<String, String> effectiveEnvironment(ComposeFile ours, String service) {
    Map<String, String> out = new TreeMap<>();
    for (String f : ours.envFiles(service)) {
      out.putAll(ComposeFile.readEnvFile(copy.resolve(f)));
    }
    out.putAll(ours.environment(service));
    return out;
  }

  private record Result(int exit, String stdout, String output) {}

  private Result run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(compose);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(copy.toFile());
    // compose would fill ${VAR} from this shell: give it none of the caller's variables beyond what it needs
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME"));
    Path err = Files.createTempFile(copy, "compose", ".err");
    pb.redirectError(err.toFile());
    Process p;
    try {
      p = pb.start();
    } catch (java.io.IOException e) {
      return new Result(127, "", e.toString());
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out, out + Files.readString(err));
  }
}
