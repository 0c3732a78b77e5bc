package io.stedi.lakehouse.sim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.sim.generate.LandingFiles;
import io.stedi.lakehouse.sim.run.Endpoints;
import io.stedi.lakehouse.sim.run.SimCredentials;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimCliTest {
  @TempDir
  Path tmp;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = SimCli.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void everyCommandHasHelp() {
    for (List<String> cmd : List.of(List.of("sim"), List.of("sim", "generate"), List.of("sim", "run"),
        List.of("sim", "verify"))) {
      String[] args = new java.util.ArrayList<String>(cmd) {{ add("--help"); }}.toArray(new String[0]);
      Result r = run(args);
      assertThat(r.code()).isZero();
      assertThat(r.out()).startsWith("Usage: stedi " + String.join(" ", cmd));
    }
    assertThat(run("sim").out()).contains("generate", "run", "verify");
    assertThat(run("sim", "--config-table").out()).startsWith("| key | env | default | meaning |")
        .contains("`sim.fault.reconnect-rate`");
  }

  @Test
  void generateWritesTheThreeZonesDeterministically() throws Exception {
    Result a = run("sim", "generate", "--out", tmp.resolve("a").toString(), "--customers", "30", "--seed", "4");
    Result b = run("sim", "generate", "--out", tmp.resolve("b").toString(), "--customers", "30", "--seed", "4");
    assertThat(a.code()).as(a.err()).isZero();
    assertThat(b.code()).isZero();
    assertThat(a.out()).contains("customers 30", "step_trainer readings", "accelerometer readings");
    for (String f : List.of(LandingFiles.CUSTOMER_FILE, LandingFiles.ACCELEROMETER_FILE, LandingFiles.STEP_TRAINER_FILE)) {
      assertThat(Files.readAllBytes(tmp.resolve("a").resolve(f))).isEqualTo(Files.readAllBytes(tmp.resolve("b").resolve(f)));
    }
  }

  @Test
  void badConfigIsReportedNamingTheKey() {
    Result r = run("sim", "generate", "--out", tmp.toString(), "-c", "sim.research-share=2");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("sim.research-share");
    Result unknown = run("sim", "generate", "--out", tmp.toString(), "-c", "sim.no-such-key=1");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown config key 'sim.no-such-key'");
  }

  @Test
  void runChecksItsArgumentsBeforeConnecting() throws Exception {
    Path creds = tmp.resolve("c.json");
    new SimCredentials(List.of(new SimCredentials.Device("st-1", "s")), List.of()).write(creds);
    Result r = run("sim", "run", "--devices", "2", "--mqtt", "mqtt://127.0.0.1:1", "--credentials", creds.toString(),
        "--ledger", tmp.resolve("l.jsonl").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--devices 2 but the credentials file has only 1 devices");
    Files.writeString(creds, "{\"devices\":[{\"serial\":\"st-1\"}]}");
    assertThat(run("sim", "run", "--devices", "1", "--mqtt", "x:1", "--credentials", creds.toString(), "--ledger",
        tmp.resolve("l.jsonl").toString()).err()).contains("devices[0] needs serial and secret");
    // credentials come from exactly one of --credentials and --provision; --prefix is checked before provisioning
    String ledger = tmp.resolve("l.jsonl").toString();
    assertThat(run("sim", "run", "--devices", "1", "--mqtt", "x:1", "--ledger", ledger).err())
        .contains("either --credentials FILE or --provision HOME");
    assertThat(run("sim", "run", "--devices", "1", "--mqtt", "x:1", "--ledger", ledger, "--credentials",
        creds.toString(), "--provision", tmp.toString()).err()).contains("either --credentials FILE or --provision HOME");
    Result prefix = run("sim", "run", "--devices", "1", "--mqtt", "x:1", "--ledger", ledger, "--provision",
        tmp.toString(), "--prefix", "no-dash");
    assertThat(prefix.code()).isEqualTo(2);
    assertThat(prefix.err()).contains("--prefix 'no-dash'");
  }

  @Test
  void runHelpNamesTheNewOptions() {
    assertThat(run("sim", "run", "--help").out()).contains("--provision", "--prefix", "--no-register",
        "POST /v1/customers");
  }

  @Test
  void urlsAndDurationsParse() {
    assertThat(Endpoints.mqtt("mqtt://h:1884", false)).isEqualTo(new Endpoints.MqttAddress("h", 1884, false));
    assertThat(Endpoints.mqtt("mqtts://h", false)).isEqualTo(new Endpoints.MqttAddress("h", 8883, true));
    assertThat(Endpoints.mqtt("h:1883", true).tls()).isTrue();
    assertThat(Endpoints.http("http://h:8080/", true).toString()).isEqualTo("https://h:8080");
    assertThatThrownBy(() -> Endpoints.mqtt("ftp://h", false)).hasMessageStartingWith("--mqtt");
    assertThatThrownBy(() -> Endpoints.http("h:8080", false)).hasMessageStartingWith("--http");
    assertThat(RunCommand.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(RunCommand.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(RunCommand.parseDuration("1.5m")).isEqualTo(Duration.ofSeconds(90));
    assertThat(RunCommand.parseDuration("2")).isEqualTo(Duration.ofSeconds(2));
    assertThatThrownBy(() -> RunCommand.parseDuration("soon")).hasMessageStartingWith("--duration");
  }
}
