package io.stedi.lakehouse.sim.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code sim run --provision HOME}: registers the run's Step Trainers and phone tokens in a gateway home by running
 * the launcher's {@code devices provision} as a child process. The simulator never links the gateway's classes
 * (module rule: it talks to the gateway only over the wire), so it asks the launcher, as a user would.
 */
final class Provisioner {
  /** Environment variable naming the launcher; default: {@code bin/stedi} of the tree this jar was built in. */
  static final String LAUNCHER_ENV = "STEDI_LAUNCHER";

  private Provisioner() {}

  /** {@code $STEDI_LAUNCHER}, else {@code <jar dir>/../../bin/stedi} (also right for {@code target/classes}). */
  static Path launcher() {
    String env = System.getenv(LAUNCHER_ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    try {
      Path code = Path.of(Provisioner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path root = code.toAbsolutePath().getParent().getParent().getParent();
      return root.resolve("bin").resolve("stedi");
    } catch (URISyntaxException | RuntimeException e) {
      throw new IllegalArgumentException("--provision: cannot find bin/stedi next to the simulator's jar; set "
          + LAUNCHER_ENV, e);
    }
  }

  /**
   * Runs {@code <launcher> devices provision --home HOME --devices N --phones M --prefix P --out OUT} and waits
   * for it. Serial k is {@code <prefix>-st-k}; phone k's token belongs to the owner of Step Trainer k.
   */
  static void provision(Path home, int devices, int phones, String prefix, Path out) {
    Path launcher = launcher();
    if (!Files.isExecutable(launcher)) {
      throw new IllegalArgumentException("--provision: launcher " + launcher + " is not an executable file; set "
          + LAUNCHER_ENV);
    }
    List<String> cmd = List.of(launcher.toString(), "devices", "provision", "--home", home.toString(),
        "--devices", Integer.toString(devices), "--phones", Integer.toString(phones), "--prefix", prefix,
        "--out", out.toString());
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
          .start();
      p.getOutputStream().close();
      // read before waiting, so a chatty child never blocks on a full pipe
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("--provision: '" + String.join(" ", cmd) + "' did not finish in 10 minutes");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("--provision: '" + String.join(" ", cmd) + "' exited with "
            + p.exitValue() + ": " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("--provision: cannot run " + launcher + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("--provision: interrupted", e);
    }
  }
}
