package io.stedi.lakehouse.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway in a child JVM, SIGKILLed at random moments (one of them during start-up, while it replays its
 * write-ahead log) under MQTT QoS 1 and HTTP load, restarted on the same home each time; clients reconnect and
 * resend what was not acknowledged (HTTP: the same batch with the same Idempotency-Key; MQTT: the same readings
 * in new messages). Finally SIGTERM: exit code 0. Then the landing tables must hold every acknowledged reading
 * exactly once, over both protocols: an MQTT reading resent after a kill cut its PUBACK lands once (the writer's
 * content dedup window), as does an HTTP batch retried with its Idempotency-Key. Reproduce a run with
 * -Dstedi.crash.seed=...
 */
class GatewayCrashIT {
  private static final int KILLS = Integer.getInteger("stedi.crash.kills", 5);
  private static final String SERIAL = "st-crash";
  private static final String USER = "crash@test.com";
  private static final long T0 = 1_655_564_444_103L;

  @TempDir
  Path home;

  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    children.forEach(Process::destroyForcibly); // only after a failed assertion is one still running
  }

  @Test
  void sigkillAtRandomMomentsLosesNoAcknowledgedReading() throws Exception {
    long seed = Long.getLong("stedi.crash.seed", System.nanoTime());
    Random rnd = new Random(seed);
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, Map.of()).credentialsFile());
    MqttLoad mqtt = new MqttLoad(creds.addDevice(SERIAL));
    HttpLoad http = new HttpLoad(creds.createToken("crash-app", null));
    int earlyKill = 1 + rnd.nextInt(KILLS); // this epoch's kill may land before the gateway is ready
    List<String> log = new ArrayList<>();

    for (int epoch = 1; epoch <= KILLS; epoch++) {
      Child child = new Child(home, epoch);
      children.add(child.process);
      long killAt;
      if (epoch == earlyKill) {
        killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300 + rnd.nextInt(3000));
        Awaitility.await("child " + epoch + " ready or kill time").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(10)).until(() -> child.ready() || System.nanoTime() >= killAt);
      } else {
        Awaitility.await("child " + epoch + " ready").atMost(Duration.ofSeconds(60)).until(child::ready);
        killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300 + rnd.nextInt(1700));
      }
      if (child.ready()) {
        mqtt.start(child.mqttPort());
        http.start(child.httpPort());
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
          .until(() -> System.nanoTime() >= killAt);
      child.process.destroyForcibly(); // SIGKILL
      assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      mqtt.stop();
      http.stop();
      log.add("epoch " + epoch + (child.ready() ? "" : " (killed during start-up)") + ": mqtt acked "
          + mqtt.acked.size() + ", pending " + mqtt.pending.size() + "; http acked " + http.ackedBatches.get()
          + " batches, pending " + http.pending.size());
    }

    // last run: everything unacknowledged is resent and acknowledged, then SIGTERM while traffic still flows
    Child last = new Child(home, KILLS + 1);
    children.add(last.process);
    Awaitility.await("last child ready").atMost(Duration.ofSeconds(60)).until(last::ready);
    int mqttOwed = mqtt.pending.size();
    int httpOwed = http.pending.size();
    mqtt.start(last.mqttPort());
    http.start(last.httpPort());
    Awaitility.await("resent readings acknowledged").atMost(Duration.ofSeconds(30))
        .until(() -> mqtt.resentAllOwed() && http.resentAllOwed());
    long settle = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300 + rnd.nextInt(700));
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
        .until(() -> System.nanoTime() >= settle);
    // SIGTERM. Through the ProcessHandle: Process.destroy() sends the same signal but also closes our end of the
    // child's stdout, and we want to read the child's last words.
    assertThat(last.process.toHandle().destroy()).isTrue();
    assertThat(last.process.waitFor(60, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    mqtt.stop();
    http.stop();
    assertThat(last.process.exitValue()).as("exit code after SIGTERM (seed %s)\n%s", seed, last.stderrTail()).isZero();
    last.reader.join(10_000);
    assertThat(last.stdout.toString()).as("child stdout; stderr:\n%s", last.stderrTail()).contains("STOPPED");

    // what the tables hold
    Map<Long, Integer> stepCounts = new HashMap<>();
    Map<Long, Integer> accelCounts = new HashMap<>();
    Catalog catalog = Catalogs.open(GatewayFixture.config(home, Map.of()).lakehouse());
    try {
      try (CloseableIterable<Record> it = IcebergGenerics.read(catalog.loadTable(LandingTables.id(Zone.STEP_TRAINER)))
          .build()) {
        it.forEach(r -> {
          assertThat(r.getField("serialNumber")).isEqualTo(SERIAL);
          stepCounts.merge((Long) r.getField("sensorReadingTime") - T0, 1, Integer::sum);
        });
      }
      try (CloseableIterable<Record> it = IcebergGenerics.read(catalog.loadTable(LandingTables.id(Zone.ACCELEROMETER)))
          .build()) {
        it.forEach(r -> {
          assertThat(r.getField("user")).isEqualTo(USER);
          accelCounts.merge((Long) r.getField("timestamp") - T0, 1, Integer::sum);
        });
      }
    } finally {
      ((AutoCloseable) catalog).close();
    }

    log.add("last run: resent " + mqttOwed + " MQTT readings and " + httpOwed + " HTTP batches cut by the last kill");
    String context = "seed " + seed + "\n" + String.join("\n", log);
    // MQTT: every acknowledged reading exactly once, however often it was published
    int firstTry = 0;
    int duplicates = 0;
    for (Map.Entry<Long, Integer> a : mqtt.acked.entrySet()) {
      int n = stepCounts.getOrDefault(a.getKey(), 0);
      assertThat(n).as("acknowledged MQTT reading %s, published %s time(s) (%s)", a.getKey(), a.getValue(), context)
          .isEqualTo(1);
      if (a.getValue() == 1) {
        firstTry++;
      }
    }
    for (Map.Entry<Long, Integer> s : stepCounts.entrySet()) {
      Integer attempts = mqtt.attempts.get(s.getKey());
      assertThat(attempts).as("stored MQTT reading %s was published (%s)", s.getKey(), context).isNotNull();
      duplicates += s.getValue() - 1;
    }
    assertThat(duplicates).as("MQTT readings stored twice (%s)", context).isZero();
    // HTTP: every batch all or nothing, never twice; acknowledged batches present
    int httpReadings = 0;
    for (HttpLoad.Batch b : http.batches) {
      List<Integer> counts = new ArrayList<>();
      for (int i = 0; i < HttpLoad.BATCH; i++) {
        counts.add(accelCounts.getOrDefault(b.time(i), 0));
      }
      assertThat(counts).as("batch %s (key %s, %s attempts) all or nothing, at most once (%s)", b.id, b.key, b.attempts,
          context).containsOnly(counts.get(0)).allMatch(c -> c <= 1);
      if (b.acked) {
        assertThat(counts.get(0)).as("acknowledged batch %s (%s)", b.id, context).isEqualTo(1);
        httpReadings += HttpLoad.BATCH;
      }
    }
    assertThat(accelCounts.keySet()).as("no accelerometer reading that was never sent")
        .allMatch(t -> t >= 0 && t < (long) http.batches.size() * HttpLoad.BATCH);

    assertThat(mqtt.republished.get() + http.retried.get()).as("some sends were cut by a kill (%s)", context).isPositive();
    assertThat(mqtt.acked).as("MQTT readings acknowledged").hasSizeGreaterThan(KILLS * 10);
    assertThat(httpReadings).as("HTTP readings acknowledged").isGreaterThan(KILLS * HttpLoad.BATCH);
    System.out.printf("GatewayCrashIT %s: %d kills; MQTT %d readings acknowledged (%d on the first publish), %d"
        + " republished, %d stored twice; HTTP %d batches (%d readings) acknowledged, %d retried"
        + " with their Idempotency-Key, %d answered from the idempotency store%n%s%n", "seed " + seed, KILLS,
        mqtt.acked.size(), firstTry, mqtt.republished.get(), duplicates, http.ackedBatches.get(), httpReadings,
        http.retried.get(), http.replayed.get(), String.join("\n", log));
  }

  // ---------------------------------------------------------------- the child gateway

  /** One gateway JVM; stdout is watched for its ports, stderr goes to a log file in the home. */
  private static final class Child {
    final Process process;
    final StringBuffer stdout = new StringBuffer();
    final Thread reader;
    private final Path stderr;
    private volatile int mqttPort = -1;
    private volatile int httpPort = -1;

    Child(Path home, int epoch) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      stderr = home.resolve("child-" + epoch + ".log");
      ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-cp", System.getProperty("java.class.path"), GatewayChildMain.class.getName(), home.toString(),
          "wal.segment-bytes=64k", "commit.interval=100ms");
      pb.redirectError(stderr.toFile());
      process = pb.start();
      reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            stdout.append(line).append('\n');
            if (line.startsWith("PORTS ")) {
              String[] p = line.split(" ");
              mqttPort = Integer.parseInt(p[1]);
              httpPort = Integer.parseInt(p[2]);
            }
          }
        } catch (IOException killed) {
          // the child died mid-line
        }
      }, "child-" + epoch + "-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    boolean ready() {
      return httpPort > 0;
    }

    int mqttPort() {
      return mqttPort;
    }

    int httpPort() {
      return httpPort;
    }

    String stderrTail() throws IOException {
      List<String> lines = Files.readAllLines(stderr);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
  }

  // ---------------------------------------------------------------- MQTT: a Step Trainer publishing QoS 1

  /** Publishes unique readings (a window of 8 in flight) and records which attempt of each was acknowledged. */
  private static final class MqttLoad {
    final String secret;
    /** Reading number → publishes so far. */
    final Map<Long, Integer> attempts = new ConcurrentHashMap<>();
    /** Reading number → the attempt whose PUBACK came (the first one only). */
    final Map<Long, Integer> acked = new ConcurrentHashMap<>();
    final ConcurrentLinkedDeque<Long> pending = new ConcurrentLinkedDeque<>();
    final AtomicLong next = new AtomicLong();
    final AtomicInteger republished = new AtomicInteger();
    private final List<Long> owed = new ArrayList<>();
    private final List<CompletableFuture<?>> futures = new ArrayList<>();
    private volatile boolean stopping;
    private volatile Throwable failure;
    private Thread thread;
    private Mqtt5AsyncClient client;

    MqttLoad(String secret) {
      this.secret = secret;
    }

    void start(int port) {
      stopping = false;
      owed.clear();
      owed.addAll(pending);
      futures.clear();
      client = MqttClient.builder().useMqttVersion5().identifier("crash-" + SERIAL).serverHost("127.0.0.1")
          .serverPort(port).simpleAuth().username(SERIAL).password(secret.getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth().buildAsync();
      thread = new Thread(() -> {
        try {
          run();
        } catch (Throwable t) {
          failure = t;
        }
      }, "mqtt-load");
      thread.start();
    }

    private void run() {
      try {
        client.connect().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        return; // killed before we got in; everything stays pending
      }
      Semaphore window = new Semaphore(8);
      while (!stopping && client.getState().isConnected()) {
        try {
          if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
            continue;
          }
        } catch (InterruptedException e) {
          return;
        }
        Long resend = pending.poll();
        long n = resend != null ? resend : next.getAndIncrement();
        int attempt = attempts.merge(n, 1, Integer::sum);
        if (resend != null) {
          republished.incrementAndGet();
        }
        String payload = "{\"sensorReadingTime\":" + (T0 + n) + ",\"serialNumber\":\"" + SERIAL
            + "\",\"distanceFromObject\":" + (n % 100_000) + "}";
        CompletableFuture<Mqtt5PublishResult> f = client.publishWith().topic("stedi/step-trainer/" + SERIAL + "/readings")
            .qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8)).send();
        synchronized (futures) {
          futures.add(f.whenComplete((r, err) -> {
            window.release();
            if (err == null && r.getError().isEmpty()) {
              acked.putIfAbsent(n, attempt);
            } else {
              pending.add(n); // resend in a new message after reconnecting
            }
          }));
        }
      }
    }

    /** Whether every reading owed at start has been acknowledged by now. */
    boolean resentAllOwed() {
      return owed.stream().allMatch(acked::containsKey);
    }

    void stop() throws Exception {
      if (thread == null) {
        return; // not started: the gateway was killed before it was ready
      }
      stopping = true;
      thread.join(30_000);
      assertThat(thread.isAlive()).isFalse();
      if (failure != null) {
        throw new AssertionError("MQTT load failed", failure);
      }
      List<CompletableFuture<?>> all;
      synchronized (futures) {
        all = new ArrayList<>(futures);
      }
      try {
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
      } catch (Exception someFailed) {
        // failed publishes are pending again; the await is only for every outcome to be known
      }
      assertThat(all).as("every publish has an outcome").allMatch(CompletableFuture::isDone);
      try {
        client.disconnect().get(5, TimeUnit.SECONDS);
      } catch (Exception gone) {
        // the gateway was killed
      }
      thread = null;
    }
  }

  // ---------------------------------------------------------------- HTTP: the app posting batches

  /** Posts batches of accelerometer readings, each with its own Idempotency-Key, retrying unacknowledged ones. */
  private static final class HttpLoad {
    static final int BATCH = 10;

    /** One batch: its key and body never change, however often it is sent. */
    static final class Batch {
      final int id;
      final String key;
      final String body;
      volatile boolean acked;
      volatile int attempts;

      Batch(int id) {
        this.id = id;
        this.key = "crash-batch-" + id;
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < BATCH; i++) {
          b.append(i == 0 ? "" : ",").append("{\"user\":\"").append(USER).append("\",\"timestamp\":").append(T0 + time(i))
              .append(",\"x\":").append(id % 1000).append(",\"y\":").append(i).append(",\"z\":-1}");
        }
        this.body = b.append(']').toString();
      }

      long time(int i) {
        return (long) id * BATCH + i;
      }
    }

    final String token;
    final List<Batch> batches = java.util.Collections.synchronizedList(new ArrayList<>());
    final ConcurrentLinkedDeque<Batch> pending = new ConcurrentLinkedDeque<>();
    final AtomicInteger ackedBatches = new AtomicInteger();
    final AtomicInteger retried = new AtomicInteger();
    final AtomicInteger replayed = new AtomicInteger();
    private final List<Batch> owed = new ArrayList<>();
    private volatile CountDownLatch stop;
    private volatile Throwable failure;
    private Thread thread;

    HttpLoad(String token) {
      this.token = token;
    }

    void start(int port) {
      stop = new CountDownLatch(1);
      owed.clear();
      owed.addAll(pending);
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      thread = new Thread(() -> {
        try {
          run(client, port);
        } catch (Throwable t) {
          failure = t;
        }
      }, "http-load");
      thread.start();
    }

    private void run(HttpClient client, int port) {
      URI uri = URI.create("http://127.0.0.1:" + port + "/v1/accelerometer");
      while (stop.getCount() > 0) {
        Batch b = pending.poll();
        if (b == null) {
          b = new Batch(batches.size());
          batches.add(b);
        } else {
          retried.incrementAndGet();
        }
        b.attempts++;
        HttpResponse<String> r;
        try {
          r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
              .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
              .header("Idempotency-Key", b.key).POST(HttpRequest.BodyPublishers.ofString(b.body)).build(),
              HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException gone) {
          pending.addFirst(b); // the gateway died: resend this batch, same key, after the restart
          return;
        }
        if (r.statusCode() == 202) {
          b.acked = true;
          ackedBatches.incrementAndGet();
          if (r.headers().firstValue("Idempotent-Replayed").isPresent()) {
            replayed.incrementAndGet();
          }
        } else {
          // 503 (catching up) or 429 (an earlier attempt still in progress) mean retry shortly; anything else,
          // 422 idempotency_conflict above all, is a bug
          assertThat(r.statusCode()).as("batch %s: %s", b.key, r.body()).isIn(429, 503);
          pending.addFirst(b);
          try {
            if (stop.await(200, TimeUnit.MILLISECONDS)) {
              return;
            }
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    boolean resentAllOwed() {
      return owed.stream().allMatch(b -> b.acked);
    }

    void stop() throws InterruptedException {
      if (thread == null) {
        return; // not started: the gateway was killed before it was ready
      }
      stop.countDown();
      thread.join(30_000);
      assertThat(thread.isAlive()).isFalse();
      thread = null;
      if (failure != null) {
        throw new AssertionError("HTTP load failed", failure);
      }
    }
  }
}
