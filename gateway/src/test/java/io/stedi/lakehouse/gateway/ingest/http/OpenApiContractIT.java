package io.stedi.lakehouse.gateway.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks that {@code /openapi.yaml}, as served by a running gateway, is true: every documented operation is
 * served and every served route is documented; every documented error status of the POST endpoints is
 * provoked over the wire and its body and headers match the documented schema; so do the 202 and the
 * operations endpoints. Schemas are checked with a small validator for the subset of OpenAPI 3.0 schema
 * keywords the document uses (it refuses any keyword it does not understand).
 */
class OpenApiContractIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> HTTP_METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch",
      "trace");
  private static final String OWNER = "frank.doshi@test.com";

  @TempDir
  static Path tmp;

  private static GatewayFixture gw;
  private static GatewayFixture pressured;
  private static String serviceToken;
  private static String boundToken;
  private static String pressuredToken;
  private static JsonNode doc;
  private static SchemaChecker schemas;
  private static HttpResponse<String> served;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path home = tmp.resolve("gw");
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, Map.of()).credentialsFile());
    serviceToken = creds.createToken("contract-service", null);
    boundToken = creds.createToken("contract-app", OWNER);
    creds.addDevice("st-paired");
    creds.pairDevices(List.of("st-paired"), "the.owner@test.com");
    gw = GatewayFixture.start(home, Map.of());
    served = send(gw, "GET", "/openapi.yaml", null, null, null, Map.of());
    assertThat(served.statusCode()).isEqualTo(200);
    doc = new ObjectMapper(new YAMLFactory()).readTree(served.body());
    schemas = new SchemaChecker(doc);
  }

  @AfterAll
  static void stop() throws Exception {
    if (pressured != null) {
      pressured.close();
      pressured = null;
    }
    if (gw != null) {
      gw.close();
      gw = null;
    }
  }

  // ---------------------------------------------------------------- the document itself

  @Test
  void servedDocumentIsTheBundledOpenApi303Document() throws Exception {
    assertThat(served.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/yaml"));
    try (InputStream in = HttpIngestVerticle.class.getResourceAsStream("/openapi.yaml")) {
      assertThat(served.body()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertThat(doc.path("openapi").asText()).isEqualTo("3.0.3");
    assertThat(doc.path("info").path("title").asText()).isNotBlank();
    assertThat(doc.path("info").path("version").isTextual()).isTrue();
    assertThat(doc.path("paths").size()).isPositive();
    JsonNode bearer = doc.at("/components/securitySchemes/bearerAuth");
    assertThat(bearer.path("type").asText()).isEqualTo("http");
    assertThat(bearer.path("scheme").asText()).isEqualTo("bearer");

    // every $ref resolves, and every schema uses only keywords the checker below understands
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(resolve(ref).isMissingNode()).as("$ref %s resolves", ref).isFalse();
    }
    doc.at("/components/schemas").fields().forEachRemaining(e -> schemas.lint(e.getValue(), e.getKey()));

    Set<String> operationIds = new TreeSet<>();
    for (Operation op : operations()) {
      JsonNode o = op.node();
      assertThat(operationIds.add(o.path("operationId").asText())).as("unique operationId of %s", op).isTrue();
      assertThat(o.path("responses").size()).as("%s has responses", op).isPositive();
      o.path("responses").fields().forEachRemaining(r ->
          assertThat(deref(r.getValue()).path("description").asText()).as("%s %s described", op, r.getKey()).isNotBlank());
      if (op.method().equals("post")) {
        assertThat(o.path("security").toString()).as("%s needs the bearer token", op).isEqualTo("[{\"bearerAuth\":[]}]");
        assertThat(o.path("requestBody").path("required").asBoolean()).isTrue();
        assertThat(o.at("/requestBody/content").fieldNames()).toIterable().containsExactly("application/json");
        List<String> params = new ArrayList<>();
        o.path("parameters").forEach(p -> params.add(deref(p).path("in").asText() + ":" + deref(p).path("name").asText()));
        assertThat(params).containsExactly("header:Idempotency-Key");
        // the example of each request body is itself valid
        JsonNode body = o.at("/requestBody/content/application~1json");
        assertThat(schemas.validate(body.path("schema"), body.path("example"))).as("%s example", op).isEmpty();
      } else {
        assertThat(o.path("security").toString()).as("%s is public", op).isEqualTo("[]");
      }
    }
  }

  // ---------------------------------------------------------------- documented == served

  @Test
  void everyDocumentedOperationIsServed() throws Exception {
    for (Operation op : operations()) {
      HttpResponse<String> r = op.method().equals("post")
          ? send(gw, "POST", op.path(), null, "application/json", "[]", Map.of())
          : send(gw, op.method().toUpperCase(Locale.ROOT), op.path(), null, null, null, Map.of());
      assertThat(r.statusCode()).as("%s is served", op).isNotIn(404, 405);
      assertThat(op.node().path("responses").has(Integer.toString(r.statusCode())))
          .as("%s answered %s, which it documents", op, r.statusCode()).isTrue();
    }
  }

  @Test
  void everyServedRouteIsDocumented() throws Exception {
    Router router = findRouter(gw.server());
    assertThat(router).as("the HTTP router of the running gateway").isNotNull();
    Set<String> documented = new TreeSet<>();
    operations().forEach(op -> documented.add(op.method().toUpperCase(Locale.ROOT) + " " + op.path()));
    Set<String> servedOperations = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      assertThat(route.isRegexPath()).as("regex route %s", route.getPath()).isFalse();
      assertThat(route.getPath()).as("a route without a path serves everything").isNotNull();
      Set<HttpMethod> methods = route.methods();
      assertThat(methods).as("route %s without methods serves every method", route.getPath()).isNotEmpty();
      if (route.isExactPath()) {
        methods.forEach(m -> servedOperations.add(m.name() + " " + route.getPath()));
      } else {
        // a prefix route (e.g. the body handler on /v1/*) must not serve anything by itself
        String probe = route.getPath() + (route.getPath().endsWith("/") ? "" : "/") + "undocumented-" + UUID.randomUUID();
        for (HttpMethod m : methods) {
          HttpResponse<String> r = send(gw, m.name(), probe, serviceToken, "application/json", "[]", Map.of());
          assertThat(r.statusCode()).as("%s %s (under prefix route %s)", m, probe, route.getPath()).isEqualTo(404);
        }
      }
    }
    assertThat(servedOperations).as("routes served == operations documented").isEqualTo(documented);

    // and from the outside: other methods on documented paths, and neighbouring paths, are not served
    Iterator<String> paths = doc.path("paths").fieldNames();
    while (paths.hasNext()) {
      String path = paths.next();
      for (String m : List.of("GET", "POST", "PUT", "DELETE", "PATCH")) {
        if (!documented.contains(m + " " + path)) {
          HttpResponse<String> r = send(gw, m, path, serviceToken, "application/json", "[]", Map.of());
          assertThat(r.statusCode()).as("undocumented %s %s", m, path).isIn(404, 405);
        }
      }
    }
    for (String path : List.of("/", "/v1", "/v2/accelerometer", "/v1/step-trainer", "/v1/accelerometer/1", "/health",
        "/openapi.json", "/admin")) {
      for (String m : List.of("GET", "POST")) {
        HttpResponse<String> r = send(gw, m, path, serviceToken, "application/json", "[]", Map.of());
        assertThat(r.statusCode()).as("undocumented %s %s", m, path).isIn(404, 405);
      }
    }
  }

  // ---------------------------------------------------------------- responses are what the document says

  @Test
  void everyDocumentedErrorOfThePostEndpointsIsRealAndMatchesItsSchema() throws Exception {
    Map<String, Integer> checked = new LinkedHashMap<>();
    for (Operation op : operations()) {
      if (!op.method().equals("post")) {
        continue;
      }
      Iterator<String> statuses = op.node().path("responses").fieldNames();
      Set<Integer> documentedErrors = new TreeSet<>();
      while (statuses.hasNext()) {
        int status = Integer.parseInt(statuses.next());
        if (status >= 400) {
          documentedErrors.add(status);
        }
      }
      List<Integer> answered = new java.util.ArrayList<>(List.of(400, 401, 403, 413, 415, 422, 429, 503));
      if (op.path().equals("/v1/customers")) {
        answered.add(409); // a customer record naming a device paired with another customer
      }
      assertThat(documentedErrors).as("%s documents the errors the gateway answers", op)
          .containsExactlyInAnyOrderElementsOf(answered);
      for (int status : documentedErrors) {
        Map<String, HttpResponse<String>> provoked = provoke(op.path(), status);
        assertThat(provoked).as("%s %s provoked", op, status).isNotEmpty();
        for (Map.Entry<String, HttpResponse<String>> e : provoked.entrySet()) {
          assertConforms(op, e.getValue(), status, e.getKey());
          checked.merge(op.path() + " " + status, 1, Integer::sum);
        }
      }
    }
    assertThat(checked).hasSize(17);
  }

  @Test
  void acceptedResponsesMatchTheirSchemaAndReplaysSaySo() throws Exception {
    for (Operation op : operations()) {
      if (!op.method().equals("post")) {
        continue;
      }
      boolean accel = op.path().equals("/v1/accelerometer");
      String body = accel ? accelerometer(OWNER, 3, 1_655_564_444_000L, "timeStamp") : customer(OWNER, "st-contract");
      JsonNode requestSchema = op.node().at("/requestBody/content/application~1json/schema");
      assertThat(schemas.validate(requestSchema, JSON.readTree(body))).as("the sample request is valid").isEmpty();
      String key = "accepted-" + UUID.randomUUID();
      for (String token : List.of(serviceToken, boundToken)) {
        HttpResponse<String> r = send(gw, "POST", op.path(), token, "application/json", body, Map.of("Idempotency-Key", key));
        assertConforms(op, r, 202, "valid request");
        assertThat(JSON.readTree(r.body()).path("accepted").asInt()).isEqualTo(accel ? 3 : 1);
        assertThat(r.headers().firstValue("Idempotent-Replayed")).isEmpty();
        HttpResponse<String> replay = send(gw, "POST", op.path(), token, "application/json", body,
            Map.of("Idempotency-Key", key));
        assertConforms(op, replay, 202, "replay");
        assertThat(replay.body()).isEqualTo(r.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).contains("true");
      }
    }
  }

  @Test
  void operationsEndpointsMatchTheirSchemas() throws Exception {
    for (Operation op : operations()) {
      if (op.method().equals("get")) {
        HttpResponse<String> r = send(gw, "GET", op.path(), null, null, null, Map.of());
        assertConforms(op, r, 200, "GET");
      }
    }
    assertThat(send(gw, "GET", "/metrics", null, null, null, Map.of()).body()).contains("stedi_wal_bytes");
  }

  // ---------------------------------------------------------------- provoking each error for real

  private Map<String, HttpResponse<String>> provoke(String path, int status) throws Exception {
    boolean accel = path.equals("/v1/accelerometer");
    String valid = accel ? accelerometer(OWNER, 2, 1_655_564_000_000L, "timestamp") : customer(OWNER, "st-1");
    Map<String, HttpResponse<String>> out = new LinkedHashMap<>();
    switch (status) {
      case 400:
        out.put("not JSON", post(path, serviceToken, "{\"user\": oops", Map.of()));
        out.put("wrong shape", post(path, serviceToken, accel ? customer(OWNER, "st-1") : "[" + valid + "]", Map.of()));
        if (accel) {
          out.put("empty batch", post(path, serviceToken, "[]", Map.of()));
        }
        out.put("Idempotency-Key too long", post(path, serviceToken, valid, Map.of("Idempotency-Key", "k".repeat(201))));
        assertThat(JSON.readTree(out.get("not JSON").body()).path("error").asText()).isEqualTo("malformed_json");
        assertThat(JSON.readTree(out.get("Idempotency-Key too long").body()).path("error").asText()).isEqualTo("bad_request");
        return out;
      case 401:
        out.put("no Authorization", post(path, null, valid, Map.of()));
        out.put("unknown token", send(gw, "POST", path, "nope.nope", "application/json", valid, Map.of()));
        out.put("not a bearer token", send(gw, "POST", path, null, "application/json", valid,
            Map.of("Authorization", "Basic YTpi")));
        return out;
      case 403: {
        String other = accel ? accelerometer("someone.else@test.com", 2, 1_655_564_000_000L, "timestamp")
            : customer("someone.else@test.com", "st-2");
        HttpResponse<String> r = post(path, boundToken, other, Map.of());
        JsonNode d = JSON.readTree(r.body()).path("details").path(0);
        assertThat(d.path("reason").asText()).isEqualTo("forbidden");
        assertThat(d.path("field").asText()).isEqualTo(accel ? "user" : "email");
        assertThat(d.path("index").asInt(-1)).isZero();
        out.put("another customer's data", r);
        return out;
      }
      case 409: {
        HttpResponse<String> r = post(path, serviceToken, customer(OWNER, "st-paired"), Map.of());
        assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("ownership_conflict");
        out.put("a device paired with another customer", r);
        return out;
      }
      case 413: {
        long limit = gw.config().get(GatewayConfig.HTTP_MAX_BODY_BYTES);
        String one = reading(OWNER, 1_655_564_000_000L, "timestamp", "1");
        StringBuilder huge = new StringBuilder("[").append(one);
        while (huge.length() <= limit) {
          huge.append(',').append(one);
        }
        out.put("body over gateway.http.max-body-bytes", post(path, serviceToken, huge.append(']').toString(), Map.of()));
        if (accel) {
          int max = gw.config().get(GatewayConfig.HTTP_MAX_BATCH);
          out.put("more than gateway.http.max-batch readings",
              post(path, serviceToken, accelerometer(OWNER, max + 1, 1_655_564_000_000L, "timestamp"), Map.of()));
        }
        return out;
      }
      case 415:
        out.put("text/plain", send(gw, "POST", path, serviceToken, "text/plain", valid, Map.of()));
        out.put("no Content-Type", send(gw, "POST", path, serviceToken, null, valid, Map.of()));
        return out;
      case 422: {
        String invalid = accel
            ? "[" + reading(OWNER, 1, "timestamp", "1") + "," + reading(OWNER, 2, "timestamp", "5000") + ","
                + reading("not-an-email", 3, "timeStamp", "1") + "]"
            : customer(OWNER, "st-1").replace("\"registrationDate\":1655564376361", "\"registrationDate\":\"yesterday\"");
        JsonNode requestSchema = operation(path, "post").node().at("/requestBody/content/application~1json/schema");
        assertThat(schemas.validate(requestSchema, JSON.readTree(invalid))).as("the document rejects it too").isNotEmpty();
        HttpResponse<String> r = post(path, serviceToken, invalid, Map.of());
        JsonNode details = JSON.readTree(r.body()).path("details");
        if (accel) {
          assertThat(details.size()).isEqualTo(2);
          assertThat(details.path(0).path("index").asInt()).isEqualTo(1);
          assertThat(details.path(0).path("field").asText()).isEqualTo("x");
          assertThat(details.path(0).path("reason").asText()).isEqualTo("impossible_value");
          assertThat(details.path(1).path("index").asInt()).isEqualTo(2);
          assertThat(details.path(1).path("field").asText()).isEqualTo("user");
        } else {
          assertThat(details.path(0).path("field").asText()).isEqualTo("registrationDate");
          assertThat(details.path(0).path("reason").asText()).isEqualTo("wrong_type");
        }
        out.put("invalid readings", r);
        String key = "conflict-" + UUID.randomUUID();
        assertThat(post(path, serviceToken, valid, Map.of("Idempotency-Key", key)).statusCode()).isEqualTo(202);
        String otherValid = accel ? accelerometer(OWNER, 2, 1_655_999_000_000L, "timestamp") : customer(OWNER, "st-9");
        HttpResponse<String> conflict = post(path, serviceToken, otherValid, Map.of("Idempotency-Key", key));
        assertThat(JSON.readTree(conflict.body()).path("error").asText()).isEqualTo("idempotency_conflict");
        out.put("Idempotency-Key reused with another body", conflict);
        return out;
      }
      case 429:
        out.put("same Idempotency-Key while the first is being stored", race(path));
        return out;
      case 503:
        out.putAll(unavailable(path));
        return out;
      default:
        fail("the test does not know how to provoke %s on %s: extend provoke()", status, path);
        return out;
    }
  }

  /** Concurrent requests with one Idempotency-Key: those arriving while the first is being fsynced get 429. */
  private HttpResponse<String> race(String path) throws Exception {
    boolean accel = path.equals("/v1/accelerometer");
    for (int attempt = 0; attempt < 40; attempt++) {
      String body = accel ? accelerometer(OWNER, 1000, 1_700_000_000_000L + attempt * 10_000L, "timestamp")
          : customer(OWNER, "st-race-" + attempt);
      String key = "race-" + UUID.randomUUID();
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        all.add(HTTP.sendAsync(request(gw, "POST", path, serviceToken, "application/json", body,
            Map.of("Idempotency-Key", key)), HttpResponse.BodyHandlers.ofString()));
      }
      HttpResponse<String> busy = null;
      for (CompletableFuture<HttpResponse<String>> f : all) {
        HttpResponse<String> r = f.get();
        assertThat(r.statusCode()).as("same key, same body: stored once, replayed, or in progress").isIn(202, 429);
        if (r.statusCode() == 429) {
          busy = r;
        }
      }
      if (busy != null) {
        return busy;
      }
    }
    fail("no 429 in 40 races of 12 concurrent requests on %s", path);
    return null;
  }

  /** 503 from a second gateway whose write-ahead log is full (16 KiB and no commits). */
  private synchronized Map<String, HttpResponse<String>> unavailable(String path) throws Exception {
    if (pressured == null) {
      Path home = tmp.resolve("pressured");
      // one sender fills the whole log here: fair shares (WalSharesIT) off
      Map<String, String> tiny = Map.of("wal.max-bytes", "16k", "wal.segment-bytes", "4k", "commit.interval", "24h",
          "gateway.wal.share-percent", "100");
      pressuredToken = new CredentialStore(GatewayFixture.config(home, tiny).credentialsFile())
          .createToken("contract-pressure", null);
      pressured = GatewayFixture.start(home, tiny);
      // Fill the log with batches of 20, then of 1 reading: readiness turns DOWN only once less than
      // min(64k, wal.max-bytes / 16) is left, while a larger batch may already be refused with 503 before that.
      int sent = 0;
      int batch = 20;
      HttpResponse<String> ready;
      while ((ready = send(pressured, "GET", "/health/ready", null, null, null, Map.of())).statusCode() == 200) {
        HttpResponse<String> r = send(pressured, "POST", "/v1/accelerometer", pressuredToken, "application/json",
            accelerometer(OWNER, batch, 1_650_000_000_000L + sent, "timestamp"), Map.of());
        assertThat(r.statusCode()).isIn(202, 503);
        if (r.statusCode() == 503) {
          assertConforms(operation("/v1/accelerometer", "post"), r, 503, "append refused by the full log");
          batch = 1;
        }
        sent += batch;
        assertThat(sent).as("the 16k log fills up").isLessThan(10_000);
      }
      assertConforms(operation("/health/ready", "get"), ready, 503, "log full");
      assertThat(JSON.readTree(ready.body()).at("/checks/wal").asText()).isEqualTo("FULL");
    }
    boolean accel = path.equals("/v1/accelerometer");
    String valid = accel ? accelerometer(OWNER, 1, 1_660_000_000_000L, "timestamp") : customer(OWNER, "st-1");
    Map<String, HttpResponse<String>> out = new LinkedHashMap<>();
    out.put("write-ahead log full", send(pressured, "POST", path, pressuredToken, "application/json", valid, Map.of()));
    return out;
  }

  // ---------------------------------------------------------------- checking a response against the document

  private void assertConforms(Operation op, HttpResponse<String> r, int expectedStatus, String what) throws Exception {
    String label = op + " " + expectedStatus + " (" + what + ")";
    assertThat(r.statusCode()).as("%s: status; body %s", label, r.body()).isEqualTo(expectedStatus);
    JsonNode response = op.node().path("responses").path(Integer.toString(expectedStatus));
    assertThat(response.isMissingNode()).as("%s is documented", label).isFalse();
    response = deref(response);
    JsonNode content = response.path("content");
    assertThat(content.size()).as("%s has one media type", label).isEqualTo(1);
    String mediaType = content.fieldNames().next();
    assertThat(r.headers().firstValue("Content-Type")).as("%s Content-Type", label)
        .hasValueSatisfying(t -> assertThat(t).startsWith(mediaType));
    JsonNode schema = content.path(mediaType).path("schema");
    if (mediaType.equals("application/json")) {
      JsonNode body = JSON.readTree(r.body());
      assertThat(schemas.validate(schema, body)).as("%s body %s", label, r.body()).isEmpty();
    } else {
      assertThat(schemas.validate(schema, JSON.getNodeFactory().textNode(r.body()))).as(label).isEmpty();
      assertThat(r.body()).as(label).isNotEmpty();
    }
    Iterator<Map.Entry<String, JsonNode>> headers = response.path("headers").fields();
    while (headers.hasNext()) {
      Map.Entry<String, JsonNode> h = headers.next();
      JsonNode header = deref(h.getValue());
      java.util.Optional<String> value = r.headers().firstValue(h.getKey());
      if (header.path("required").asBoolean(false)) {
        assertThat(value).as("%s header %s", label, h.getKey()).isPresent();
      }
      if (value.isPresent()) {
        JsonNode hs = header.path("schema");
        JsonNode v = deref(hs).path("type").asText().equals("integer") && value.get().matches("-?\\d+")
            ? JSON.getNodeFactory().numberNode(Long.parseLong(value.get()))
            : JSON.getNodeFactory().textNode(value.get());
        assertThat(schemas.validate(hs, v)).as("%s header %s: %s", label, h.getKey(), value.get()).isEmpty();
      }
    }
  }

  // ---------------------------------------------------------------- the document as data

  record Operation(String path, String method, JsonNode node) {
    @Override
    public String toString() {
      return method.toUpperCase(Locale.ROOT) + " " + path;
    }
  }

  private static List<Operation> operations() {
    List<Operation> ops = new ArrayList<>();
    doc.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(m -> {
      assertThat(HTTP_METHODS).as("operation key under %s", p.getKey()).contains(m.getKey());
      ops.add(new Operation(p.getKey(), m.getKey(), m.getValue()));
    }));
    return ops;
  }

  private static Operation operation(String path, String method) {
    return new Operation(path, method, doc.path("paths").path(path).path(method));
  }

  private static JsonNode resolve(String ref) {
    assertThat(ref).as("only local references").startsWith("#/");
    return doc.at(ref.substring(1));
  }

  private static JsonNode deref(JsonNode n) {
    while (n.has("$ref")) {
      n = resolve(n.get("$ref").asText());
    }
    return n;
  }

  private static void collectRefs(JsonNode n, List<String> out) {
    if (n.isObject()) {
      n.fields().forEachRemaining(e -> {
        if (e.getKey().equals("$ref")) {
          out.add(e.getValue().asText());
        } else {
          collectRefs(e.getValue(), out);
        }
      });
    } else if (n.isArray()) {
      n.forEach(c -> collectRefs(c, out));
    }
  }

  /**
   * Validates JSON values against OpenAPI 3.0 schema objects: $ref, type, nullable, enum, format int32/int64,
   * minimum, maximum, minLength, maxLength, pattern, minItems, maxItems, items, required, properties,
   * additionalProperties, allOf, anyOf. Any other keyword makes it fail loudly rather than pass silently.
   */
  static final class SchemaChecker {
    private static final Set<String> ASSERTIONS = Set.of("$ref", "type", "nullable", "enum", "format", "minimum",
        "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "items", "required", "properties",
        "additionalProperties", "allOf", "anyOf");
    private static final Set<String> ANNOTATIONS = Set.of("description", "example", "title");
    private final JsonNode root;

    SchemaChecker(JsonNode root) {
      this.root = root;
    }

    /** The violations of {@code value} against {@code schema} (empty when it conforms). */
    List<String> validate(JsonNode schema, JsonNode value) {
      List<String> errors = new ArrayList<>();
      check(schema, value, "$", errors);
      return errors;
    }

    /** Fails if a schema uses a keyword this checker would not enforce. */
    void lint(JsonNode schema, String at) {
      if (!schema.isObject()) {
        throw new AssertionError(at + ": a schema must be an object");
      }
      schema.fieldNames().forEachRemaining(k -> {
        if (!ASSERTIONS.contains(k) && !ANNOTATIONS.contains(k)) {
          throw new AssertionError(at + ": schema keyword '" + k + "' is not supported by the contract test's checker");
        }
      });
      schema.path("properties").fields().forEachRemaining(e -> lint(e.getValue(), at + "." + e.getKey()));
      if (schema.has("items")) {
        lint(schema.get("items"), at + "[]");
      }
      if (schema.path("additionalProperties").isObject()) {
        lint(schema.get("additionalProperties"), at + ".*");
      }
      for (String k : List.of("allOf", "anyOf")) {
        int i = 0;
        for (JsonNode s : schema.path(k)) {
          lint(s, at + "." + k + "[" + i++ + "]");
        }
      }
    }

    private void check(JsonNode s, JsonNode v, String at, List<String> errors) {
      lintShallow(s, at);
      if (s.has("$ref")) {
        String ref = s.get("$ref").asText();
        check(root.at(ref.substring(1)), v, at, errors); // OpenAPI 3.0: siblings of $ref are ignored
        return;
      }
      for (JsonNode sub : s.path("allOf")) {
        check(sub, v, at, errors);
      }
      if (s.has("anyOf")) {
        List<String> all = new ArrayList<>();
        boolean any = false;
        for (JsonNode sub : s.get("anyOf")) {
          List<String> e = new ArrayList<>();
          check(sub, v, at, e);
          any |= e.isEmpty();
          all.addAll(e);
        }
        if (!any) {
          errors.add(at + ": matches none of anyOf " + all);
        }
      }
      if (v.isNull()) {
        if (s.has("type") && !s.path("nullable").asBoolean(false)) {
          errors.add(at + ": null, but the schema is not nullable");
        }
        return;
      }
      if (s.has("type") && !typeMatches(s.get("type").asText(), v)) {
        errors.add(at + ": expected " + s.get("type").asText() + ", found " + v.getNodeType() + " " + v);
        return;
      }
      if (s.has("enum")) {
        boolean found = false;
        for (JsonNode e : s.get("enum")) {
          found |= e.equals(v) || (e.isNumber() && v.isNumber() && e.decimalValue().compareTo(v.decimalValue()) == 0);
        }
        if (!found) {
          errors.add(at + ": " + v + " is not one of " + s.get("enum"));
        }
      }
      if (v.isNumber()) {
        BigDecimal d = v.decimalValue();
        if (s.has("minimum") && d.compareTo(s.get("minimum").decimalValue()) < 0) {
          errors.add(at + ": " + v + " < minimum " + s.get("minimum"));
        }
        if (s.has("maximum") && d.compareTo(s.get("maximum").decimalValue()) > 0) {
          errors.add(at + ": " + v + " > maximum " + s.get("maximum"));
        }
        String format = s.path("format").asText("");
        if (format.equals("int64") && (d.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0
            || d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0)) {
          errors.add(at + ": " + v + " is not an int64");
        }
        if (format.equals("int32") && (d.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) < 0
            || d.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0)) {
          errors.add(at + ": " + v + " is not an int32");
        }
      }
      if (v.isTextual()) {
        String t = v.asText();
        int len = t.codePointCount(0, t.length());
        if (s.has("minLength") && len < s.get("minLength").asInt()) {
          errors.add(at + ": shorter than " + s.get("minLength"));
        }
        if (s.has("maxLength") && len > s.get("maxLength").asInt()) {
          errors.add(at + ": longer than " + s.get("maxLength"));
        }
        if (s.has("pattern") && !Pattern.compile(s.get("pattern").asText()).matcher(t).find()) {
          errors.add(at + ": '" + t + "' does not match " + s.get("pattern").asText());
        }
      }
      if (v.isArray()) {
        if (s.has("minItems") && v.size() < s.get("minItems").asInt()) {
          errors.add(at + ": fewer than " + s.get("minItems") + " items");
        }
        if (s.has("maxItems") && v.size() > s.get("maxItems").asInt()) {
          errors.add(at + ": more than " + s.get("maxItems") + " items");
        }
        if (s.has("items")) {
          for (int i = 0; i < v.size(); i++) {
            check(s.get("items"), v.get(i), at + "[" + i + "]", errors);
          }
        }
      }
      if (v.isObject()) {
        for (JsonNode req : s.path("required")) {
          if (!v.has(req.asText())) {
            errors.add(at + ": required property '" + req.asText() + "' is missing");
          }
        }
        JsonNode props = s.path("properties");
        Iterator<Map.Entry<String, JsonNode>> fields = v.fields();
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> f = fields.next();
          if (props.has(f.getKey())) {
            check(props.get(f.getKey()), f.getValue(), at + "." + f.getKey(), errors);
          } else if (s.has("additionalProperties")) {
            JsonNode ap = s.get("additionalProperties");
            if (ap.isBoolean() && !ap.asBoolean()) {
              errors.add(at + ": property '" + f.getKey() + "' is not allowed");
            } else if (ap.isObject()) {
              check(ap, f.getValue(), at + "." + f.getKey(), errors);
            }
          }
        }
      }
    }

    private void lintShallow(JsonNode s, String at) {
      s.fieldNames().forEachRemaining(k -> {
        if (!ASSERTIONS.contains(k) && !ANNOTATIONS.contains(k)) {
          throw new AssertionError(at + ": schema keyword '" + k + "' is not supported by the contract test's checker");
        }
      });
      String format = s.path("format").asText("");
      if (!format.isEmpty() && !Set.of("int32", "int64", "double", "float").contains(format)) {
        throw new AssertionError(at + ": format '" + format + "' is not checked by the contract test's checker");
      }
    }

    private static boolean typeMatches(String type, JsonNode v) {
      switch (type) {
        case "string":
          return v.isTextual();
        case "integer":
          return v.isIntegralNumber();
        case "number":
          return v.isNumber();
        case "boolean":
          return v.isBoolean();
        case "object":
          return v.isObject();
        case "array":
          return v.isArray();
        default:
          throw new AssertionError("unknown schema type " + type);
      }
    }
  }

  // ---------------------------------------------------------------- finding the router of the running gateway

  /**
   * The gateway does not expose its Vert.x router, so look for it in the object graph of the running server
   * (GatewayServer → HttpIngestVerticle → HttpServer → request handler), following only Vert.x and STEDI objects.
   */
  static Router findRouter(Object root) throws IllegalAccessException {
    Map<Object, Boolean> seen = new IdentityHashMap<>();
    Deque<Object[]> queue = new ArrayDeque<>();
    queue.add(new Object[] {root, 0});
    while (!queue.isEmpty()) {
      Object[] next = queue.poll();
      Object o = next[0];
      int depth = (Integer) next[1];
      if (o instanceof Router) {
        return (Router) o;
      }
      if (depth >= 6 || seen.put(o, Boolean.TRUE) != null) {
        continue;
      }
      for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
        for (Field f : c.getDeclaredFields()) {
          if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
            continue;
          }
          try {
            f.setAccessible(true);
          } catch (RuntimeException inaccessible) {
            continue;
          }
          Object v = f.get(o);
          if (v == null || v instanceof io.vertx.core.Vertx || v instanceof io.vertx.core.Context) {
            continue;
          }
          String n = v.getClass().getName();
          if (n.startsWith("io.stedi.") || n.startsWith("io.vertx.")) {
            queue.add(new Object[] {v, depth + 1});
          }
        }
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- requests and bodies

  private static HttpResponse<String> post(String path, String token, String body, Map<String, String> headers)
      throws Exception {
    return send(gw, "POST", path, token, "application/json", body, headers);
  }

  private static HttpResponse<String> send(GatewayFixture g, String method, String path, String token, String contentType,
      String body, Map<String, String> headers) throws Exception {
    return HTTP.send(request(g, method, path, token, contentType, body, headers), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest request(GatewayFixture g, String method, String path, String token, String contentType,
      String body, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    headers.forEach(b::header);
    return b.build();
  }

  static String reading(String user, long t, String timeField, String x) {
    return "{\"user\":\"" + user + "\",\"" + timeField + "\":" + t + ",\"x\":" + x + ",\"y\":2.5,\"z\":-3}";
  }

  static String accelerometer(String user, int n, long from, String timeField) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append(reading(user, from + i, timeField, Integer.toString(i % 100)));
    }
    return b.append(']').toString();
  }

  static String customer(String email, String serial) {
    return "{\"customerName\":\"Frank Doshi\",\"email\":\"" + email + "\",\"phone\":\"8015551212\","
        + "\"birthDay\":\"1963-01-01\",\"serialNumber\":\"" + serial + "\",\"registrationDate\":1655564376361,"
        + "\"lastUpdateDate\":1655564376361,\"shareWithResearchAsOfDate\":1655564376361,"
        + "\"shareWithPublicAsOfDate\":null,\"shareWithFriendsAsOfDate\":null}";
  }
}
