import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Benchmark 2's load generator: POST /v1/accelerometer batches of BATCH readings over HTTPS (HTTP/1.1 keep-alive,
 * CONCURRENCY requests in flight) for SECONDS, each with its own Idempotency-Key, and report acknowledged
 * readings/s and request latency. Bodies are built before the clock starts so the client spends its CPU on
 * the wire, not on JSON. Run: java -cp 'device-sim/target/lib/*' bench/HttpsLoad.java URL TOKEN SECONDS
 * CONCURRENCY BATCH [http1|http2]
 */
public class HttpsLoad {
  public static void main(String[] a) throws Exception {
    String url = a[0];
    String token = a[1];
    int seconds = Integer.parseInt(a[2]);
    int concurrency = Integer.parseInt(a[3]);
    int batch = Integer.parseInt(a[4]);
    boolean h2 = a.length > 5 && a[5].equals("http2");
    System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, new TrustManager[] {new X509TrustManager() {
      public void checkClientTrusted(X509Certificate[] c, String t) {}
      public void checkServerTrusted(X509Certificate[] c, String t) {}
      public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }}, new SecureRandom());
    HttpClient client = HttpClient.newBuilder().sslContext(ssl)
        .version(h2 ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    // 512 bodies built up front; each request patches the 13-digit timestamps in a copy so that every reading of
    // the run is distinct (the writer dedups identical readings by content: reused bodies would measure that).
    int bodies = 512;
    byte[][] body = new byte[bodies][];
    int[][] tsAt = new int[bodies][batch];
    long t0 = 1_700_000_000_000L;
    for (int b = 0; b < bodies; b++) {
      StringBuilder sb = new StringBuilder(batch * 110).append('[');
      for (int i = 0; i < batch; i++) {
        if (i > 0) sb.append(',');
        sb.append(String.format(Locale.ROOT, "{\"user\":\"bench.user%d@load.test\",\"timestamp\":", i % 50));
        tsAt[b][i] = sb.length();
        sb.append(String.format(Locale.ROOT, "%d,\"x\":%.3f,\"y\":%.3f,\"z\":%.3f}", t0,
            (i % 7) * 0.5 - 1, (i % 5) * 0.25, -0.5 + (i % 3) * 0.1));
      }
      body[b] = sb.append(']').toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
    String run = Long.toHexString(System.nanoTime());
    ConcurrentHistogram lat = new ConcurrentHistogram(3);
    AtomicLong acked = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    Semaphore slots = new Semaphore(concurrency);
    long warmEnd = System.nanoTime() + 5_000_000_000L;
    long start = 0;
    boolean measuring = false;
    long end = warmEnd + seconds * 1_000_000_000L;
    long ackedAtStart = 0;
    while (System.nanoTime() < end) {
      if (!measuring && System.nanoTime() >= warmEnd) {
        measuring = true;
        start = System.nanoTime();
        ackedAtStart = acked.get();
        lat.reset();
      }
      slots.acquire();
      long n = seq.getAndIncrement();
      HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/v1/accelerometer"))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .header("Idempotency-Key", run + "-" + n).timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofByteArray(distinct(body, tsAt, n, batch, t0))).build();
      long s = System.nanoTime();
      client.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
        if (e == null && r.statusCode() == 202) {
          acked.addAndGet(batch);
          lat.recordValue((System.nanoTime() - s) / 1000);
        } else {
          if (failed.incrementAndGet() <= 3) {
            System.err.println("request failed: " + (e != null ? e : r.statusCode() + " " + r.body()));
          }
        }
        slots.release();
      });
    }
    slots.acquire(concurrency);
    double elapsed = (System.nanoTime() - start) / 1e9;
    long n = acked.get() - ackedAtStart;
    System.out.printf(Locale.ROOT, "RESULT https readings_acked_per_s=%.0f requests_per_s=%.0f batch=%d concurrency=%d "
        + "%s p50_ms=%.1f p99_ms=%.1f max_ms=%.1f failed_requests=%d total_readings_acked=%d%n", n / elapsed,
        n / (double) batch / elapsed, batch, concurrency, h2 ? "http2" : "http1.1", lat.getValueAtPercentile(50) / 1000.0,
        lat.getValueAtPercentile(99) / 1000.0, lat.getMaxValue() / 1000.0, failed.get(), acked.get());
  }

  /** A copy of body n % bodies whose readings carry timestamps no other request of the run uses. */
  private static byte[] distinct(byte[][] body, int[][] tsAt, long n, int batch, long t0) {
    int b = (int) (n % body.length);
    byte[] out = body[b].clone();
    long first = t0 + n * batch;
    for (int i = 0; i < batch; i++) {
      long v = first + i;
      for (int d = tsAt[b][i] + 12; d >= tsAt[b][i]; d--) {
        out[d] = (byte) ('0' + v % 10);
        v /= 10;
      }
    }
    return out;
  }
}
