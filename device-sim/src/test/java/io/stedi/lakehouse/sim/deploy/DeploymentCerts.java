package io.stedi.lakehouse.sim.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The certificates of the compose deployment, made by its own deploy/init/secure-init.sh, for the loopback tests. */
final class DeploymentCerts {
  private DeploymentCerts() {}

  /** Runs secure-init.sh into {@code dir} (CA, gateway and Trino certificates, Trino's password file). */
  static Path make(Path dir, String analystPassword) throws Exception {
    Path log = dir.resolveSibling(dir.getFileName() + "-init.log");
    ProcessBuilder init = new ProcessBuilder("sh", ComposeFile.ROOT.resolve("deploy/init/secure-init.sh").toString(),
        dir.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
    init.environment().put("TRINO_ANALYST_PASSWORD", analystPassword);
    assertThat(init.start().waitFor()).as(Files.readString(log)).isZero();
    return dir;
  }

  /** A TLS context that trusts exactly the deployment CA of {@code dir}. */
  static SSLContext trusting(Path dir) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(dir.resolve("public/ca.crt"))) {
      ks.setCertificateEntry("stedi-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
