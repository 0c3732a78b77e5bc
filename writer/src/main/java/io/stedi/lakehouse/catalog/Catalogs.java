package io.stedi.lakehouse.catalog;

import io.stedi.lakehouse.config.CatalogType;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;

/**
 * Builds the Iceberg catalog that {@link LakehouseConfig} describes. The same property map feeds Spark's
 * {@code SparkCatalog} (see {@link #catalogProperties(LakehouseConfig)}), so every process sees one catalog.
 */
public final class Catalogs {
  /** JdbcCatalog implementation class (sqlite and jdbc). */
  public static final String JDBC_IMPL = "org.apache.iceberg.jdbc.JdbcCatalog";
  public static final String REST_IMPL = "org.apache.iceberg.rest.RESTCatalog";
  public static final String GLUE_IMPL = "org.apache.iceberg.aws.glue.GlueCatalog";
  public static final String S3_FILE_IO = "org.apache.iceberg.aws.s3.S3FileIO";

  private Catalogs() {}

  /**
   * The Iceberg catalog properties (including {@code catalog-impl}) for this config. Secrets are included:
   * never log the result.
   */
  public static Map<String, String> catalogProperties(LakehouseConfig c) {
    Map<String, String> p = new LinkedHashMap<>();
    CatalogType type = c.get(LakehouseConfig.CATALOG_TYPE);
    if (!c.warehouse().isBlank()) { // blank only for a REST catalog asked for no warehouse name
      p.put(CatalogProperties.WAREHOUSE_LOCATION, c.warehouse());
    }
    switch (type) {
      case SQLITE:
        p.put(CatalogProperties.CATALOG_IMPL, JDBC_IMPL);
        p.put(CatalogProperties.URI, c.catalogUri());
        // Several processes share one SQLite file (gateway, curation, sql). busy_timeout makes a writer wait
        // for the lock instead of failing with SQLITE_BUSY; WAL journaling lets readers run beside a writer.
        p.put("jdbc.busy_timeout", "60000");
        p.put("jdbc.journal_mode", "wal");
        p.put("jdbc.schema-version", "V1");
        break;
      case JDBC:
        p.put(CatalogProperties.CATALOG_IMPL, JDBC_IMPL);
        p.put(CatalogProperties.URI, c.catalogUri());
        p.put("jdbc.schema-version", "V1");
        if (!c.get(LakehouseConfig.CATALOG_USER).isBlank()) {
          p.put("jdbc.user", c.get(LakehouseConfig.CATALOG_USER));
        }
        if (!c.get(LakehouseConfig.CATALOG_PASSWORD).isBlank()) {
          p.put("jdbc.password", c.get(LakehouseConfig.CATALOG_PASSWORD));
        }
        break;
      case REST:
        p.put(CatalogProperties.CATALOG_IMPL, REST_IMPL);
        p.put(CatalogProperties.URI, c.catalogUri());
        if (c.get(LakehouseConfig.CATALOG_TOKEN).isBlank()) {
          p.put("rest.auth.type", "none");
        } else {
          // A static bearer token is Iceberg's OAuth2 manager with "token" set. Naming the type and the token
          // endpoint (the spec's default, <uri>/v1/oauth/tokens) is what the client would infer, minus its warnings.
          p.put("rest.auth.type", "oauth2");
          p.put("token", c.get(LakehouseConfig.CATALOG_TOKEN));
          p.put("oauth2-server-uri", c.catalogUri().replaceAll("/+$", "") + "/v1/oauth/tokens");
        }
        // Scan and commit reports go to the catalog from a background thread that a short CLI run closes under
        // it (every run then ended with a WARN); the product's own metrics say what it wrote.
        p.put("rest-metrics-reporting-enabled", "false");
        break;
      case GLUE:
        p.put(CatalogProperties.CATALOG_IMPL, GLUE_IMPL);
        p.put("client.region", c.get(LakehouseConfig.S3_REGION));
        break;
      default:
        throw new IllegalStateException("unhandled catalog.type " + type);
    }
    if (c.isS3Warehouse()) {
      p.put(CatalogProperties.FILE_IO_IMPL, S3_FILE_IO);
      p.put("client.region", c.get(LakehouseConfig.S3_REGION));
      if (!c.get(LakehouseConfig.S3_ENDPOINT).isBlank()) {
        p.put("s3.endpoint", c.get(LakehouseConfig.S3_ENDPOINT));
      }
      p.put("s3.path-style-access", String.valueOf(c.get(LakehouseConfig.S3_PATH_STYLE)));
      if (!c.get(LakehouseConfig.S3_ACCESS_KEY).isBlank()) {
        p.put("s3.access-key-id", c.get(LakehouseConfig.S3_ACCESS_KEY));
        p.put("s3.secret-access-key", c.get(LakehouseConfig.S3_SECRET_KEY));
      }
    }
    return p;
  }

  /**
   * Opens the catalog. For the embedded default it first creates {@code stedi.home} and the warehouse folder.
   * Opening is retried briefly because two processes creating the SQLite schema at once can collide.
   */
  public static Catalog open(LakehouseConfig c) {
    if (c.get(LakehouseConfig.CATALOG_TYPE) == CatalogType.SQLITE) {
      try {
        Files.createDirectories(c.home());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create stedi.home " + c.home(), e);
      }
    }
    if (c.localWarehouse().isPresent()) {
      try {
        Files.createDirectories(c.localWarehouse().get());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create catalog.warehouse " + c.localWarehouse().get(), e);
      }
    }
    Map<String, String> props = catalogProperties(c);
    org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration(false);
    return Retry.onTransient("open catalog " + c.get(LakehouseConfig.CATALOG_NAME), c.get(LakehouseConfig.COMMIT_RETRIES),
        () -> CatalogUtil.buildIcebergCatalog(c.get(LakehouseConfig.CATALOG_NAME), props, hadoop));
  }
}
