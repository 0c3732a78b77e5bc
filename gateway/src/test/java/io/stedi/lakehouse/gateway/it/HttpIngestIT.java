package io.stedi.lakehouse.gateway.it;

import static io.stedi.lakehouse.gateway.it.Wire.T0;
import static io.stedi.lakehouse.gateway.it.Wire.accelRows;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.data.Record;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API over the wire with the JDK's HttpClient: every accepted and every rejected request. */
class HttpIngestIT {
  private static final int MAX_BATCH = 5;
  private static final int MAX_BODY = 4096;
  private static final String FRANK = "Frank.Doshi@test.com";

  @TempDir
  static Path tmp;

  private static GatewayFixture gw;
  private static String svc;
  private static String svc2;
  private static String frank;
  private static String revme;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path home = tmp.resolve("main");
    Map<String, String> cfg = Map.of("gateway.http.max-batch", Integer.toString(MAX_BATCH),
        "gateway.http.max-body-bytes", "4k");
    // tokens exist before the gateway starts, so nothing waits for the credentials reload
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, cfg).credentialsFile());
    svc = creds.createToken("svc", null);
    svc2 = creds.createToken("svc2", null);
    frank = creds.createToken("frank-app", FRANK);
    revme = creds.createToken("revme", null);
    gw = GatewayFixture.start(home, cfg);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  private static ConditionFactory await() {
    return Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100));
  }

  // ---------------------------------------------------------------- helpers

  private static String accel(String user, String timeField, long time, Object x, Object y, Object z) {
    return "{\"user\":\"" + user + "\",\"" + timeField + "\":" + time + ",\"x\":" + x + ",\"y\":" + y + ",\"z\":" + z + "}";
  }

  private static String batch(String... readings) {
    return "[" + String.join(",", readings) + "]";
  }

  private HttpResponse<String> post(GatewayFixture g, String path, String token, String contentType, String body,
      String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + path))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> accelerometer(String token, String body, String... headers) throws Exception {
    return post(gw, "/v1/accelerometer", token, "application/json", body, headers);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return Wire.get(http, "http://127.0.0.1:" + gw.httpPort() + path);
  }

  /** Asserts an error response: status, JSON content type and error code; returns the body. */
  private static JsonObject error(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonObject o = new JsonObject(r.body());
    assertThat(o.getString("error")).isEqualTo(code);
    assertThat(o.getString("message")).isNotBlank();
    return o;
  }

  private static List<Long> times(List<Record> rows) {
    return rows.stream().map(r -> (Long) r.getField("timestamp")).sorted().toList();
  }

  /** Waits until exactly one quarantine row holds {@code payload} and returns it. */
  private static Record awaitQuarantinedPayload(String payload) {
    List<Record> out = new ArrayList<>();
    await().untilAsserted(() -> {
      gw.flush();
      List<Record> q = gw.quarantine().stream().filter(r -> payload.equals(r.getField("payload"))).toList();
      assertThat(q).hasSize(1);
      out.add(q.get(0));
    });
    return out.get(out.size() - 1);
  }

  // ---------------------------------------------------------------- authentication first

  /**
   * The token is checked before the body is read: an unauthenticated sender gets 401 even for a body above
   * gateway.http.max-body-bytes (which an authenticated one would get 413 for), so it cannot make the gateway buffer
   * a megabyte per request.
   */
  @Test
  void anUnauthenticatedRequestIsRefusedBeforeItsBodyIsRead() throws Exception {
    String big = "[" + "1,".repeat(700_000) + "1]"; // 1.4 MB, above the 1 MiB default
    assertThat(post(gw, "/v1/accelerometer", null, "application/json", big).statusCode()).isEqualTo(401);
    assertThat(post(gw, "/v1/accelerometer", svc, "application/json", big).statusCode()).isEqualTo(413);
  }

  // ---------------------------------------------------------------- accepted

  @Test
  void goodBatchIs202AcceptedAndLandsWithHttpsSourceBothTimeSpellingsAccepted() throws Exception {
    String u = "good@test.com";
    HttpResponse<String> r = accelerometer(svc, batch(accel(u, "timestamp", T0 + 1, 1, 2.5, -3),
        accel(u, "timeStamp", T0 + 2, 0, 0, 0),
        "{\"user\":\"" + u + "\",\"timestamp\":" + (T0 + 3) + ",\"x\":999.5,\"y\":-1000,\"z\":1e2,\"newField\":{\"a\":1}}"));
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject().put("accepted", 3));
    assertThat(r.headers().firstValue("Idempotent-Replayed")).isEmpty();
    // a charset parameter is fine
    HttpResponse<String> r2 = post(gw, "/v1/accelerometer", svc, "application/json; charset=utf-8",
        batch(accel(u, "timeStamp", T0 + 4, 1, 1, 1)));
    assertThat(r2.statusCode()).isEqualTo(202);
    assertThat(new JsonObject(r2.body()).getInteger("accepted")).isEqualTo(1);

    gw.flush(); // 202 came after the fsync: one commit makes the rows visible
    List<Record> rows = accelRows(gw, u);
    assertThat(times(rows)).containsExactly(T0 + 1, T0 + 2, T0 + 3, T0 + 4);
    Record first = rows.stream().filter(x -> x.getField("timestamp").equals(T0 + 1)).findFirst().orElseThrow();
    assertThat(List.of(first.getField("x"), first.getField("y"), first.getField("z"))).containsExactly(1.0, 2.5, -3.0);
    Record third = rows.stream().filter(x -> x.getField("timestamp").equals(T0 + 3)).findFirst().orElseThrow();
    assertThat(List.of(third.getField("x"), third.getField("y"), third.getField("z"))).containsExactly(999.5, -1000.0, 100.0);
    assertThat(rows).allSatisfy(x -> {
      assertThat(x.getField("_stedi_source")).isEqualTo("https");
      assertThat((String) x.getField("_stedi_key")).startsWith("https:");
      assertThat(x.getField("_stedi_arrival")).isNotNull();
    });
    assertThat(rows).extracting(x -> x.getField("_stedi_key")).doesNotHaveDuplicates();
  }

  // ---------------------------------------------------------------- 401, 415, 413, 400

  @Test
  void missingBadOrForeignSchemeTokenIs401WithWwwAuthenticate() throws Exception {
    String u = "unauth@test.com";
    String body = batch(accel(u, "timestamp", T0, 1, 1, 1));
    double before = Wire.rejected(gw, "https", "unauthenticated");
    String tokenId = svc.substring(0, svc.indexOf('.'));
    List<HttpResponse<String>> rs = List.of(
        accelerometer(null, body),
        accelerometer("nonsense", body),
        accelerometer(tokenId + ".wrong-secret", body),
        post(gw, "/v1/accelerometer", null, "application/json", body, "Authorization", "Basic " + svc),
        post(gw, "/v1/customers", null, "application/json", "{\"email\":\"" + u + "\"}"));
    for (HttpResponse<String> r : rs) {
      error(r, 401, "unauthenticated");
      assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    }
    assertThat(Wire.rejected(gw, "https", "unauthenticated") - before).isEqualTo(rs.size());
    gw.flush();
    assertThat(accelRows(gw, u)).isEmpty();
  }

  @Test
  void revokedTokenIs401() throws Exception {
    String u = "revoked@test.com";
    assertThat(accelerometer(revme, batch(accel(u, "timestamp", T0, 1, 1, 1))).statusCode()).isEqualTo(202);
    assertThat(gw.credentials().revokeToken("revme")).isEqualTo(1);
    // the running gateway re-reads the credentials file within about a second
    // (probing with an empty batch: 400 while the token is valid, 401 once it is revoked; nothing is stored)
    await().until(() -> accelerometer(revme, "[]").statusCode() == 401);
    HttpResponse<String> r = accelerometer(revme, batch(accel(u, "timestamp", T0 + 2, 1, 1, 1)));
    error(r, 401, "unauthenticated");
    assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
    gw.flush();
    assertThat(times(accelRows(gw, u))).containsExactly(T0);
  }

  @Test
  void wrongOrMissingContentTypeIs415() throws Exception {
    String u = "mediatype@test.com";
    String body = batch(accel(u, "timestamp", T0, 1, 1, 1));
    double before = Wire.rejected(gw, "https", "unsupported_media_type");
    error(post(gw, "/v1/accelerometer", svc, "text/plain", body), 415, "unsupported_media_type");
    error(post(gw, "/v1/accelerometer", svc, "application/x-www-form-urlencoded", body), 415, "unsupported_media_type");
    error(post(gw, "/v1/accelerometer", svc, null, body), 415, "unsupported_media_type");
    error(post(gw, "/v1/customers", svc, "text/csv", "{}"), 415, "unsupported_media_type");
    assertThat(Wire.rejected(gw, "https", "unsupported_media_type") - before).isEqualTo(4.0);
    gw.flush();
    assertThat(accelRows(gw, u)).isEmpty();
  }

  @Test
  void bodyOverMaxBodyBytesIs413() throws Exception {
    String u = "bigbody@test.com";
    String pad = "p".repeat(MAX_BODY);
    String body = batch("{\"user\":\"" + u + "\",\"timestamp\":" + T0 + ",\"x\":1,\"y\":1,\"z\":1,\"pad\":\"" + pad + "\"}");
    assertThat(body.length()).isGreaterThan(MAX_BODY);
    error(accelerometer(svc, body), 413, "payload_too_large");
    // just under the limit is fine
    String fits = batch("{\"user\":\"" + u + "\",\"timestamp\":" + (T0 + 1) + ",\"x\":1,\"y\":1,\"z\":1,\"pad\":\""
        + "p".repeat(MAX_BODY - 100) + "\"}");
    assertThat(fits.length()).isLessThanOrEqualTo(MAX_BODY);
    assertThat(accelerometer(svc, fits).statusCode()).isEqualTo(202);
    gw.flush();
    assertThat(times(accelRows(gw, u))).containsExactly(T0 + 1);
  }

  @Test
  void batchOverMaxBatchIs413AndMaxBatchIsAccepted() throws Exception {
    String u = "bigbatch@test.com";
    List<String> six = new ArrayList<>();
    for (int i = 0; i <= MAX_BATCH; i++) {
      six.add(accel(u, "timestamp", T0 + i, 1, 1, 1));
    }
    JsonObject e = error(accelerometer(svc, batch(six.toArray(String[]::new))), 413, "payload_too_large");
    assertThat(e.getString("message")).contains("more than " + MAX_BATCH + " readings");
    HttpResponse<String> ok = accelerometer(svc, batch(six.subList(0, MAX_BATCH).toArray(String[]::new)));
    assertThat(ok.statusCode()).isEqualTo(202);
    assertThat(new JsonObject(ok.body()).getInteger("accepted")).isEqualTo(MAX_BATCH);
    gw.flush();
    assertThat(accelRows(gw, u)).hasSize(MAX_BATCH);
  }

  @Test
  void malformedJsonIs400() throws Exception {
    String u = "malformed@test.com";
    double before = Wire.rejected(gw, "https", "malformed_json");
    error(accelerometer(svc, "[{\"user\":\"" + u + "\",\"timestamp\":"), 400, "malformed_json");
    error(accelerometer(svc, "not json"), 400, "malformed_json");
    error(accelerometer(svc, batch(accel(u, "timestamp", T0, 1, 1, 1)) + " trailing"), 400, "malformed_json");
    // the accelerometer endpoint takes an array; the customers endpoint one object
    error(accelerometer(svc, accel(u, "timestamp", T0, 1, 1, 1)), 400, "malformed_json");
    error(post(gw, "/v1/customers", svc, "application/json", "[{\"email\":\"" + u + "\"}]"), 400, "malformed_json");
    // a duplicate key is malformed, not "last one wins"
    error(accelerometer(svc, "[{\"user\":\"" + u + "\",\"user\":\"x@test.com\",\"timestamp\":1,\"x\":1,\"y\":1,\"z\":1}]"),
        400, "malformed_json");
    assertThat(Wire.rejected(gw, "https", "malformed_json") - before).isEqualTo(6.0);
    error(accelerometer(svc, "[]"), 400, "bad_request");
    gw.flush();
    assertThat(accelRows(gw, u)).isEmpty();
  }

  // ---------------------------------------------------------------- 422: all or nothing

  @Test
  void batchWithInvalidReadingsIs422WithDetailsNothingIsWrittenAndItIsQuarantined() throws Exception {
    String u = "invalid@test.com";
    String body = batch(
        accel(u, "timestamp", T0, 1, 1, 1),
        "{\"user\":\"" + u + "\",\"timestamp\":" + (T0 + 1) + ",\"y\":1,\"z\":1}", // 1: x missing
        accel(u, "timestamp", T0 + 2, 1, 1, 1),
        accel(u, "timestamp", T0 + 3, 1, "\"one\"", 1)); // 3: y is a string
    JsonObject e = error(accelerometer(svc, body), 422, "invalid_readings");
    JsonArray details = e.getJsonArray("details");
    assertThat(details.size()).isEqualTo(2);
    JsonObject d1 = details.getJsonObject(0);
    JsonObject d3 = details.getJsonObject(1);
    assertThat(List.of(d1.getInteger("index"), d1.getString("field"), d1.getString("reason"))).containsExactly(1, "x", "missing_field");
    assertThat(List.of(d3.getInteger("index"), d3.getString("field"), d3.getString("reason"))).containsExactly(3, "y", "wrong_type");
    assertThat(d1.getString("message")).isNotBlank();
    assertThat(d3.getString("message")).isNotBlank();

    // impossible values are 422 too
    JsonObject e2 = error(accelerometer(svc, batch(accel(u, "timestamp", T0, 1, 1, 1001),
        accel(u, "timestamp", -1, 1, 1, 1), accel("not-an-email", "timestamp", T0, 1, 1, 1))), 422, "invalid_readings");
    assertThat(e2.getJsonArray("details").stream().map(o -> ((JsonObject) o).getString("field") + "@"
        + ((JsonObject) o).getInteger("index") + "=" + ((JsonObject) o).getString("reason")).toList())
        .containsExactly("z@0=impossible_value", "timestamp@1=impossible_value", "user@2=impossible_value");

    Record q = awaitQuarantinedPayload(body);
    assertThat(q.getField("origin")).isEqualTo("client svc");
    assertThat(q.getField("zone")).isEqualTo("accelerometer");
    assertThat(q.getField("reason_code")).isEqualTo("missing_field");
    assertThat(q.getField("_stedi_source")).isEqualTo("https");
    assertThat(accelRows(gw, u)).as("nothing of a rejected batch is written").isEmpty();
  }

  // ---------------------------------------------------------------- 403: email-bound tokens

  @Test
  void emailBoundTokenMaySendOnlyItsOwnCustomersData() throws Exception {
    String other = "someone.else@test.com";
    String body = batch(accel(FRANK, "timestamp", T0 + 5, 1, 1, 1), accel(other, "timestamp", T0 + 6, 1, 1, 1));
    JsonObject e = error(accelerometer(frank, body), 403, "forbidden");
    JsonArray details = e.getJsonArray("details");
    assertThat(details.size()).isEqualTo(1);
    assertThat(details.getJsonObject(0).getInteger("index")).isEqualTo(1);
    assertThat(details.getJsonObject(0).getString("field")).isEqualTo("user");
    assertThat(details.getJsonObject(0).getString("reason")).isEqualTo("forbidden");

    String foreignCustomer = "{\"customerName\":\"Someone Else\",\"email\":\"" + other
        + "\",\"serialNumber\":\"st-x\",\"registrationDate\":" + T0 + "}";
    JsonObject ce = error(post(gw, "/v1/customers", frank, "application/json", foreignCustomer), 403, "forbidden");
    assertThat(ce.getJsonArray("details").getJsonObject(0).getString("field")).isEqualTo("email");

    // its own data is accepted
    HttpResponse<String> own = accelerometer(frank, batch(accel(FRANK, "timestamp", T0 + 7, 1, 1, 1)));
    assertThat(own.statusCode()).isEqualTo(202);
    String ownCustomer = "{\"customerName\":\"Frank Doshi\",\"email\":\"" + FRANK + "\",\"phone\":\"8015551212\","
        + "\"birthDay\":\"1965-01-01\",\"serialNumber\":\"st-frank\",\"registrationDate\":" + T0
        + ",\"lastUpdateDate\":" + (T0 + 1) + ",\"shareWithResearchAsOfDate\":" + (T0 + 2) + "}";
    HttpResponse<String> c = post(gw, "/v1/customers", frank, "application/json", ownCustomer);
    assertThat(c.statusCode()).isEqualTo(202);
    assertThat(new JsonObject(c.body())).isEqualTo(new JsonObject().put("accepted", 1));

    Record q = awaitQuarantinedPayload(body);
    assertThat(q.getField("reason_code")).isEqualTo("forbidden");
    assertThat(q.getField("origin")).isEqualTo("client frank-app");
    assertThat(times(accelRows(gw, FRANK))).as("nothing of the forbidden batch, only the own one").containsExactly(T0 + 7);
    assertThat(accelRows(gw, other)).isEmpty();
    List<Record> customers = gw.rows(Zone.CUSTOMER);
    assertThat(customers).extracting(r -> r.getField("email")).containsExactly(FRANK);
    Record cust = customers.get(0);
    assertThat(cust.getField("serialNumber")).isEqualTo("st-frank");
    assertThat(cust.getField("registrationDate")).isEqualTo(T0);
    assertThat(cust.getField("shareWithResearchAsOfDate")).isEqualTo(T0 + 2);
    assertThat(cust.getField("shareWithPublicAsOfDate")).isNull();
    assertThat(cust.getField("_stedi_source")).isEqualTo("https");
  }

  @Test
  void invalidCustomerIs422() throws Exception {
    JsonObject e = error(post(gw, "/v1/customers", svc, "application/json",
        "{\"email\":\"nocustomer@test.com\",\"serialNumber\":\"st-y\"}"), 422, "invalid_readings");
    JsonObject d = e.getJsonArray("details").getJsonObject(0);
    assertThat(List.of(d.getString("field"), d.getString("reason"))).containsExactly("registrationDate", "missing_field");
  }

  // ---------------------------------------------------------------- Idempotency-Key

  @Test
  void idempotencyKeyReplaysTheFirstResponseAndWritesOnce() throws Exception {
    String u = "idem@test.com";
    String body = batch(accel(u, "timestamp", T0, 1, 1, 1), accel(u, "timestamp", T0 + 1, 1, 1, 1));
    HttpResponse<String> first = accelerometer(svc, body, "Idempotency-Key", "batch-1");
    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
    HttpResponse<String> second = accelerometer(svc, body, "Idempotency-Key", "batch-1");
    assertThat(second.statusCode()).isEqualTo(202);
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.headers().firstValue("Idempotent-Replayed")).hasValue("true");

    JsonObject conflict = error(accelerometer(svc, batch(accel(u, "timestamp", T0 + 2, 1, 1, 1)),
        "Idempotency-Key", "batch-1"), 422, "idempotency_conflict");
    assertThat(conflict.getString("message")).contains("batch-1");
    error(accelerometer(svc, body, "Idempotency-Key", "k".repeat(201)), 400, "bad_request");
    gw.flush();
    assertThat(times(accelRows(gw, u))).containsExactly(T0, T0 + 1);

    // keys are per token: another client's "batch-1" is its own request (not a replay of the first response);
    // its readings are the same readings, though, so the writer's content dedup lands them once
    HttpResponse<String> otherClient = accelerometer(svc2, body, "Idempotency-Key", "batch-1");
    assertThat(otherClient.statusCode()).isEqualTo(202);
    assertThat(otherClient.headers().firstValue("Idempotent-Replayed")).isEmpty();
    String other = batch(accel(u, "timestamp", T0 + 5, 1, 1, 1));
    assertThat(accelerometer(svc2, other, "Idempotency-Key", "batch-2").statusCode()).isEqualTo(202);
    gw.flush();
    assertThat(times(accelRows(gw, u))).containsExactly(T0, T0 + 1, T0 + 5);
  }

  @Test
  void idempotencyKeySurvivesARestart() throws Exception {
    Path home = tmp.resolve("restart");
    String token = new CredentialStore(GatewayFixture.config(home, Map.of()).credentialsFile()).createToken("app", null);
    String u = "restart@test.com";
    String body = batch(accel(u, "timestamp", T0, 1, 1, 1), accel(u, "timestamp", T0 + 1, 1, 1, 1),
        accel(u, "timeStamp", T0 + 2, 1, 1, 1));
    String firstBody;
    try (GatewayFixture a = GatewayFixture.start(home, Map.of())) {
      HttpResponse<String> first = post(a, "/v1/accelerometer", token, "application/json", body, "Idempotency-Key", "r-1");
      assertThat(first.statusCode()).isEqualTo(202);
      firstBody = first.body();
    }
    try (GatewayFixture b = GatewayFixture.start(home, Map.of())) {
      HttpResponse<String> retry = post(b, "/v1/accelerometer", token, "application/json", body, "Idempotency-Key", "r-1");
      assertThat(retry.statusCode()).isEqualTo(202);
      assertThat(retry.body()).isEqualTo(firstBody).isEqualTo("{\"accepted\":3}");
      assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      HttpResponse<String> conflict = post(b, "/v1/accelerometer", token, "application/json",
          batch(accel(u, "timestamp", T0 + 9, 1, 1, 1)), "Idempotency-Key", "r-1");
      error(conflict, 422, "idempotency_conflict");
      b.flush();
      assertThat(times(accelRows(b, u))).containsExactly(T0, T0 + 1, T0 + 2);
    }
  }

  // ---------------------------------------------------------------- operations endpoints

  @Test
  void healthOpenApiAndUnknownPaths() throws Exception {
    HttpResponse<String> live = get("/health/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(live.body()).getString("status")).isEqualTo("UP");

    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    JsonObject r = new JsonObject(ready.body());
    assertThat(r.getString("status")).isEqualTo("UP");
    JsonObject checks = r.getJsonObject("checks");
    assertThat(checks.getString("wal")).isEqualTo("UP");
    assertThat(checks.getLong("wal_max_bytes")).isEqualTo(1L << 30);
    assertThat(checks.getLong("wal_bytes")).isNotNegative();
    assertThat(checks.getJsonObject("catalog").getMap()).containsExactlyEntriesOf(Map.of("status", "UP"));

    HttpResponse<String> api = get("/openapi.yaml");
    assertThat(api.statusCode()).isEqualTo(200);
    assertThat(api.headers().firstValue("Content-Type")).hasValue("application/yaml");
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(api.body());
    assertThat(doc.path("openapi").asText()).startsWith("3.");
    assertThat(doc.path("paths").has("/v1/accelerometer")).isTrue();
    assertThat(doc.path("paths").has("/v1/customers")).isTrue();

    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    assertThat(Wire.hasMetric(metrics.body(), "stedi_wal_bytes")).isTrue();

    JsonObject nf = error(get("/no/such/thing"), 404, "not_found");
    assertThat(nf.getString("message")).contains("/no/such/thing");
    error(post(gw, "/v1/nothing", svc, "application/json", "[]"), 404, "not_found");
    error(get("/v1/accelerometer"), 405, "method_not_allowed");
  }
}
