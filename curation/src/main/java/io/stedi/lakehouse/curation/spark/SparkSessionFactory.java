package io.stedi.lakehouse.curation.spark;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.CatalogType;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link SparkSession} that reads and writes the lakehouse: the Iceberg catalog described by
 * {@link LakehouseConfig} is registered under {@code catalog.name} and made Spark's default catalog, so
 * queries name tables {@code stedi.<table>} (for example {@code stedi.customer_landing}).
 */
public final class SparkSessionFactory {
  /** Master used when none is given: all local cores. */
  public static final String DEFAULT_MASTER = "local[*]";

  private static final Logger LOG = LoggerFactory.getLogger(SparkSessionFactory.class);
  private static final String SPARK_CATALOG = "org.apache.iceberg.spark.SparkCatalog";
  private static final String ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";

  private SparkSessionFactory() {}

  /**
   * Creates (or, if one is already running in this JVM, returns) a Spark session on the lakehouse catalog.
   *
   * <p>The session has the Spark UI off, 4 shuffle partitions, the session time zone UTC, the Iceberg SQL
   * extensions (MERGE, UPDATE, DELETE, procedures), and the Iceberg catalog as default catalog. For the
   * embedded default (SQLite catalog, local warehouse) the {@code stedi.home} and warehouse folders are
   * created if missing, as the writer does.
   *
   * <p>Spark keeps one default session per JVM: when a session already runs, Spark returns it and only
   * runtime SQL settings are applied to it. The caller owns the session and must {@link SparkSession#stop()}
   * it.
   *
   * @param config the lakehouse configuration (catalog, warehouse, credentials)
   * @param master the Spark master URL, or null for {@value #DEFAULT_MASTER}; under spark-submit its
   *     {@code --master} wins
   * @return the session
   */
  public static SparkSession create(LakehouseConfig config, String master) {
    String configured = master == null || master.isBlank() ? DEFAULT_MASTER : master;
    // spark-submit passes its --master as the system property spark.master; the builder's master() would override
    // it, so a submitted job would quietly run in local mode on the driver
    String submitted = System.getProperty("spark.master");
    String url = submitted == null ? configured : submitted;
    if (submitted != null && !configured.equals(DEFAULT_MASTER) && !configured.equals(submitted)) {
      LOG.warn("spark-submit's --master {} wins over curation.master {}", submitted, configured);
    }
    prepareLocalState(config);
    String catalog = config.get(LakehouseConfig.CATALOG_NAME);
    SparkSession.Builder b = SparkSession.builder()
        .appName("stedi")
        .master(url)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.extensions", ICEBERG_EXTENSIONS)
        .config("spark.sql.catalog." + catalog, SPARK_CATALOG)
        .config("spark.sql.defaultCatalog", catalog)
        // Spark creates its own (unused) session-catalog warehouse at start; keep it inside stedi.home so that
        // nothing is written to the working directory.
        .config("spark.sql.warehouse.dir", config.home().resolve("spark-warehouse").toUri().toString());
    if (url.startsWith("local") || LOOPBACK_MASTER.matcher(url).matches()) {
      // A local driver needs no network name (and a master on loopback reaches it there); binding to loopback
      // avoids failures on hosts whose name does not resolve.
      b.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1");
    }
    if (!url.startsWith("local") && System.getProperty("spark.jars") == null) {
      // A cluster's executors run the product's own code (the key functions, the erasure scan): ship the jar it
      // was loaded from, or every task fails on a SerializedLambda that no executor can resolve. spark-submit's
      // --jars wins (it sets spark.jars as a system property).
      productJar().ifPresent(jar -> b.config("spark.jars", jar));
    }
    for (Map.Entry<String, String> e : Catalogs.catalogProperties(config).entrySet()) {
      b.config("spark.sql.catalog." + catalog + "." + e.getKey(), e.getValue());
    }
    LOG.debug("starting Spark session: master {}, catalog {}, warehouse {}", url, catalog, config.warehouse());
    return b.getOrCreate();
  }

  private static final java.util.regex.Pattern LOOPBACK_MASTER =
      java.util.regex.Pattern.compile("spark://(127\\.0\\.0\\.1|localhost)(:\\d+)?");

  /** The jar this class was loaded from, if it was loaded from a jar (not from a classes folder in tests). */
  static java.util.Optional<String> productJar() {
    var source = SparkSessionFactory.class.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) {
      return java.util.Optional.empty();
    }
    try {
      Path p = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(p) ? java.util.Optional.of(p.toString()) : java.util.Optional.empty();
    } catch (java.net.URISyntaxException e) {
      LOG.warn("cannot locate the curation jar to ship to the executors ({}); they need it on their class path", source.getLocation());
      return java.util.Optional.empty();
    }
  }

  private static void prepareLocalState(LakehouseConfig config) {
    try {
      if (config.get(LakehouseConfig.CATALOG_TYPE) == CatalogType.SQLITE) {
        Files.createDirectories(config.home());
      }
      if (config.localWarehouse().isPresent()) {
        Files.createDirectories(config.localWarehouse().get());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the lakehouse folders under " + config.home(), e);
    }
  }
}
