package io.stedi.lakehouse.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.data.Record;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bridge mode against a real broker (Debian's mosquitto, installed by .ci/run): two gateways share one
 * subscription, devices publish to the broker, and every reading lands exactly once.
 */
class MqttBridgeIT {
  private static final String MOSQUITTO = "/usr/sbin/mosquitto";

  @TempDir
  Path tmp;
  Process broker;
  int port;

  @BeforeEach
  void startBroker() throws Exception {
    assumeTrue(new File(MOSQUITTO).canExecute(), "mosquitto is not installed (apt-get install mosquitto)");
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // mosquitto cannot bind port 0 and report it, so pick a free one
    }
    Path conf = tmp.resolve("mosquitto.conf");
    Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n");
    broker = new ProcessBuilder(MOSQUITTO, "-c", conf.toString()).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("mosquitto.log").toFile()).start();
    Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return true;
      }
    });
  }

  @AfterEach
  void stopBroker() {
    if (broker != null) {
      broker.destroy();
    }
  }

  private Map<String, String> bridge(String instance) {
    return Map.of("writer.instance-id", instance, "gateway.mqtt.port", "-1",
        "gateway.bridge.url", "mqtt://127.0.0.1:" + port, "gateway.bridge.client-id", "bridge-" + instance);
  }

  @Test
  void twoGatewaysShareTheLoadAndEveryReadingLandsOnce() throws Exception {
    Path home = tmp.resolve("home");
    try (GatewayFixture a = GatewayFixture.start(home, bridge("gw-a"));
        GatewayFixture b = GatewayFixture.start(home, bridge("gw-b"))) {
      MqttClient device = new MqttClient("tcp://127.0.0.1:" + port, "device-st-1", new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setMaxInflight(100);
      device.connect(o);
      // the shared subscription must exist before publishing (otherwise the broker drops the messages)
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> metric(a, "bridge") && metric(b, "bridge"));
      int n = 200;
      for (int i = 0; i < n; i++) {
        String reading = "{\"sensorReadingTime\":" + (1_700_000_000_000L + i) + ",\"serialNumber\":\"st-1\","
            + "\"distanceFromObject\":" + (i % 300) + "}";
        MqttMessage msg = new MqttMessage(reading.getBytes(StandardCharsets.UTF_8));
        msg.setQos(1);
        device.publish("stedi/step-trainer/st-1/readings", msg);
      }
      MqttMessage bad = new MqttMessage("{\"sensorReadingTime\":1,\"serialNumber\":\"st-2\",\"distanceFromObject\":1}"
          .getBytes(StandardCharsets.UTF_8));
      bad.setQos(1);
      device.publish("stedi/step-trainer/st-1/readings", bad);
      device.disconnect();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
        a.flush();
        b.flush();
        return a.rows(Zone.STEP_TRAINER).size() >= n;
      });
      List<Record> rows = a.rows(Zone.STEP_TRAINER);
      Set<Object> times = new HashSet<>();
      List<String> keys = new ArrayList<>();
      for (Record r : rows) {
        times.add(r.getField("sensorReadingTime"));
        keys.add(r.getField(LandingTables.KEY).toString());
      }
      assertThat(rows).hasSize(n);
      assertThat(times).hasSize(n);
      // both gateways took part
      assertThat(keys).anyMatch(k -> k.startsWith("bridge:gw-a:")).anyMatch(k -> k.startsWith("bridge:gw-b:"));
      assertThat(a.quarantine()).extracting(r -> r.getField("reason_code")).containsExactly("forbidden");
    }
  }

  /** Whether the gateway's metrics show it connected (its gauge exists once the bridge subscribed). */
  private static boolean metric(GatewayFixture f, String protocol) throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    var resp = client.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + f.httpPort() + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    return resp.statusCode() == 200 && resp.body().contains("stedi_bridge_subscribed 1.0");
  }
}
