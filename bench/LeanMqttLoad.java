import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * A lean MQTT QoS 1 load client for comparing servers, not a simulator: C connections, each keeping a fixed window
 * of W publishes in flight (a permit per PUBACK), one ~90-byte Step Trainer reading per message, no ledger and no
 * per-message bookkeeping beyond one HdrHistogram record. Every reading is distinct, within a run and from earlier
 * runs (the time counts up per connection from a wall-clock start), so a server that deduplicates by content stores
 * them all. The messages are built before the measurement starts ({@code -Dlean.messages} in all, never reused: a
 * connection that runs out stops with an error), so the client spends its CPU on the protocol, not on formatting
 * payloads. {@code -Dlean.rate=N} caps the offered load at N msgs/s in all.
 *
 * <p>Usage: {@code java -cp 'device-sim/target/lib/*' bench/LeanMqttLoad.java HOST PORT CONNECTIONS WINDOW SECONDS
 * [CREDENTIALS.json]}. With a credentials file (from {@code bin/stedi devices provision}) connection i logs in as
 * device i and publishes to its own topic; without, it connects anonymously (mosquitto). Prints one line:
 * {@code RESULT acked=N seconds=S rate=R p50_ms=.. p99_ms=.. max_ms=..}; the first 3 s are a warm-up, not counted.
 */
public final class LeanMqttLoad {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    int connections = Integer.parseInt(args[2]);
    int window = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    int perConnection = Integer.getInteger("lean.messages", 8_000_000) / connections;
    List<String[]> creds = new ArrayList<>();
    if (args.length > 5) {
      JsonNode root = new ObjectMapper().readTree(Path.of(args[5]).toFile());
      for (JsonNode d : root.get("devices")) {
        creds.add(new String[] {d.get("serial").asText(), d.get("secret").asText()});
      }
      if (creds.size() < connections) {
        throw new IllegalArgumentException(connections + " connections need as many devices; the file has " + creds.size());
      }
    }
    // Timestamps no earlier run used (as in RawMqttLoad): the writer dedups identical readings by content, so a
    // second run that resent the first run's readings would measure the duplicate path (acknowledged without a
    // write). Every connection publishes as a different serial, so they may share timestamps.
    long firstTime = 1_000_000_000_000L + (System.currentTimeMillis() - 1_764_547_200_000L) * 50;
    // -Dlean.rate=N caps the offered load at N msgs/s in all: each connection sends at N / connections per second
    long rate = Long.getLong("lean.rate", 0);
    long intervalNanos = rate == 0 ? 0 : 1_000_000_000L * connections / rate;
    AtomicLong acked = new AtomicLong();
    AtomicBoolean counting = new AtomicBoolean();
    AtomicBoolean running = new AtomicBoolean(true);
    Recorder latency = new Recorder(3_600_000_000L, 3);
    List<Thread> threads = new ArrayList<>();
    List<Mqtt3AsyncClient> clients = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      String serial = creds.isEmpty() ? "lean-" + c : creds.get(c)[0];
      var b = MqttClient.builder().useMqttVersion3().identifier("lean-" + c).serverHost(host).serverPort(port);
      Mqtt3AsyncClient client = b.buildAsync();
      var connect = client.connectWith().cleanSession(true).keepAlive(60);
      if (!creds.isEmpty()) {
        connect = connect.simpleAuth().username(serial).password(creds.get(c)[1].getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth();
      }
      connect.send().get(30, TimeUnit.SECONDS);
      clients.add(client);
      String topic = "stedi/step-trainer/" + serial + "/readings";
      Mqtt3Publish[] messages = new Mqtt3Publish[perConnection];
      for (int i = 0; i < perConnection; i++) {
        long time = firstTime + i;
        messages[i] = Mqtt3Publish.builder().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
            .payload(("{\"sensorReadingTime\":" + time + ",\"serialNumber\":\"" + serial
                + "\",\"distanceFromObject\":" + (time % 400) + "}").getBytes(StandardCharsets.UTF_8)).build();
      }
      Thread t = new Thread(() -> {
        Semaphore inFlight = new Semaphore(window);
        int next = 0;
        long due = System.nanoTime();
        while (running.get()) {
          if (intervalNanos > 0) {
            // at most 10 ms of sends owed (as RawMqttLoad's budget): a slow spell, such as the server's JIT
            // warm-up, must not be made up later as a burst that turns a fixed-rate run into a full-speed one
            due = Math.max(due, System.nanoTime() - 10_000_000L) + intervalNanos;
            java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
          }
          try {
            if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
              continue;
            }
          } catch (InterruptedException e) {
            return;
          }
          if (next == messages.length) {
            // every message of this connection was sent once: resending would measure the duplicate path
            throw new IllegalStateException("lean-" + serial + ": all " + messages.length
                + " messages sent; raise -Dlean.messages");
          }
          Mqtt3Publish m = messages[next++];
          long start = System.nanoTime();
          client.publish(m).whenComplete((r, err) -> {
            inFlight.release();
            if (err == null && counting.get()) {
              acked.incrementAndGet();
              latency.recordValue((System.nanoTime() - start) / 1000);
            }
          });
        }
      }, "lean-" + c);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    Thread.sleep(3_000); // warm-up
    latency.reset();
    counting.set(true);
    long t0 = System.nanoTime();
    System.out.println("MEASURE_START");
    System.out.flush();
    // -Dlean.timeline=true prints each second's p99 and max (to stderr), to line latency spikes up with the
    // server's own timeline (commit cycles, GC); the RESULT line still covers the whole interval
    org.HdrHistogram.Histogram total = new org.HdrHistogram.Histogram(3_600_000_000L, 3);
    boolean timeline = Boolean.getBoolean("lean.timeline");
    for (int s = 0; s < seconds; s++) {
      Thread.sleep(1000L);
      var second = latency.getIntervalHistogram();
      total.add(second);
      if (timeline) {
        System.err.printf("SECOND %d acked=%d p99_ms=%.2f max_ms=%.2f%n", s, second.getTotalCount(),
            second.getValueAtPercentile(99) / 1000.0, second.getMaxValue() / 1000.0);
      }
    }
    counting.set(false);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    System.out.println("MEASURE_END");
    System.out.flush();
    running.set(false);
    long n = acked.get();
    total.add(latency.getIntervalHistogram()); // the last moments before counting stopped
    var h = total;
    System.out.printf("RESULT acked=%d seconds=%.2f rate=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f%n", n, elapsed,
        n / elapsed, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
        h.getMaxValue() / 1000.0);
    for (Thread t : threads) {
      t.join(5_000);
    }
    for (Mqtt3AsyncClient c : clients) {
      c.disconnect();
    }
    System.exit(0);
  }
}
