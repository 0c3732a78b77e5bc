package io.stedi.lakehouse.sim.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sim run's Step Trainers against Debian's mosquitto (any MQTT broker works, not only the gateway): the ledger holds
 * exactly what the broker acknowledged, and a subscriber receives exactly that. The phones (HTTP) are tested
 * against the real gateway in {@code SimEndToEndIT}.
 */
class SimRunnerIT {
  @TempDir
  Path tmp;
  Mosquitto broker;
  Mqtt5AsyncClient subscriber;
  final List<String> received = Collections.synchronizedList(new ArrayList<>());
  SimCredentials creds;

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
    for (int i = 0; i < 8; i++) {
      devices.add(new SimCredentials.Device("st-" + i, "secret-" + i));
    }
    creds = new SimCredentials(devices, List.of());
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
    RunSettings settings = new RunSettings(5, 0, 5, Duration.ofSeconds(3), 1, Endpoints.mqtt(broker.url(), false),
        null, null, false, creds, tmp.resolve("ledger.jsonl"), "t1", SimConfig.defaults(), true);
    Map<String, Object> report = new SimRunner(settings).run();
    @SuppressWarnings("unchecked")
    Map<String, Object> total = (Map<String, Object>) report.get("total");
    assertThat(total.get("failed")).isEqualTo(0L);
    assertThat(total.get("rejected")).isEqualTo(0L);
    assertThat(total.get("unsent")).isEqualTo(0L);
    assertThat((Long) total.get("acknowledged")).isEqualTo((Long) total.get("sent")).isGreaterThan(50L);
    assertThat(report.get("customers_registered")).isEqualTo(0L); // no phones: nobody to register
    List<LedgerEntry> ledger = Ledger.read(tmp.resolve("ledger.jsonl"));
    Map<String, Long> steps = acked(ledger, LedgerEntry.STEP_TRAINER);
    assertThat(steps.values().stream().mapToLong(Long::longValue).sum()).isEqualTo((Long) total.get("acknowledged"));
    // the subscriber's copies trail the PUBACKs a little
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receivedSteps()).isEqualTo(steps));
    @SuppressWarnings("unchecked")
    Map<String, Object> lat = (Map<String, Object>) ((Map<String, Object>) report.get("mqtt")).get("ack_latency_ms");
    assertThat((Long) lat.get("count")).isPositive();
  }

  @Test
  void faultsAreInjectedAndTheLedgerStillMatchesWhatWasAcknowledged() throws Exception {
    StringWriter out = new StringWriter();
    var cl = SimCli.commandLine();
    cl.setOut(new PrintWriter(out));
    int code = cl.execute("sim", "run", "--devices", "6", "--rate", "4", "--duration", "4s",
        "--qos", "1", "--mqtt", broker.url(), "--credentials", tmp.resolve("creds.json").toString(),
        "--ledger", tmp.resolve("ledger.jsonl").toString(), "--report", tmp.resolve("report.json").toString(),
        "--seed", "3", "-c", "sim.fault.malformed-rate=0.1", "-c", "sim.fault.duplicate-rate=0.1",
        "-c", "sim.fault.reconnect-rate=0.5", "-c", "sim.fault.late-rate=0.1", "-c", "sim.fault.late-max=1s",
        "-c", "sim.fault.clock-skew-rate=0.3");
    assertThat(code).as(out.toString()).isZero();
    assertThat(out.toString()).contains("ack latency ms p50", "acknowledged", "throughput", "customers: registered 0");
    JsonNode report = Json.MAPPER.readTree(tmp.resolve("report.json").toFile());
    assertThat(report.at("/total/failed").asLong()).isZero();
    assertThat(report.at("/faults/reconnects").asLong()).isPositive();
    assertThat(report.at("/faults/skewed_clocks").asLong()).isPositive();
    assertThat(report.at("/mqtt/malformed_sent").asLong()).isPositive();
    // mosquitto checks no payloads: it acknowledges the malformed ones too
    assertThat(report.at("/faults/malformed_acknowledged").asLong()).isEqualTo(report.at("/mqtt/malformed_sent").asLong());
    assertThat(report.at("/mqtt/duplicates_acknowledged").asLong()).isEqualTo(report.at("/mqtt/duplicates_sent").asLong())
        .isPositive();
    assertThat(report.at("/mqtt/late").asLong()).isPositive();
    List<LedgerEntry> ledger = Ledger.read(tmp.resolve("ledger.jsonl"));
    Map<String, Long> steps = acked(ledger, LedgerEntry.STEP_TRAINER);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receivedSteps()).isEqualTo(steps));
    assertThat(steps.values()).contains(2L); // MQTT duplicates are published (and acknowledged) twice
  }
}
