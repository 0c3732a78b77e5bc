import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Histogram;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;

/**
 * Benchmark 3's probe: one Step Trainer publishes a reading every INTERVAL_MS (QoS 1) and notes when each was
 * acknowledged; a reader polls the landing table through the Iceberg catalog every 50 ms and notes when each
 * reading became visible. Freshness = visible - acknowledged (polling adds up to 50 ms). Background load comes
 * from a simulator run next to it. Run: java -cp 'device-sim/target/lib/*' bench/FreshnessProbe.java MQTT_PORT
 * SERIAL SECRET HOME SECONDS INTERVAL_MS
 */
public class FreshnessProbe {
  public static void main(String[] a) throws Exception {
    int port = Integer.parseInt(a[0]);
    String serial = a[1];
    String secret = a[2];
    String home = a[3];
    int seconds = Integer.parseInt(a[4]);
    int intervalMs = Integer.parseInt(a[5]);
    Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("freshness-probe")
        .serverHost("127.0.0.1").serverPort(port).simpleAuth().username(serial)
        .password(secret.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().buildAsync();
    client.connect().get();
    Map<Long, Long> ackedAt = new ConcurrentHashMap<>();
    Map<Long, Long> seenAt = new ConcurrentHashMap<>();
    LakehouseConfig cfg = LakehouseConfig.from(ConfigSources.defaults().withOverrides(Map.of("stedi.home", home)));
    Catalog catalog = Catalogs.open(cfg);
    TableIdentifier id = TableIdentifier.of("stedi", "step_trainer_landing");
    Thread poller = new Thread(() -> poll(catalog, id, serial, seenAt), "poller");
    poller.setDaemon(true);
    poller.start();
    long end = System.currentTimeMillis() + seconds * 1000L;
    long t = System.currentTimeMillis();
    while (System.currentTimeMillis() < end) {
      long readingTime = t++;
      String json = "{\"sensorReadingTime\":" + readingTime + ",\"serialNumber\":\"" + serial
          + "\",\"distanceFromObject\":200}";
      client.publishWith().topic("stedi/step-trainer/" + serial + "/readings").qos(MqttQos.AT_LEAST_ONCE)
          .payload(json.getBytes(StandardCharsets.UTF_8)).send()
          .thenAccept(r -> ackedAt.put(readingTime, System.currentTimeMillis()));
      Thread.sleep(intervalMs);
    }
    long deadline = System.currentTimeMillis() + 30_000;
    while (seenAt.size() < ackedAt.size() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    Histogram h = new Histogram(3);
    long missing = 0;
    for (Map.Entry<Long, Long> e : ackedAt.entrySet()) {
      Long seen = seenAt.get(e.getKey());
      if (seen == null) {
        missing++;
      } else {
        h.recordValue(Math.max(0, seen - e.getValue()));
      }
    }
    System.out.printf(Locale.ROOT, "RESULT freshness probes=%d not_visible_after_30s=%d p50_ms=%d p90_ms=%d p99_ms=%d max_ms=%d%n",
        ackedAt.size(), missing, h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
        h.getMaxValue());
    client.disconnect().get();
    System.exit(0);
  }

  /**
   * On each new snapshot, reads the probe's rows. The probe's serial sorts after every simulated one, so file
   * statistics prune the other devices' files and a poll stays cheap.
   */
  static void poll(Catalog catalog, TableIdentifier id, String serial, Map<Long, Long> seenAt) {
    long last = -1;
    while (true) {
      try {
        if (catalog.tableExists(id)) {
          Table table = catalog.loadTable(id);
          Snapshot current = table.currentSnapshot();
          if (current != null && current.snapshotId() != last) {
            long now = System.currentTimeMillis();
            try (CloseableIterable<Record> rows = IcebergGenerics.read(table).useSnapshot(current.snapshotId())
                .where(Expressions.equal("serialNumber", serial)).select("sensorReadingTime").build()) {
              for (Record r : rows) {
                seenAt.putIfAbsent((Long) r.getField("sensorReadingTime"), now);
              }
            }
            last = current.snapshotId();
          }
        }
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      } catch (java.io.IOException | RuntimeException e) {
        System.err.println("poll failed (retrying): " + e);
      }
    }
  }
}
