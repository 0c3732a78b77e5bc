package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.config.SimConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * How the simulated app talks to the gateway's API v1: the request (bearer token, JSON, Idempotency-Key) and
 * when and how soon to retry it. Phones' batches and customer registrations follow the same rules.
 */
final class HttpApi {
  private HttpApi() {}

  /** {@code <base>/v1/<resource>}, keeping a base path (a gateway behind a proxy prefix). */
  static URI endpoint(URI base, String resource) {
    return base.resolve(base.getPath() + "/v1/" + resource);
  }

  /** A POST of a JSON body with the token and an Idempotency-Key (the same key on every retry). */
  static HttpRequest post(URI uri, Duration timeout, String token, String idempotencyKey, String body) {
    return HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .header("Idempotency-Key", idempotencyKey)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
  }

  /**
   * Whether to retry: timeouts and connection errors (the request may or may not have been stored; the key makes
   * the retry safe), 429 (busy, or the same key still in progress) and 5xx that mean "try again".
   */
  static boolean retryable(int status, Throwable err) {
    if (err != null) {
      Throwable e = MqttLink.unwrap(err);
      return e instanceof HttpTimeoutException || e instanceof IOException;
    }
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
  }

  /** Whether one more attempt is allowed after {@code attempt} (0 = the first) under {@code sim.http.retries}. */
  static boolean mayRetry(RunContext c, int status, Throwable err, int attempt) {
    return status != 202 && retryable(status, err) && attempt < c.cfg.get(SimConfig.HTTP_RETRIES) && !c.abandon;
  }

  /**
   * Whether to retry a 401: a token issued a moment ago is known to the gateway only after its next credentials
   * reload (every second), so the first requests with it are retried for about 3 s (attempts 0..4, backoff
   * 100 ms..1.6 s). Only a phone's first request (its registration) needs this.
   */
  static boolean mayRetryFreshToken(RunContext c, int status, int attempt) {
    return status == 401 && attempt < 5 && !c.abandon;
  }

  /** The server's Retry-After (seconds, capped at 30 s), else exponential backoff from 100 ms up to 5 s. */
  static long retryDelayMillis(HttpResponse<String> resp, int attempt) {
    if (resp != null) {
      String ra = resp.headers().firstValue("Retry-After").orElse(null);
      if (ra != null && ra.trim().matches("\\d{1,4}")) {
        return Math.min(30_000, Long.parseLong(ra.trim()) * 1000);
      }
    }
    return Math.min(5_000, 100L << Math.min(attempt, 6));
  }
}
