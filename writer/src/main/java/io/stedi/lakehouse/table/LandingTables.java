package io.stedi.lakehouse.table;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

import io.stedi.lakehouse.catalog.Retry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.types.Types;

/**
 * Schemas and idempotent creation of the landing and quarantine tables in namespace {@code stedi}.
 * Seed columns keep the names of the original Glue design; ingestion metadata lives in {@code _stedi_*}
 * columns, which no seed field can clash with.
 */
public final class LandingTables {
  public static final Namespace NAMESPACE = Namespace.of("stedi");
  public static final String QUARANTINE = "quarantine";

  /** Arrival time at the product (timestamptz); the tables are partitioned by its day. */
  public static final String ARRIVAL = "_stedi_arrival";
  /** Where the record came from: mqtt, https or load. */
  public static final String SOURCE = "_stedi_source";
  /** Idempotency key: unique per delivered record, so a replay can be recognised. */
  public static final String KEY = "_stedi_key";

  public static final Schema QUARANTINE_SCHEMA = withMeta(
      optional(1, "zone", Types.StringType.get()),
      optional(2, "origin", Types.StringType.get()),
      optional(3, "reason_code", Types.StringType.get()),
      optional(4, "message", Types.StringType.get()),
      optional(5, "payload", Types.StringType.get()));

  private LandingTables() {}

  /** First field id of the ingestion metadata columns; seed fields count up from 1. */
  private static final int META_BASE = 1000;

  /** A schema of {@code seed} columns followed by the ingestion metadata columns (every landing zone and quarantine). */
  static Schema withMeta(Types.NestedField... seed) {
    Types.NestedField[] all = new Types.NestedField[seed.length + 3];
    System.arraycopy(seed, 0, all, 0, seed.length);
    all[seed.length] = required(META_BASE + 1, ARRIVAL, Types.TimestampType.withZone());
    all[seed.length + 1] = optional(META_BASE + 2, SOURCE, Types.StringType.get());
    all[seed.length + 2] = optional(META_BASE + 3, KEY, Types.StringType.get());
    return new Schema(all);
  }

  /** The schema of a zone's landing table (its descriptor's). */
  public static Schema schema(Zone zone) {
    return zone.schema();
  }

  /** Number of seed (non-metadata) columns in a schema built here. */
  public static int seedColumns(Schema s) {
    return s.columns().size() - 3;
  }

  public static TableIdentifier id(Zone zone) {
    return TableIdentifier.of(NAMESPACE, zone.landingTable());
  }

  public static TableIdentifier quarantineId() {
    return TableIdentifier.of(NAMESPACE, QUARANTINE);
  }

  /** Table properties every table here is created with. */
  public static Map<String, String> properties(long targetFileBytes) {
    return Map.of(
        TableProperties.FORMAT_VERSION, "2",
        TableProperties.PARQUET_COMPRESSION, "zstd",
        // level 1, not Iceberg's 3: the same 34 MB for 5.82 M accelerometer rows (Parquet's dictionaries and
        // encodings do most of the work) for about a tenth less of a bulk load's CPU
        TableProperties.PARQUET_COMPRESSION_LEVEL, "1",
        TableProperties.WRITE_TARGET_FILE_SIZE_BYTES, Long.toString(targetFileBytes),
        // One commit a second would otherwise leave one metadata.json a second forever.
        TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true",
        TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "100",
        TableProperties.COMMIT_NUM_RETRIES, "20",
        TableProperties.COMMIT_MIN_RETRY_WAIT_MS, "20",
        TableProperties.COMMIT_MAX_RETRY_WAIT_MS, "2000",
        // The idempotency key is unique per row: a dictionary never pays for itself there (parquet-mr fills one
        // per column chunk, then falls back to plain), and it was a tenth of a bulk load's writer samples
        TableProperties.PARQUET_DICT_ENCODING_ENABLED_COLUMN_PREFIX + KEY, "false");
  }

  /** Creates (or loads) every landing table and the quarantine table. Safe to call from several processes at once. */
  public static Map<Zone, Table> ensureAll(Catalog catalog, long targetFileBytes, int retries) {
    return ensureAll(catalog, Zones.STANDARD, targetFileBytes, retries);
  }

  /** Creates (or loads) the landing tables of {@code zones} and the quarantine table. */
  public static Map<Zone, Table> ensureAll(Catalog catalog, Zones zones, long targetFileBytes, int retries) {
    Map<Zone, Table> m = new LinkedHashMap<>();
    for (Zone z : zones.list()) {
      m.put(z, ensure(catalog, id(z), schema(z), targetFileBytes, retries));
    }
    ensure(catalog, quarantineId(), QUARANTINE_SCHEMA, targetFileBytes, retries);
    return m;
  }

  /** Creates the table if missing (partitioned by arrival day), or loads it. Idempotent under races. */
  public static Table ensure(Catalog catalog, TableIdentifier id, Schema schema, long targetFileBytes, int retries) {
    return Retry.onTransient("create table " + id, retries, () -> {
      ensureNamespace(catalog);
      if (catalog.tableExists(id)) {
        return catalog.loadTable(id);
      }
      PartitionSpec spec = PartitionSpec.builderFor(schema).day(ARRIVAL).build();
      try {
        return catalog.buildTable(id, schema).withPartitionSpec(spec)
            .withProperties(properties(targetFileBytes)).create();
      } catch (AlreadyExistsException raced) {
        // Another process created it between our check and our create: that is the outcome we wanted.
        return catalog.loadTable(id);
      }
    });
  }

  private static void ensureNamespace(Catalog catalog) {
    if (catalog instanceof SupportsNamespaces) {
      SupportsNamespaces ns = (SupportsNamespaces) catalog;
      if (!ns.namespaceExists(NAMESPACE)) {
        try {
          ns.createNamespace(NAMESPACE);
        } catch (AlreadyExistsException raced) {
          // created concurrently by another process: fine
        }
      }
    }
  }
}
