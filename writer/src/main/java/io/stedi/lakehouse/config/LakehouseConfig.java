package io.stedi.lakehouse.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The writer's typed configuration: where the catalog and warehouse are, and how the write-ahead log
 * and commits behave. Resolved once from {@link ConfigSources}; immutable; {@link #validate()} fails fast
 * with a message that names the key.
 */
public final class LakehouseConfig {
  public static final ConfigKey<String> HOME = ConfigKey.string("stedi.home", "./stedi-home",
      "Folder where the embedded default keeps all its state: SQLite catalog, warehouse, write-ahead logs.");
  public static final ConfigKey<CatalogType> CATALOG_TYPE = ConfigKey.oneOf("catalog.type", CatalogType.class, "sqlite",
      "Iceberg catalog: sqlite (embedded JdbcCatalog on a file), jdbc (PostgreSQL), rest, or glue (AWS Glue).");
  public static final ConfigKey<String> CATALOG_NAME = ConfigKey.string("catalog.name", "lakehouse",
      "Catalog name recorded by the JDBC catalog and used as Spark's default catalog.");
  public static final ConfigKey<String> CATALOG_URI = ConfigKey.string("catalog.uri", "",
      "Catalog URI: a JDBC URL for jdbc (jdbc:postgresql://host:5432/db), the endpoint for rest. "
          + "Empty for sqlite means jdbc:sqlite:<stedi.home>/catalog.db.");
  public static final ConfigKey<String> CATALOG_USER = ConfigKey.string("catalog.user", "",
      "User for the jdbc catalog.");
  public static final ConfigKey<String> CATALOG_PASSWORD = ConfigKey.string("catalog.password", "",
      "Password for the jdbc catalog (never logged).");
  public static final ConfigKey<String> CATALOG_TOKEN = ConfigKey.string("catalog.token", "",
      "Bearer token for the rest catalog (never logged).");
  public static final ConfigKey<String> WAREHOUSE = ConfigKey.string("catalog.warehouse", "",
      "Warehouse location: a local folder, a file: URI or s3://bucket/prefix. Empty means <stedi.home>/warehouse. "
          + "For catalog.type=rest: the name of a warehouse the server serves (empty: none).");
  public static final ConfigKey<String> S3_ENDPOINT = ConfigKey.string("s3.endpoint", "",
      "S3 endpoint override for S3-compatible stores (http://127.0.0.1:9000). Empty means AWS.");
  public static final ConfigKey<String> S3_REGION = ConfigKey.string("s3.region", "us-east-1",
      "S3 (and Glue) region.");
  public static final ConfigKey<Boolean> S3_PATH_STYLE = ConfigKey.bool("s3.path-style-access", "false",
      "Use path-style S3 URLs (needed by most S3-compatible stores).");
  public static final ConfigKey<String> S3_ACCESS_KEY = ConfigKey.string("s3.access-key-id", "",
      "S3 access key id. Empty means the AWS default credential chain.");
  public static final ConfigKey<String> S3_SECRET_KEY = ConfigKey.string("s3.secret-access-key", "",
      "S3 secret access key (never logged).");
  public static final ConfigKey<String> INSTANCE_ID = ConfigKey.string("writer.instance-id", "writer-1",
      "Id of this writer instance; each concurrent writer needs its own. Recorded in every commit.");
  public static final ConfigKey<String> WAL_DIR = ConfigKey.string("wal.dir", "",
      "Write-ahead log folder. Empty means <stedi.home>/wal/<writer.instance-id>.");
  public static final ConfigKey<Long> WAL_MAX_BYTES = ConfigKey.size("wal.max-bytes", "1g",
      "Disk budget of the write-ahead log; above it appends are refused (back-pressure).");
  public static final ConfigKey<Long> WAL_SEGMENT_BYTES = ConfigKey.size("wal.segment-bytes", "64m",
      "Size at which the write-ahead log starts a new segment file.");
  public static final ConfigKey<Duration> WAL_SYNC_INTERVAL = ConfigKey.duration("wal.sync-interval", "250us",
      "Shortest time between two fsyncs of the write-ahead log (units us, ms, s). Appends that arrive meanwhile wait "
          + "and share the next fsync, so a busy gateway syncs at most once per interval instead of once per message; "
          + "an append after a quiet spell syncs at once. Adds at most this much to an acknowledgement's latency, which "
          + "bounds a connection's throughput at its in-flight window divided by that latency. 0s syncs as soon as "
          + "anything is queued.");
  public static final ConfigKey<Duration> COMMIT_INTERVAL = ConfigKey.duration("commit.interval", "1s",
      "How often the commit coordinator drains the write-ahead log into one Iceberg append per table.");
  public static final ConfigKey<Integer> COMMIT_MAX_RECORDS = ConfigKey.integer("commit.max-records", "100000",
      "Commit sooner than commit.interval once this many records wait.");
  public static final ConfigKey<Integer> COMMIT_RETRIES = ConfigKey.integer("commit.retries", "20",
      "Attempts for an Iceberg commit that conflicts or finds the catalog busy before giving up.");
  public static final ConfigKey<Long> TARGET_FILE_BYTES = ConfigKey.size("table.target-file-bytes", "128m",
      "Target size of the Parquet data files the writer and maintenance produce.");
  public static final ConfigKey<Integer> QUARANTINE_PAYLOAD_BYTES = ConfigKey.integer("quarantine.max-payload-bytes",
      "4096", "Rejected payloads are stored in stedi.quarantine truncated to this many bytes.");

  public static final ConfigKey<Duration> COMMIT_MAX_BACKOFF = ConfigKey.duration("commit.max-backoff", "5s",
      "Longest wait between commit attempts while the catalog or object store is unreachable (the write-ahead log "
          + "keeps accepting meanwhile); also bounds how long after recovery the backlog waits.");
  public static final ConfigKey<Duration> DEDUP_WINDOW = ConfigKey.duration("dedup.window", "15m",
      "How long the writer remembers the identity of every landing row it took, so that the same reading delivered "
          + "again (resend after a lost ack, a crash, a retry) is acknowledged and not written twice.");
  public static final ConfigKey<Integer> DEDUP_MAX_ENTRIES = ConfigKey.integer("dedup.max-entries", "4000000",
      "Most identities the dedup window holds (about 32 MB of memory per million); above it the "
          + "oldest are dropped early and a WARN says how far back the window still reaches.");
  public static final ConfigKey<Duration> LEASE_TTL = ConfigKey.duration("writer.lease-ttl", "30s",
      "Lifetime of this writer's lease on writer.instance-id in the catalog (renewed every third of it); a second "
          + "live writer with the same id is refused at start. 0s turns the check off.");

  public static final ConfigKey<Integer> COMMIT_THREADS = ConfigKey.integer("commit.threads", "0",
      "Parquet writer threads of the commit path (decode rows from the write-ahead log, write data files); 0 means "
          + "one per CPU core, 1 writes on the commit thread alone.");
  public static final ConfigKey<String> ERASURE_HASH_SECRET = ConfigKey.string("erasure.hash-secret", "",
      "HMAC secret of the identity hashes in stedi.erasure_receipts, which gateways and load read to refuse "
          + "forgotten customers; every process of a deployment needs the same value (never logged, never in a table). "
          + "Empty means a random secret kept in <stedi.home>/erasure/hash.secret.");
  public static final ConfigKey<Integer> LOAD_THREADS = ConfigKey.integer("load.threads", "0",
      "Parse-and-write threads of bin/stedi load; 0 means one per CPU core.");

  /**
   * Refuses a secret that still holds the placeholder of {@code deploy/env/*.env.example} ("change-me..."): a
   * deployment copied from the example without replacing its secrets must not start.
   */
  public static void refusePlaceholder(String key, String value) {
    if (value != null && value.toLowerCase(java.util.Locale.ROOT).contains("change-me")) {
      throw new IllegalArgumentException(key + " still holds the placeholder of deploy/env/*.env.example; set a real "
          + "secret (for example: openssl rand -base64 32)");
    }
  }

  /** Every key, in documentation order. */
  public static final List<ConfigKey<?>> KEYS = List.of(HOME, CATALOG_TYPE, CATALOG_NAME, CATALOG_URI, CATALOG_USER,
      CATALOG_PASSWORD, CATALOG_TOKEN, WAREHOUSE, S3_ENDPOINT, S3_REGION, S3_PATH_STYLE, S3_ACCESS_KEY, S3_SECRET_KEY,
      INSTANCE_ID, WAL_DIR, WAL_MAX_BYTES, WAL_SEGMENT_BYTES, WAL_SYNC_INTERVAL, COMMIT_INTERVAL, COMMIT_MAX_RECORDS, COMMIT_RETRIES,
      TARGET_FILE_BYTES, QUARANTINE_PAYLOAD_BYTES, COMMIT_MAX_BACKOFF, DEDUP_WINDOW, DEDUP_MAX_ENTRIES, LEASE_TTL,
      COMMIT_THREADS, LOAD_THREADS, ERASURE_HASH_SECRET);

  /** Keys shown masked. */
  static final List<ConfigKey<?>> SECRETS = List.of(CATALOG_PASSWORD, CATALOG_TOKEN, S3_SECRET_KEY,
      ERASURE_HASH_SECRET);

  private final Map<ConfigKey<?>, Object> values;
  private final ConfigSources sources;

  private LakehouseConfig(Map<ConfigKey<?>, Object> values, ConfigSources sources) {
    this.values = Collections.unmodifiableMap(values);
    this.sources = sources;
  }

  /** Resolves every key from the sources (falling back to defaults) and validates the result. */
  public static LakehouseConfig from(ConfigSources sources) {
    Map<ConfigKey<?>, Object> values = sources.resolve(KEYS);
    LakehouseConfig c = new LakehouseConfig(values, sources);
    c.validate();
    return c;
  }

  /** The embedded defaults rooted at {@code home}; convenient for tests and tools. */
  public static LakehouseConfig embedded(Path home) {
    return from(ConfigSources.defaults().withOverrides(Map.of(HOME.name(), home.toString())));
  }

  /** A copy with some keys overridden (as if given on the command line). */
  public LakehouseConfig with(Map<String, String> overrides) {
    return from(sources.withOverrides(overrides));
  }

  /** The typed value of a key. */
  public <T> T get(ConfigKey<T> key) {
    return key.type().cast(values.get(key));
  }

  /**
   * Checks cross-key rules.
   *
   * @throws IllegalArgumentException whose message starts with the offending key
   */
  public void validate() {
    if (get(HOME).isBlank()) {
      throw new IllegalArgumentException("stedi.home must not be empty");
    }
    for (ConfigKey<?> k : SECRETS) {
      refusePlaceholder(k.name(), String.valueOf(get(k)));
    }
    if (!get(ERASURE_HASH_SECRET).isEmpty() && get(ERASURE_HASH_SECRET).length() < 16) {
      throw new IllegalArgumentException("erasure.hash-secret must be at least 16 characters");
    }
    if (get(CATALOG_TYPE) == CatalogType.JDBC && get(CATALOG_URI).isBlank()) {
      throw new IllegalArgumentException("catalog.uri must be a JDBC URL when catalog.type=jdbc");
    }
    if (get(CATALOG_TYPE) == CatalogType.REST && get(CATALOG_URI).isBlank()) {
      throw new IllegalArgumentException("catalog.uri must be the REST endpoint when catalog.type=rest");
    }
    try {
      localWarehouse(); // a file: URI must name an absolute local path: file:/path or file:///path
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("catalog.warehouse must be a folder, an absolute file: URI (file:/path, "
          + "file:///path) or an s3:// location, got '" + get(WAREHOUSE) + "': " + e.getMessage(), e);
    }
    if (get(CATALOG_TYPE) == CatalogType.GLUE && !isS3Warehouse()) {
      throw new IllegalArgumentException("catalog.warehouse must be an s3:// location when catalog.type=glue");
    }
    if (!get(INSTANCE_ID).matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw new IllegalArgumentException("writer.instance-id must be 1..64 of [A-Za-z0-9._-], got '"
          + get(INSTANCE_ID) + "'");
    }
    if (get(WAL_SEGMENT_BYTES) < 4096) {
      throw new IllegalArgumentException("wal.segment-bytes must be at least 4k");
    }
    if (get(WAL_MAX_BYTES) < 2 * get(WAL_SEGMENT_BYTES)) {
      throw new IllegalArgumentException("wal.max-bytes must be at least twice wal.segment-bytes");
    }
    if (get(WAL_SYNC_INTERVAL).isNegative() || get(WAL_SYNC_INTERVAL).toMillis() > 100) {
      throw new IllegalArgumentException("wal.sync-interval must be between 0s and 100ms");
    }
    if (get(COMMIT_INTERVAL).toMillis() < 10 || get(COMMIT_INTERVAL).toHours() > 24) {
      throw new IllegalArgumentException("commit.interval must be between 10ms and 24h");
    }
    if (get(COMMIT_MAX_RECORDS) < 1) {
      throw new IllegalArgumentException("commit.max-records must be at least 1");
    }
    if (get(COMMIT_RETRIES) < 0 || get(COMMIT_RETRIES) > 1000) {
      throw new IllegalArgumentException("commit.retries must be 0..1000");
    }
    if (get(TARGET_FILE_BYTES) < 1024 * 1024) {
      throw new IllegalArgumentException("table.target-file-bytes must be at least 1m");
    }
    if (get(QUARANTINE_PAYLOAD_BYTES) < 64 || get(QUARANTINE_PAYLOAD_BYTES) > 1024 * 1024) {
      throw new IllegalArgumentException("quarantine.max-payload-bytes must be 64..1048576");
    }
    if (get(COMMIT_MAX_BACKOFF).toMillis() < 10 || get(COMMIT_MAX_BACKOFF).toMinutes() > 10) {
      throw new IllegalArgumentException("commit.max-backoff must be between 10ms and 10m");
    }
    if (get(DEDUP_WINDOW).toSeconds() < 1 || get(DEDUP_WINDOW).toDays() > 7) {
      throw new IllegalArgumentException("dedup.window must be between 1s and 7d");
    }
    if (get(DEDUP_MAX_ENTRIES) < 1024) {
      throw new IllegalArgumentException("dedup.max-entries must be at least 1024");
    }
    if (get(LEASE_TTL).isNegative() || (!get(LEASE_TTL).isZero() && get(LEASE_TTL).toMillis() < 300)) {
      throw new IllegalArgumentException("writer.lease-ttl must be 0s (off) or at least 300ms");
    }
    if (get(COMMIT_THREADS) < 0 || get(COMMIT_THREADS) > 64) {
      throw new IllegalArgumentException("commit.threads must be between 0 and 64");
    }
    if (get(LOAD_THREADS) < 0 || get(LOAD_THREADS) > 256) {
      throw new IllegalArgumentException("load.threads must be 0..256");
    }
    if (!get(S3_ENDPOINT).isBlank() && !get(S3_ENDPOINT).matches("https?://.+")) {
      throw new IllegalArgumentException("s3.endpoint must start with http:// or https://");
    }
  }

  /** Worker threads for a bulk load (load.threads, or the number of cores). */
  public int loadThreads() {
    int n = get(LOAD_THREADS);
    return n > 0 ? n : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** The state folder, absolute. */
  public Path home() {
    return Path.of(get(HOME)).toAbsolutePath().normalize();
  }

  /**
   * The warehouse location: an s3:// URI, or for a local folder a {@code file:/abs/path} URI (the spelling Hadoop's
   * file system writes, so that a table's own and its files' locations agree). Tables record
   * locations under it, and engines that choose a file system by scheme (Trino) cannot open a bare path; tables
   * created when this was a bare path keep their own recorded locations (see the README).
   */
  public String warehouse() {
    return localWarehouse().map(p -> "file:" + p).orElse(get(WAREHOUSE));
  }

  /**
   * The warehouse folder when the warehouse is local ({@code file:} or a plain path), else empty. For a REST catalog
   * the server decides where tables live and {@code catalog.warehouse} is the name of a warehouse it serves (blank:
   * none), so only a {@code file:} URI or an absolute path there is a local folder.
   */
  public java.util.Optional<Path> localWarehouse() {
    String w = get(WAREHOUSE);
    if (get(CATALOG_TYPE) == CatalogType.REST && !w.startsWith("file:") && !w.startsWith("/")) {
      return java.util.Optional.empty();
    }
    if (w.isBlank()) {
      return java.util.Optional.of(home().resolve("warehouse"));
    }
    if (w.startsWith("file:")) {
      return java.util.Optional.of(Path.of(java.net.URI.create(w)).toAbsolutePath().normalize());
    }
    return w.contains("://") ? java.util.Optional.empty() : java.util.Optional.of(Path.of(w).toAbsolutePath().normalize());
  }

  /** Whether the warehouse lives in S3 (or an S3-compatible store). */
  public boolean isS3Warehouse() {
    String w = get(WAREHOUSE);
    return w.startsWith("s3://") || w.startsWith("s3a://");
  }

  /** The catalog URI, with the sqlite default filled in. */
  public String catalogUri() {
    String u = get(CATALOG_URI);
    if (u.isBlank() && get(CATALOG_TYPE) == CatalogType.SQLITE) {
      return "jdbc:sqlite:" + home().resolve("catalog.db");
    }
    return u;
  }

  /** This instance's dedup window folder (inside its write-ahead log folder). */
  public Path dedupDir() {
    return walDir().resolve("dedup");
  }

  /** This instance's write-ahead log folder. */
  public Path walDir() {
    String d = get(WAL_DIR);
    return d.isBlank() ? home().resolve("wal").resolve(get(INSTANCE_ID)) : Path.of(d).toAbsolutePath().normalize();
  }

  /** Rows describing every key: name, value (secrets masked), origin, description. For {@code stedi config}. */
  public List<String[]> describe() {
    List<String[]> rows = new ArrayList<>();
    for (ConfigKey<?> k : KEYS) {
      Object v = values.get(k);
      String shown = SECRETS.contains(k) && !String.valueOf(v).isEmpty() ? "****" : String.valueOf(v);
      rows.add(new String[] {k.name(), shown, sources.origin(k.name()), k.description()});
    }
    return rows;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("LakehouseConfig{");
    for (String[] r : describe()) {
      b.append(r[0]).append('=').append(r[1]).append(", ");
    }
    return b.append('}').toString();
  }
}
