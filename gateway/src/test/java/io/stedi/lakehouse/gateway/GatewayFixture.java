package io.stedi.lakehouse.gateway;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * A real gateway for tests: embedded SQLite catalog under a temp home, MQTT and HTTP on 127.0.0.1 port 0,
 * commits every 100 ms. Add devices and tokens through {@link #credentials()}; read tables with {@link #rows}.
 */
public final class GatewayFixture implements AutoCloseable {
  private final Path home;
  private final Vertx vertx;
  private final GatewayServer server;
  private final CredentialStore credentials;
  private final GatewayConfig config;

  private GatewayFixture(Path home, GatewayConfig config) throws Exception {
    this.home = home;
    this.config = config;
    this.credentials = new CredentialStore(config.credentialsFile());
    this.vertx = Vertx.vertx();
    this.server = GatewayServer.start(vertx, config);
  }

  /** Starts a gateway on {@code home} with extra config keys. */
  public static GatewayFixture start(Path home, Map<String, String> extra) throws Exception {
    return new GatewayFixture(home, config(home, extra));
  }

  /** The config a fixture on {@code home} uses (for starting a gateway in a child JVM the same way). */
  public static GatewayConfig config(Path home, Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of("stedi.home", home.toString(), "gateway.host", "127.0.0.1",
        "gateway.mqtt.port", "0", "gateway.http.port", "0", "commit.interval", "100ms"));
    m.putAll(extra);
    return GatewayConfig.from(ConfigSources.defaults().withOverrides(m));
  }

  public int mqttPort() {
    return server.mqttPort();
  }

  public int httpPort() {
    return server.httpPort();
  }

  public GatewayServer server() {
    return server;
  }

  public GatewayConfig config() {
    return config;
  }

  /** The credential file the gateway reads (changes are picked up within a second). */
  public CredentialStore credentials() {
    return credentials;
  }

  public Path home() {
    return home;
  }

  /** Commits everything acknowledged so far. */
  public void flush() {
    server.coordinator().flush();
  }

  /** Every row of a landing table (after {@link #flush()}). */
  public List<Record> rows(Zone zone) {
    return read(LandingTables.id(zone));
  }

  /** Every quarantine row (after {@link #flush()}). */
  public List<Record> quarantine() {
    return read(LandingTables.quarantineId());
  }

  private List<Record> read(org.apache.iceberg.catalog.TableIdentifier id) {
    Catalog catalog = Catalogs.open(config.lakehouse());
    List<Record> out = new ArrayList<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(catalog.loadTable(id)).build()) {
      it.forEach(r -> out.add(r.copy()));
      ((AutoCloseable) catalog).close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    server.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
