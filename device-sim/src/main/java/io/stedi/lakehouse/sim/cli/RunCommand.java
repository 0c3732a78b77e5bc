package io.stedi.lakehouse.sim.cli;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.model.Json;
import io.stedi.lakehouse.sim.run.Endpoints;
import io.stedi.lakehouse.sim.run.RunSettings;
import io.stedi.lakehouse.sim.run.SimCredentials;
import io.stedi.lakehouse.sim.run.SimRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stedi sim run}: live traffic against a gateway (or any MQTT broker / HTTP endpoint). */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run simulated Step Trainers (MQTT, one reading per message to stedi/step-trainer/{serial}/readings; "
        + "user = serial, password = secret) and phones (POST /v1/accelerometer in batches, Authorization: Bearer, "
        + "an Idempotency-Key per batch, retried with the same key on 503, 429 and timeouts).",
        "Phone k takes 2 or 3 readings at each instant Step Trainer k takes one. Every acknowledged reading "
            + "(PUBACK success, HTTP 202) goes to the ledger (also failed, rejected and QoS 0 ones, marked so); "
            + "check it with 'bin/stedi sim verify LEDGER'. Faults: -c sim.fault.<kind>-rate=R (see SimConfig).",
        "Before readings start, each phone registers its customer (POST /v1/customers with its token: the token's "
            + "email, the serial of Step Trainer k for phone k, now as registration date, about half sharing for "
            + "research); --no-register skips it. Registrations are counted in the report, not in the ledger.",
        "Exit status: 0, or 1 when a device could not connect or nothing at all was acknowledged."},
    footer = {"", "Credentials: --provision HOME runs 'bin/stedi devices provision' for this run, or give a file "
        + "(bin/stedi devices provision --devices N --phones M --prefix P --out creds.json writes one):",
        "  {\"devices\":[{\"serial\":\"st-1\",\"secret\":\"...\"}],\"tokens\":[{\"token\":\"...\",\"email\":\"a@b.com\"}]}",
        "Example: bin/stedi sim run --devices 20 --phones 20 --rate 2 --duration 30s --mqtt mqtt://127.0.0.1:1883 "
            + "--http http://127.0.0.1:8080 --credentials creds.json --ledger ledger.jsonl --report report.json"})
final class RunCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;
  @Mixin
  SimOptions options;

  @Option(names = "--devices", paramLabel = "N", defaultValue = "0",
      description = "Step Trainers: the first N devices of the credentials file (default ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--phones", paramLabel = "M", defaultValue = "0",
      description = "Phones: the first M tokens of the credentials file (default ${DEFAULT-VALUE}).")
  int phones;

  @Option(names = "--rate", paramLabel = "R", defaultValue = "1",
      description = "Step Trainer readings per second per device (decimal; default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--duration", paramLabel = "D", defaultValue = "10s",
      description = "How long to produce readings: 500ms, 30s, 5m, 1h (default ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--qos", paramLabel = "0|1", defaultValue = "1", description = "MQTT QoS (default ${DEFAULT-VALUE}).")
  int qos;

  @Option(names = "--mqtt", paramLabel = "URL", description = "MQTT server: mqtt://host:1883 or mqtts://host:8883.")
  String mqtt;

  @Option(names = "--http", paramLabel = "URL", description = "Gateway HTTP base URL: http://host:8080 or https://...")
  String http;

  @Option(names = "--tls", description = "Use TLS for MQTT and HTTP whatever the URL schemes say.")
  boolean tls;

  @Option(names = "--ca", paramLabel = "FILE", description = "PEM CA certificate(s) to trust (default: the JDK's).")
  Path ca;

  @Option(names = "--insecure", description = "Trust any TLS certificate and host name (self-signed test servers only).")
  boolean insecure;

  @Option(names = "--credentials", paramLabel = "FILE",
      description = "JSON with devices [{serial, secret}] and tokens [{token, email}] (or use --provision).")
  Path credentials;

  @Option(names = "--provision", paramLabel = "HOME",
      description = "Without --credentials: register the run's devices and tokens in the gateway home HOME first, "
          + "with '$STEDI_LAUNCHER devices provision' (default launcher: bin/stedi next to this jar's tree).")
  Path provisionHome;

  @Option(names = "--prefix", paramLabel = "P", defaultValue = "sim",
      description = "With --provision: serials <p>-st-k, emails <P>.Customer<k>@sim.stedi.test, [A-Za-z0-9]{1,32} "
          + "(default ${DEFAULT-VALUE}).")
  String prefix;

  @Option(names = "--no-register",
      description = "Do not register the phones' customers (POST /v1/customers) before readings start.")
  boolean noRegister;

  @Option(names = "--ledger", required = true, paramLabel = "FILE", description = "Ledger to write (JSON lines).")
  Path ledger;

  @Option(names = "--report", paramLabel = "FILE", description = "Also write the report as JSON here.")
  Path report;

  @Option(names = "--run-id", paramLabel = "ID",
      description = "Prefix of Idempotency-Keys (default: random, so two runs never share a key).")
  String runId;

  @Option(names = "--seed", paramLabel = "S", description = "Random seed (sim.seed): readings and faults.")
  Long seed;

  @Override
  public Integer call() {
    Map<String, String> flags = new LinkedHashMap<>();
    if (seed != null) {
      flags.put(SimConfig.SEED.name(), seed.toString());
    }
    SimConfig cfg = options.sim(flags);
    Duration d = parseDuration(duration);
    Endpoints.MqttAddress mqttAddress = mqtt == null ? null : Endpoints.mqtt(mqtt, tls);
    URI httpBase = http == null ? null : Endpoints.http(http, tls);
    Path provisioned = provisionIfAsked();
    Map<String, Object> r;
    SimRunner runner;
    try {
      SimCredentials creds = SimCredentials.read(provisioned != null ? provisioned : credentials);
      RunSettings settings = new RunSettings(devices, phones, rate, d, qos, mqttAddress, httpBase,
          Endpoints.trust(ca, insecure), insecure, creds, ledger,
          runId != null ? runId : "sim-" + UUID.randomUUID().toString().substring(0, 8), cfg, !noRegister);
      if (insecure) {
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
      }
      runner = new SimRunner(settings);
      r = runner.run();
    } finally {
      if (provisioned != null) {
        deleteQuietly(provisioned); // the secrets were for this run only
      }
    }
    spec.commandLine().getOut().println(SimRunner.describe(r));
    spec.commandLine().getOut().flush();
    if (report != null) {
      try {
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(report.toFile(), r);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write --report " + report + ": " + e.getMessage(), e);
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> total = (Map<String, Object>) r.get("total");
    boolean nothingAcked = (Long) total.get("sent") > 0 && (Long) total.get("acknowledged") == 0 && qos == 1;
    return runner.connectFailures() > 0 || nothingAcked ? 1 : 0;
  }

  /** With --provision: a temporary credentials file that {@code devices provision} filled; else null. */
  private Path provisionIfAsked() {
    if ((credentials == null) == (provisionHome == null)) {
      throw new IllegalArgumentException("give either --credentials FILE or --provision HOME (exactly one)");
    }
    if (provisionHome == null) {
      return null;
    }
    if (!prefix.matches("[A-Za-z0-9]{1,32}")) {
      throw new IllegalArgumentException("--prefix '" + prefix + "' must be 1..32 of [A-Za-z0-9]");
    }
    if (devices < 0 || phones < 0 || devices + phones == 0) {
      throw new IllegalArgumentException("--devices and --phones must not be negative, and one must be positive");
    }
    Path tmp;
    try {
      tmp = Files.createTempFile("stedi-sim-creds-", ".json",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (IOException e) {
      throw new UncheckedIOException("--provision: cannot create a temporary credentials file: " + e.getMessage(), e);
    }
    tmp.toFile().deleteOnExit(); // also when the run is stopped with Ctrl-C
    try {
      Provisioner.provision(provisionHome, devices, phones, prefix, tmp);
    } catch (RuntimeException e) {
      deleteQuietly(tmp);
      throw e;
    }
    return tmp;
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a temporary file in the temp dir: nothing to do about it
    }
  }

  /** 500ms, 30s, 5m, 1h, or plain seconds. */
  static Duration parseDuration(String d) {
    String t = d.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      char u = t.charAt(t.length() - 1);
      String n = Character.isDigit(u) ? t : t.substring(0, t.length() - 1);
      double v = Double.parseDouble(n);
      double seconds = u == 'm' ? v * 60 : u == 'h' ? v * 3600 : v;
      if (!Character.isDigit(u) && u != 's' && u != 'm' && u != 'h') {
        throw new NumberFormatException();
      }
      return Duration.ofMillis(Math.round(seconds * 1000));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--duration '" + d + "' is not a duration like 500ms, 30s, 5m or 1h");
    }
  }
}
