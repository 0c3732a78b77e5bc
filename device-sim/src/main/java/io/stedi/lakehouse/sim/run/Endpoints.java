package io.stedi.lakehouse.sim.run;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Where {@code sim run} connects, and how it trusts TLS servers. */
public final class Endpoints {
  private Endpoints() {}

  /** An MQTT server address. */
  public record MqttAddress(String host, int port, boolean tls) {}

  /**
   * Parses {@code mqtt://host:port}, {@code tcp://host:port}, {@code mqtts://host:port}, {@code ssl://host:port} or
   * {@code host:port}; {@code forceTls} (--tls) turns TLS on for any of them.
   */
  public static MqttAddress mqtt(String url, boolean forceTls) {
    String u = url.contains("://") ? url : "mqtt://" + url;
    URI uri;
    try {
      uri = URI.create(u);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--mqtt '" + url + "' is not a URL like mqtt://host:1883");
    }
    String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    boolean tls = forceTls || scheme.equals("mqtts") || scheme.equals("ssl");
    if (!scheme.matches("mqtts?|tcp|ssl") || uri.getHost() == null) {
      throw new IllegalArgumentException("--mqtt '" + url + "' is not a URL like mqtt://host:1883 or mqtts://host:8883");
    }
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883;
    return new MqttAddress(uri.getHost(), port, tls);
  }

  /** The HTTP base URL (no trailing slash); --tls turns http:// into https://. */
  public static URI http(String url, boolean forceTls) {
    String u = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    if (forceTls && u.startsWith("http://")) {
      u = "https://" + u.substring("http://".length());
    }
    URI uri;
    try {
      uri = URI.create(u);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--http '" + url + "' is not a URL like http://host:8080");
    }
    if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
      throw new IllegalArgumentException("--http '" + url + "' is not a URL like http://host:8080");
    }
    return uri;
  }

  /**
   * The trust to use for TLS: the CA certificates of a PEM file, every certificate ({@code insecure}, for tests
   * with self-signed certificates), or the JDK's default trust store (null).
   */
  public static TrustManagerFactory trust(Path caPem, boolean insecure) {
    try {
      if (insecure) {
        return new InsecureTrustManagerFactory();
      }
      if (caPem == null) {
        return null;
      }
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      try (InputStream in = Files.newInputStream(caPem)) {
        int i = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          ks.setCertificateEntry("ca-" + i++, c);
        }
        if (i == 0) {
          throw new IllegalArgumentException("--ca " + caPem + " holds no PEM certificate");
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return tmf;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("--ca " + caPem + ": " + e.getMessage(), e);
    }
  }

  /** An SSLContext from a trust manager factory (null: the JDK default). */
  public static SSLContext sslContext(TrustManagerFactory tmf) {
    try {
      if (tmf == null) {
        return SSLContext.getDefault();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /** Trusts every certificate: only for tests against self-signed servers (--insecure). */
  static final class InsecureTrustManagerFactory extends TrustManagerFactory {
    InsecureTrustManagerFactory() {
      super(new javax.net.ssl.TrustManagerFactorySpi() {
        @Override
        protected void engineInit(KeyStore ks) {}

        @Override
        protected void engineInit(javax.net.ssl.ManagerFactoryParameters spec) {}

        @Override
        protected TrustManager[] engineGetTrustManagers() {
          return new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }};
        }
      }, null, "insecure");
    }
  }
}
