package io.stedi.lakehouse.gateway.it;

import static io.stedi.lakehouse.gateway.it.Wire.T0;
import static io.stedi.lakehouse.gateway.it.Wire.accelRows;
import static io.stedi.lakehouse.gateway.it.Wire.step;
import static io.stedi.lakehouse.gateway.it.Wire.stepRows;
import static io.stedi.lakehouse.gateway.it.Wire.topic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both listeners with {@code gateway.tls.cert}/{@code gateway.tls.key}: HTTPS with HTTP/2 negotiated by ALPN, MQTT
 * over TLS, and no plain-text fallback on either port. The certificate is made for this test run.
 */
class TlsIT {
  @TempDir
  static Path tmp;

  private static GatewayFixture gw;
  private static TrustManagerFactory trust;
  private static SSLContext tls;
  private static String token;
  private static String secret;

  @BeforeAll
  static void start() throws Exception {
    Path cert = tmp.resolve("cert.pem");
    Path key = tmp.resolve("key.pem");
    selfSigned(cert, key);

    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      ks.setCertificateEntry("gateway", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(ks);
    tls = SSLContext.getInstance("TLS");
    tls.init(null, trust.getTrustManagers(), null);

    Path home = tmp.resolve("home");
    Map<String, String> cfg = Map.of("gateway.tls.cert", cert.toString(), "gateway.tls.key", key.toString());
    CredentialStore creds = new CredentialStore(GatewayFixture.config(home, cfg).credentialsFile());
    token = creds.createToken("tls-app", null);
    secret = creds.addDevice("st-tls");
    gw = GatewayFixture.start(home, cfg);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  /** A self-signed certificate for CN=localhost with SAN IP:127.0.0.1: openssl, or keytool when there is none. */
  private static void selfSigned(Path cert, Path key) throws Exception {
    if (onPath("openssl")) {
      run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out",
          cert.toString(), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"));
      return;
    }
    Path p12 = tmp.resolve("gw.p12");
    run(List.of("keytool", "-genkeypair", "-alias", "gw", "-keyalg", "RSA", "-keysize", "2048", "-validity", "1",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
        "-keystore", p12.toString(), "-storepass", "changeit", "-keypass", "changeit"));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p12)) {
      ks.load(in, "changeit".toCharArray());
    }
    Key k = ks.getKey("gw", "changeit".toCharArray()); // RSA private keys encode as PKCS#8
    Certificate c = ks.getCertificate("gw");
    Files.writeString(key, pem("PRIVATE KEY", k.getEncoded()));
    Files.writeString(cert, pem("CERTIFICATE", c.getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static boolean onPath(String exe) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, exe))) {
        return true;
      }
    }
    return false;
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(cmd.get(0) + " failed: " + out);
    }
  }

  private static List<Throwable> causes(Throwable t) {
    List<Throwable> out = new java.util.ArrayList<>();
    for (Throwable c = t; c != null && !out.contains(c); c = c.getCause()) {
      out.add(c);
    }
    return out;
  }

  private static HttpRequest postReading(String scheme, String user, long time) {
    return HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + gw.httpPort() + "/v1/accelerometer"))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("[{\"user\":\"" + user + "\",\"timestamp\":" + time
            + ",\"x\":1,\"y\":2,\"z\":3}]")).build();
  }

  @Test
  void httpsPostNegotiatesHttp2AndIsStored() throws Exception {
    String u = "tls@test.com";
    HttpClient h2 = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_2).build();
    HttpResponse<String> r = h2.send(postReading("https", u, T0), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.body()).isEqualTo("{\"accepted\":1}");
    HttpResponse<String> ready = h2.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gw.httpPort()
        + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.version()).isEqualTo(HttpClient.Version.HTTP_2);

    // a client that offers only HTTP/1.1 still gets served
    HttpClient h1 = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> r1 = h1.send(postReading("https", u, T0 + 1), HttpResponse.BodyHandlers.ofString());
    assertThat(r1.statusCode()).isEqualTo(202);
    assertThat(r1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);

    gw.flush();
    assertThat(accelRows(gw, u)).extracting(x -> x.getField("timestamp")).containsExactlyInAnyOrder(T0, T0 + 1);
    assertThat(accelRows(gw, u)).extracting(x -> x.getField("_stedi_source")).containsOnly("https");
  }

  @Test
  void plainHttpOnTheTlsPortAndAnUntrustingClientFail() throws Exception {
    String u = "plain@test.com";
    HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    assertThatThrownBy(() -> plain.send(postReading("http", u, T0), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    // the JDK's default trust store does not know the self-signed certificate
    HttpClient untrusting = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    assertThatThrownBy(() -> untrusting.send(postReading("https", u, T0 + 1), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(SSLHandshakeException.class);
    gw.flush();
    assertThat(accelRows(gw, u)).isEmpty();
  }

  @Test
  void mqttOverTlsPublishesQos1() throws Exception {
    Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier("tls-5").serverHost("127.0.0.1")
        .serverPort(gw.mqttPort()).sslConfig().trustManagerFactory(trust).applySslConfig().buildAsync();
    assertThat(c.connectWith().simpleAuth().username("st-tls").password(secret.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth().send().get(10, TimeUnit.SECONDS).getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    Mqtt5PublishResult r = c.publishWith().topic(topic("st-tls")).qos(MqttQos.AT_LEAST_ONCE)
        .payload(step("st-tls", T0, 77).getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
    assertThat(((Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    c.disconnect().get(10, TimeUnit.SECONDS);

    Mqtt3AsyncClient c3 = MqttClient.builder().useMqttVersion3().identifier("tls-3").serverHost("127.0.0.1")
        .serverPort(gw.mqttPort()).sslConfig().trustManagerFactory(trust).applySslConfig().buildAsync();
    c3.connectWith().simpleAuth().username("st-tls").password(secret.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
        .send().get(10, TimeUnit.SECONDS);
    c3.publishWith().topic(topic("st-tls")).qos(MqttQos.AT_LEAST_ONCE)
        .payload(step("st-tls", T0 + 1, 78).getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
    c3.disconnect().get(10, TimeUnit.SECONDS);

    gw.flush();
    assertThat(stepRows(gw, "st-tls")).extracting(x -> x.getField("distanceFromObject")).containsExactlyInAnyOrder(77, 78);
    assertThat(stepRows(gw, "st-tls")).extracting(x -> x.getField("_stedi_source")).containsOnly("mqtt");
  }

  @Test
  void plainTcpMqttConnectToTheTlsPortFails() throws Exception {
    Mqtt5AsyncClient plain = MqttClient.builder().useMqttVersion5().identifier("tls-plain").serverHost("127.0.0.1")
        .serverPort(gw.mqttPort()).buildAsync();
    assertThatThrownBy(() -> plain.connectWith().simpleAuth().username("st-tls")
        .password(secret.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send().get(15, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
    assertThat(plain.getState().isConnected()).isFalse();
    // and a TLS client that does not trust the certificate cannot connect either
    Mqtt5AsyncClient untrusting = MqttClient.builder().useMqttVersion5().identifier("tls-untrusting")
        .serverHost("127.0.0.1").serverPort(gw.mqttPort()).sslWithDefaultConfig().buildAsync();
    assertThatThrownBy(() -> untrusting.connectWith().simpleAuth().username("st-tls")
        .password(secret.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send().get(15, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .satisfies(t -> assertThat(causes(t)).anyMatch(c -> c instanceof SSLHandshakeException));
    assertThat(untrusting.getState().isConnected()).isFalse();
  }
}
