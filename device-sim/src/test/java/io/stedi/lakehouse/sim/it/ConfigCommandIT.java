package io.stedi.lakehouse.sim.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/stedi config}, as a user runs it: every module's keys, any of them settable, secrets masked. */
class ConfigCommandIT {
  private static final String SECRET = "a-curation-secret-of-some-length";

  @TempDir
  Path dir;

  @Test
  void listsAndAcceptsEveryModulesKeys() throws Exception {
    try (StediProcesses p = new StediProcesses(dir, Map.of())) {
      p.run("config", "config", "--home", dir.resolve("home").toString(), "-c", "gateway.http.port=9443",
          "-c", "curation.ml-tolerance=50ms", "-c", "sim.customers=7", "-c", "curation.customer-key-secret=" + SECRET);
      String out = Files.readString(dir.resolve("config.out"));
      assertThat(out).contains("# writer", "# gateway", "# curation", "# sim");
      assertThat(out).containsPattern("(?m)^gateway\\.http\\.port\\s+9443\\s+cli\\s*$")
          .containsPattern("(?m)^curation\\.ml-tolerance\\s+50ms\\s+cli\\s*$")
          .containsPattern("(?m)^sim\\.customers\\s+7\\s+cli\\s*$")
          .containsPattern("(?m)^catalog\\.type\\s+sqlite\\s+default\\s*$")
          .containsPattern("(?m)^curation\\.customer-key-secret\\s+\\*\\*\\*\\*\\s+cli\\s*$");
      assertThat(out + Files.readString(dir.resolve("config.err"))).doesNotContain(SECRET);
    }
  }

  @Test
  void aValueAModuleRefusesIsNamedAndFailsTheCommand() throws Exception {
    try (StediProcesses p = new StediProcesses(dir, Map.of())) {
      Process c = p.start("bad", "config", "--home", dir.resolve("home").toString(), "-c", "curation.ml-tolerance=11s");
      assertThat(c.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(c.exitValue()).isEqualTo(2);
      assertThat(Files.readString(dir.resolve("bad.err"))).contains("curation: curation.ml-tolerance must be between");
    }
  }

  @Test
  void theMarkdownTablesAreTheReadmes() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    try (StediProcesses p = new StediProcesses(dir, Map.of())) {
      for (String module : new String[] {"writer", "gateway", "curation"}) {
        p.run("md-" + module, "config", "--markdown", "--module", module);
        assertThat(readme).as("README table of %s: regenerate with bin/stedi config --markdown --module %s", module,
            module).contains(Files.readString(dir.resolve("md-" + module + ".out")));
      }
    }
  }
}
