package io.stedi.lakehouse.sim.cli;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.model.Json;
import io.stedi.lakehouse.sim.run.Endpoints;
import io.stedi.lakehouse.sim.run.RunSettings;
import io.stedi.lakehouse.sim.run.SimCredentials;
import io.stedi.lakehouse.sim.run.SimRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
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
        "Exit status: 0, or 1 when a device could not connect or nothing at all was acknowledged."},
    footer = {"", "Provision first: bin/stedi devices add SERIAL (prints the secret); "
        + "bin/stedi tokens create NAME --email EMAIL (prints the token). Credentials file:",
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

  @Option(names = "--credentials", required = true, paramLabel = "FILE",
      description = "JSON with devices [{serial, secret}] and tokens [{token, email}].")
  Path credentials;

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
    RunSettings settings = new RunSettings(devices, phones, rate, parseDuration(duration), qos,
        mqtt == null ? null : Endpoints.mqtt(mqtt, tls), http == null ? null : Endpoints.http(http, tls),
        Endpoints.trust(ca, insecure), insecure, SimCredentials.read(credentials), ledger,
        runId != null ? runId : "sim-" + UUID.randomUUID().toString().substring(0, 8), cfg);
    if (insecure) {
      System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
    }
    SimRunner runner = new SimRunner(settings);
    Map<String, Object> r = runner.run();
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
