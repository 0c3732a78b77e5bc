package io.stedi.lakehouse.sim.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.stedi.lakehouse.sim.cli.SimCli;
import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.model.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sim run against real wire peers: Debian's mosquitto for MQTT (any broker works, not only the gateway) and a
 * stand-in for the gateway's HTTP API. Checks that the ledger holds exactly what the peers acknowledged.
 */
class SimRunnerIT {
  @TempDir
  Path tmp;
  Mosquitto broker;
  Mqtt5AsyncClient subscriber;
  final List<String> received = Collections.synchronizedList(new ArrayList<>());
  SimCredentials creds;
  Map<String, String> tokenEmails = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Files.isExecutable(Mosquitto.BINARY), "mosquitto is not installed");
    broker = new Mosquitto(tmp);
    subscriber = MqttClient.builder().identifier("sim-test-subscriber").serverHost("127.0.0.1").serverPort(broker.port)
        .useMqttVersion5().buildAsync();
    subscriber.connect().get();
    subscriber.subscribeWith().topicFilter("stedi/step-trainer/+/readings").qos(MqttQos.AT_LEAST_ONCE)
        .callback(p -> received.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8))).send().get();
    List<SimCredentials.Device> devices = new ArrayList<>();
    List<SimCredentials.Token> tokens = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      devices.add(new SimCredentials.Device("st-" + i, "secret-" + i));
      tokens.add(new SimCredentials.Token("token-" + i, "Customer.N" + i + "@test.com"));
      tokenEmails.put("token-" + i, "Customer.N" + i + "@test.com");
    }
    creds = new SimCredentials(devices, tokens);
    creds.write(tmp.resolve("creds.json"));
  }

  @AfterEach
  void stop() {
    if (subscriber != null) {
      subscriber.disconnect();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private Map<String, Long> receivedSteps() {
    Map<String, Long> m = new TreeMap<>();
    synchronized (received) {
      for (String p : received) {
        try {
          JsonNode n = Json.MAPPER.readTree(p);
          if (n.path("sensorReadingTime").isIntegralNumber() && n.path("distanceFromObject").isInt()
              && n.get("distanceFromObject").asInt() >= 0 && n.hasNonNull("serialNumber")) {
            m.merge(n.get("serialNumber").asText() + "|" + n.get("sensorReadingTime").asLong() + "|"
                + n.get("distanceFromObject").asInt(), 1L, Long::sum);
          }
        } catch (Exception e) {
          // a malformed payload: not a reading
        }
      }
    }
    return m;
  }

  private static Map<String, Long> acked(List<LedgerEntry> ledger, String zone) {
    return ledger.stream().filter(e -> e.zone().equals(zone) && e.status().equals(LedgerEntry.ACKED))
        .collect(Collectors.groupingBy(LedgerEntry::key, TreeMap::new, Collectors.counting()));
  }

  @Test
  void withoutFaultsEveryReadingIsAcknowledgedOnceAndLedgered() throws Exception {
    try (FakeAccelerometerApi api = new FakeAccelerometerApi(tokenEmails, 0)) {
      RunSettings settings = new RunSettings(5, 5, 5, Duration.ofSeconds(3), 1, Endpoints.mqtt(broker.url(), false),
          Endpoints.http(api.url(), false), null, false, creds, tmp.resolve("ledger.jsonl"), "t1",
          SimConfig.defaults().with(Map.of("sim.http.batch-interval", "300ms")));
      Map<String, Object> report = new SimRunner(settings).run();
      @SuppressWarnings("unchecked")
      Map<String, Object> total = (Map<String, Object>) report.get("total");
      assertThat(total.get("failed")).isEqualTo(0L);
      assertThat(total.get("rejected")).isEqualTo(0L);
      assertThat(total.get("unsent")).isEqualTo(0L);
      assertThat((Long) total.get("acknowledged")).isEqualTo((Long) total.get("sent")).isGreaterThan(150L);
      List<LedgerEntry> ledger = Ledger.read(tmp.resolve("ledger.jsonl"));
      Map<String, Long> steps = acked(ledger, LedgerEntry.STEP_TRAINER);
      assertThat(steps.values().stream().mapToLong(Long::longValue).sum()).isGreaterThan(50);
      Thread.sleep(300); // the subscriber's copies trail the PUBACKs a little
      assertThat(receivedSteps()).isEqualTo(steps);
      Map<String, Long> stored = api.stored.stream().collect(Collectors.groupingBy(k -> k, TreeMap::new,
          Collectors.counting()));
      assertThat(acked(ledger, LedgerEntry.ACCELEROMETER)).isEqualTo(stored);
      // 2 or 3 phone readings per instant, at the Step Trainer's instants (no skew here)
      Map<String, Long> perInstant = ledger.stream().filter(e -> e.zone().equals(LedgerEntry.ACCELEROMETER))
          .collect(Collectors.groupingBy(e -> e.user() + "@" + e.timestamp(), Collectors.counting()));
      assertThat(perInstant.values()).allMatch(n -> n == 2 || n == 3);
      @SuppressWarnings("unchecked")
      Map<String, Object> lat = (Map<String, Object>) ((Map<String, Object>) report.get("mqtt")).get("ack_latency_ms");
      assertThat((Long) lat.get("count")).isPositive();
    }
  }

  @Test
  void faultsAreInjectedAndTheLedgerStillMatchesWhatWasAcknowledged() throws Exception {
    try (FakeAccelerometerApi api = new FakeAccelerometerApi(tokenEmails, 3)) {
      StringWriter out = new StringWriter();
      var cl = SimCli.commandLine();
      cl.setOut(new PrintWriter(out));
      int code = cl.execute("sim", "run", "--devices", "6", "--phones", "8", "--rate", "4", "--duration", "4s",
          "--qos", "1", "--mqtt", broker.url(), "--http", api.url(), "--credentials", tmp.resolve("creds.json").toString(),
          "--ledger", tmp.resolve("ledger.jsonl").toString(), "--report", tmp.resolve("report.json").toString(),
          "--seed", "3", "-c", "sim.fault.malformed-rate=0.1", "-c", "sim.fault.duplicate-rate=0.1",
          "-c", "sim.fault.reconnect-rate=0.5", "-c", "sim.fault.late-rate=0.1", "-c", "sim.fault.late-max=1s",
          "-c", "sim.fault.clock-skew-rate=0.3", "-c", "sim.http.batch-interval=300ms");
      assertThat(code).as(out.toString()).isZero();
      assertThat(out.toString()).contains("ack latency ms p50", "acknowledged", "throughput");
      JsonNode report = Json.MAPPER.readTree(tmp.resolve("report.json").toFile());
      assertThat(report.at("/total/failed").asLong()).isZero();
      assertThat(report.at("/http/retries").asLong()).isPositive();
      assertThat(report.at("/faults/reconnects").asLong()).isPositive();
      assertThat(report.at("/faults/skewed_clocks").asLong()).isPositive();
      assertThat(report.at("/mqtt/malformed_sent").asLong() + report.at("/http/malformed_sent").asLong()).isPositive();
      assertThat(report.at("/http/malformed_rejected").asLong()).isEqualTo(report.at("/http/malformed_sent").asLong());
      assertThat(report.at("/http/duplicates_acknowledged").asLong()).isEqualTo(report.at("/http/duplicates_sent").asLong())
          .isPositive();
      assertThat(report.at("/mqtt/late").asLong() + report.at("/http/late").asLong()).isPositive();
      assertThat(api.refused.get()).isEqualTo(report.at("/http/malformed_sent").asInt());
      List<LedgerEntry> ledger = Ledger.read(tmp.resolve("ledger.jsonl"));
      Map<String, Long> stored = api.stored.stream().collect(Collectors.groupingBy(k -> k, TreeMap::new,
          Collectors.counting()));
      // retries with the same key and deliberate replays stored nothing twice, and nothing acknowledged is missing
      assertThat(acked(ledger, LedgerEntry.ACCELEROMETER)).isEqualTo(stored);
      Thread.sleep(300);
      Map<String, Long> steps = acked(ledger, LedgerEntry.STEP_TRAINER);
      assertThat(receivedSteps()).isEqualTo(steps);
      assertThat(steps.values()).contains(2L); // MQTT duplicates are published (and acknowledged) twice
      Map<String, Long> perInstant = new HashMap<>();
      ledger.stream().filter(e -> e.zone().equals(LedgerEntry.ACCELEROMETER))
          .forEach(e -> perInstant.merge(e.user() + "@" + e.timestamp(), 1L, Long::sum));
      assertThat(perInstant.values()).allMatch(n -> n == 2 || n == 3);
    }
  }
}
