package io.stedi.lakehouse.sim.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.sim.model.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/stedi} commands as child processes for the tests that run the product as in production: each child's
 * stdout and stderr go to NAME.out and NAME.err in a folder, and {@link #close()} stops whatever is still running.
 */
public final class StediProcesses implements AutoCloseable {
  private static final Path STEDI = Path.of("..", "bin", "stedi");
  private static final Pattern READY = Pattern.compile("gateway ready: mqtt port (\\d+), http port (\\d+)");

  private final Path dir;
  private final Map<String, String> env;
  private final List<Process> children = new ArrayList<>();

  /** Children write their output to {@code dir} and get {@code env} on top of this JVM's environment. */
  public StediProcesses(Path dir, Map<String, String> env) {
    this.dir = dir;
    this.env = env;
  }

  /** The last child started. */
  public Process last() {
    return children.get(children.size() - 1);
  }

  /** Starts {@code bin/stedi gateway} on free ports and returns {mqtt, http} once it is ready. */
  public int[] startGateway(Path home, String name) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(STEDI.toString(), "gateway", "--home", home.toString(), "--mqtt-port", "0",
        "--http-port", "0").redirectError(dir.resolve(name + ".err").toFile());
    pb.environment().putAll(env);
    Process g = pb.start();
    children.add(g);
    BufferedReader out = new BufferedReader(new InputStreamReader(g.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = READY.matcher(line);
      if (m.find()) {
        String first = line;
        // the rest of stdout goes to NAME.out, as it would to a log file (the tests that search an installation for a
        // forgotten customer read it)
        Thread drain = new Thread(() -> {
          try (java.io.Writer log = Files.newBufferedWriter(dir.resolve(name + ".out"))) {
            log.write(first + "\n");
            for (String l; (l = out.readLine()) != null; ) {
              log.write(l + "\n");
              log.flush();
            }
          } catch (IOException e) {
            // the gateway exited
          }
        }, name + "-stdout");
        drain.setDaemon(true);
        drain.start();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
      }
    }
    throw new AssertionError(name + " did not start: " + Files.readString(dir.resolve(name + ".err")));
  }

  /** Starts {@code bin/stedi ARGS}. */
  public Process start(String name, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(STEDI.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve(name + ".out").toFile())
        .redirectError(dir.resolve(name + ".err").toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    children.add(p);
    return p;
  }

  /** Runs {@code bin/stedi ARGS} to the end and asserts it exited 0. */
  public void run(String name, String... args) throws Exception {
    Process p = start(name, args);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("bin/stedi %s: %s", String.join(" ", args),
        Files.readString(dir.resolve(name + ".err"))).isZero();
  }

  /** Runs a command whose stdout is a secret shown once (devices add, tokens create); returns it. */
  public String secret(String name, String... args) throws Exception {
    run(name, args);
    return Files.readString(dir.resolve(name + ".out")).strip();
  }

  /** A customer's Step Trainer and app as the operator enrols them: the device's secret and the app's token. */
  public record Enrolment(String deviceSecret, String appToken) {}

  /** {@code devices add SERIAL --owner EMAIL} and {@code tokens create SERIAL-app --email EMAIL} in {@code home}. */
  public Enrolment enrol(Path home, String email, String serial) throws Exception {
    return new Enrolment(secret("add-" + serial, "devices", "add", serial, "--owner", email, "--home", home.toString()),
        secret("token-" + serial, "tokens", "create", serial + "-app", "--email", email, "--home", home.toString()));
  }

  /** {@link #enrol} for each {@code {email, serial, ...}} row, in order. */
  public List<Enrolment> enrolAll(Path home, String[][] people) throws Exception {
    List<Enrolment> out = new ArrayList<>();
    for (String[] p : people) {
      out.add(enrol(home, p[0], p[1]));
    }
    return out;
  }

  /** Runs {@code statements} in one {@code bin/stedi sql --format json} session; its output lines, parsed. */
  public List<JsonNode> sqlSession(String name, Path home, String... statements) throws Exception {
    Path file = dir.resolve(name + ".sql");
    Files.writeString(file, String.join(";\n", statements) + ";\n");
    run(name, "sql", "--home", home.toString(), "--format", "json", "--file", file.toString());
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve(name + ".out"))) {
      if (!line.isBlank()) {
        out.add(Json.MAPPER.readTree(line));
      }
    }
    return out;
  }

  /** SIGTERM: a gateway commits everything it acknowledged and exits 0. */
  public static void stop(Process p) throws InterruptedException {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
    assertThat(p.exitValue()).as("exit status after SIGTERM").isZero();
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : children) {
      if (p.isAlive()) {
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }
}
