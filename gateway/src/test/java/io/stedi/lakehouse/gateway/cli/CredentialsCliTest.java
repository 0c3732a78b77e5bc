package io.stedi.lakehouse.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.gateway.auth.CredentialStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CredentialsCliTest {
  @TempDir
  Path home;

  private String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = GatewayCli.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    String[] full = new String[args.length + 2];
    System.arraycopy(args, 0, full, 0, args.length);
    full[args.length] = "--home";
    full[args.length + 1] = home.toString();
    int code = cl.execute(full);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @Test
  void deviceSecretIsPrintedOnceAndStoredOnlyAsASaltedHash() throws Exception {
    String[] add = run("devices", "add", "st-1");
    assertThat(add[0]).isEqualTo("0");
    String secret = add[1].strip();
    assertThat(secret).hasSizeGreaterThanOrEqualTo(43);
    assertThat(add[2]).contains("shown only once");
    Path file = home.resolve("gateway/credentials.json");
    assertThat(Files.readString(file)).doesNotContain(secret).contains("\"salt\"").contains("\"hash\"");
    CredentialStore store = new CredentialStore(file);
    assertThat(store.authenticateDevice("st-1", secret)).isTrue();
    assertThat(store.authenticateDevice("st-1", secret + "x")).isFalse();
    assertThat(store.authenticateDevice("st-2", secret)).isFalse();

    String[] list = run("devices", "list");
    assertThat(list[1]).contains("st-1").contains("active").doesNotContain(secret);
    assertThat(run("devices", "revoke", "st-1")[1]).contains("revoked");
    assertThat(new CredentialStore(file).authenticateDevice("st-1", secret)).isFalse();
    assertThat(run("devices", "revoke", "nope")[0]).isEqualTo("1");
    assertThat(run("devices", "add", "bad/serial")[0]).isEqualTo("2");
  }

  @Test
  void tokensAreBoundToAnEmailOrAreServiceTokens() throws Exception {
    String bound = run("tokens", "create", "app-1", "--email", "a@test.com")[1].strip();
    String service = run("tokens", "create", "svc")[1].strip();
    CredentialStore store = new CredentialStore(home.resolve("gateway/credentials.json"));
    assertThat(store.authenticateToken(bound)).get().satisfies(t -> assertThat(t.email()).isEqualTo("a@test.com"));
    assertThat(store.authenticateToken(service)).get().satisfies(t -> assertThat(t.email()).isNull());
    char last = bound.charAt(bound.length() - 1);
    String tampered = bound.substring(0, bound.length() - 1) + (last == 'A' ? 'B' : 'A'); // one character off
    assertThat(store.authenticateToken(tampered)).isEmpty();
    assertThat(store.authenticateToken("garbage")).isEmpty();
    assertThat(Files.readString(home.resolve("gateway/credentials.json"))).doesNotContain(bound.substring(bound.indexOf('.') + 1));
    assertThat(run("tokens", "list")[1]).contains("app-1").contains("a@test.com").contains("(service)");
    assertThat(run("tokens", "revoke", "app-1")[1]).contains("1 token(s) revoked");
    assertThat(new CredentialStore(home.resolve("gateway/credentials.json")).authenticateToken(bound)).isEmpty();
  }

  @Test
  void provisionRegistersAFleetInOneGoAndWritesTheSimulatorsCredentialsFile() throws Exception {
    Path out = home.resolve("creds.json");
    String[] r = run("devices", "provision", "--devices", "3", "--phones", "2", "--prefix", "demo", "--out",
        out.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(Files.getPosixFilePermissions(out)).containsExactlyInAnyOrder(
        java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toFile());
    assertThat(json.get("devices")).hasSize(3);
    assertThat(json.get("tokens")).hasSize(2);
    CredentialStore store = new CredentialStore(home.resolve("gateway/credentials.json"));
    for (var d : json.get("devices")) {
      assertThat(store.authenticateDevice(d.get("serial").asText(), d.get("secret").asText())).isTrue();
    }
    assertThat(json.at("/devices/2/serial").asText()).isEqualTo("demo-st-3");
    var token = store.authenticateToken(json.at("/tokens/1/token").asText());
    assertThat(token).get().satisfies(t -> assertThat(t.email()).isEqualTo("Demo.Customer2@sim.stedi.test")
        .isEqualTo(json.at("/tokens/1/email").asText()));
    assertThat(Files.readString(home.resolve("gateway/credentials.json")))
        .doesNotContain(json.at("/devices/0/secret").asText());
    assertThat(run("devices", "provision", "--devices", "0", "--phones", "0", "--out", out.toString())[0])
        .isEqualTo("2");
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] cmd : new String[][] {{"gateway"}, {"devices"}, {"devices", "add"}, {"devices", "list"},
        {"devices", "revoke"}, {"devices", "provision"}, {"tokens"}, {"tokens", "create"}, {"tokens", "list"}, {"tokens", "revoke"}}) {
      StringWriter out = new StringWriter();
      CommandLine cl = GatewayCli.commandLine();
      cl.setOut(new PrintWriter(out));
      String[] args = java.util.Arrays.copyOf(cmd, cmd.length + 1);
      args[cmd.length] = "--help";
      assertThat(cl.execute(args)).isZero();
      assertThat(out.toString()).startsWith("Usage: stedi " + String.join(" ", cmd));
    }
  }
}
