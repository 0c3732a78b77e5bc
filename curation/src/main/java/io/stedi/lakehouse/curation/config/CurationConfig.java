package io.stedi.lakehouse.curation.config;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Curation's typed configuration (plus the writer's keys, from the same sources). */
public final class CurationConfig {
  /** How machine_learning_curated pairs step readings with phone readings. */
  public enum MlJoin {
    /** Same millisecond AND the phone's user owns the step reading's serial number (the default). */
    OWNER,
    /** Same millisecond only: the original Glue job, which pairs different customers' readings on collisions. */
    TIMESTAMP
  }

  /** Which readings of a consenting customer are kept. */
  public enum Consent {
    /** Every reading of a customer whose latest record has a research consent date. */
    FLAG,
    /** Only readings taken at or after the research consent date. */
    WINDOW
  }

  public static final ConfigKey<MlJoin> ML_JOIN = ConfigKey.oneOf("curation.ml-join", MlJoin.class, "owner",
      "machine_learning_curated join: owner (same millisecond and same customer) or timestamp (the old Glue join).");
  public static final ConfigKey<java.time.Duration> ML_TOLERANCE = ConfigKey.duration("curation.ml-tolerance", "0",
      "machine_learning_curated pairing: 0 pairs a Step Trainer reading with every phone reading of the same "
          + "millisecond; a positive duration (at most 10s, owner join only) pairs it with the same customer's one "
          + "nearest phone reading within it (ties: the earlier reading). Not incremental: every run rebuilds.");
  public static final ConfigKey<Consent> CONSENT = ConfigKey.oneOf("curation.consent", Consent.class, "flag",
      "Consent rule: flag (consenting customers' readings) or window (only readings at or after the consent date).");
  public static final ConfigKey<String> CUSTOMER_KEY_SECRET = ConfigKey.string("curation.customer-key-secret", "",
      "HMAC secret of the pseudonymous customer key in machine_learning_curated (never logged, never in a table). "
          + "Empty means a random secret kept in <stedi.home>/curation/customer-key.secret.");
  public static final ConfigKey<String> MASTER = ConfigKey.string("curation.master", "local[*]",
      "Spark master for curate and sql (under spark-submit the cluster's master wins).");
  public static final ConfigKey<Boolean> STRICT_QUALITY = ConfigKey.bool("curation.strict-quality", "false",
      "Exit non-zero when an error-level data-quality check fails.");

  public static final ConfigKey<Boolean> INCREMENTAL = ConfigKey.bool("curation.incremental", "true",
      "Process only appended readings when customers did not change since the last run (false: always rebuild).");

  public static final ConfigKey<Integer> QUICK_JIT_MAX_ROWS = ConfigKey.integer("curation.quick-jit-max-rows", "1000000",
      "A one-off bin/stedi curate over at most this many rows (every landing row; for an incremental run the "
          + "readings appended since the last run) runs with the JVM's quick JIT compiler only (about 0.7x the time at "
          + "110 k rows, 0.85x for 550 k new readings at 50 M); a larger run is started again with the optimising one "
          + "(C1 alone is 1.25x slower at 5 M rows). 0: always the optimising compiler.");

  public static final ConfigKey<Long> MAINTAIN_TARGET_FILE_SIZE = ConfigKey.size("maintain.target-file-size", "128m",
      "Target size of the data files maintain's compaction writes (small files are bin-packed up to it).");
  public static final ConfigKey<java.time.Duration> MAINTAIN_SNAPSHOT_RETENTION = ConfigKey.duration(
      "maintain.snapshot-retention", "1h",
      "maintain expires snapshots older than this (time travel and incremental curation reach back this far; "
          + "at one gateway commit a second every retained snapshot adds about 1 KB to each metadata.json).");
  public static final ConfigKey<Integer> MAINTAIN_RETAIN_LAST = ConfigKey.integer("maintain.retain-last", "100",
      "Snapshots maintain keeps per table however old they are (at least 1).");
  public static final ConfigKey<java.time.Duration> MAINTAIN_ORPHAN_MIN_AGE = ConfigKey.duration(
      "maintain.orphan-min-age", "3d",
      "maintain deletes unreferenced files only when older than this (at least 1h: a writer writes data files "
          + "before it commits them).");
  public static final ConfigKey<Integer> MAINTAIN_MANIFEST_REWRITE_THRESHOLD = ConfigKey.integer(
      "maintain.manifest-rewrite-threshold", "100",
      "maintain rewrites a table's manifests when its current snapshot has more data manifests than this.");
  public static final ConfigKey<String> MAINTAIN_EVERY = ConfigKey.string("maintain.every", "1h",
      "How often curate --every also runs maintain (an interval such as 30m or 1h; 0 or off: never).");

  public static final List<ConfigKey<?>> KEYS = List.of(ML_JOIN, ML_TOLERANCE, CONSENT, CUSTOMER_KEY_SECRET, MASTER, STRICT_QUALITY,
      INCREMENTAL, QUICK_JIT_MAX_ROWS, MAINTAIN_TARGET_FILE_SIZE, MAINTAIN_SNAPSHOT_RETENTION, MAINTAIN_RETAIN_LAST,
      MAINTAIN_ORPHAN_MIN_AGE, MAINTAIN_MANIFEST_REWRITE_THRESHOLD, MAINTAIN_EVERY);

  /** Wider windows pair a reading with readings of another moment of the step, and cost more to join. */
  private static final java.time.Duration MAX_ML_TOLERANCE = java.time.Duration.ofSeconds(10);

  /** Younger unreferenced files may be a writer's data files whose commit is still on its way. */
  private static final java.time.Duration MIN_ORPHAN_AGE = java.time.Duration.ofHours(1);

  private final Map<ConfigKey<?>, Object> values;
  private final LakehouseConfig lakehouse;

  private CurationConfig(Map<ConfigKey<?>, Object> values, LakehouseConfig lakehouse) {
    this.values = values;
    this.lakehouse = lakehouse;
  }

  /** Every key curation reads: its own and the writer's. */
  public static List<ConfigKey<?>> allKeys() {
    List<ConfigKey<?>> all = new ArrayList<>(LakehouseConfig.KEYS);
    all.addAll(KEYS);
    return all;
  }

  public static CurationConfig from(ConfigSources sources) {
    Map<ConfigKey<?>, Object> v = sources.resolve(KEYS);
    CurationConfig c = new CurationConfig(v, LakehouseConfig.from(sources));
    c.validate();
    return c;
  }

  /** The embedded defaults on {@code home} with overrides; for tests. */
  public static CurationConfig embedded(Path home, Map<String, String> overrides) {
    Map<String, String> m = new LinkedHashMap<>(overrides);
    m.put(LakehouseConfig.HOME.name(), home.toString());
    return from(ConfigSources.defaults().withOverrides(m));
  }

  public <T> T get(ConfigKey<T> key) {
    return key.type().cast(values.get(key));
  }

  public LakehouseConfig lakehouse() {
    return lakehouse;
  }

  public void validate() {
    String secret = get(CUSTOMER_KEY_SECRET);
    LakehouseConfig.refusePlaceholder(CUSTOMER_KEY_SECRET.name(), secret);
    if (!secret.isEmpty() && secret.length() < 16) {
      throw new IllegalArgumentException("curation.customer-key-secret must be at least 16 characters");
    }
    if (get(MASTER).isBlank()) {
      throw new IllegalArgumentException("curation.master must not be empty");
    }
    if (get(QUICK_JIT_MAX_ROWS) < 0) {
      throw new IllegalArgumentException("curation.quick-jit-max-rows must not be negative, got " + get(QUICK_JIT_MAX_ROWS));
    }
    if (get(MAINTAIN_TARGET_FILE_SIZE) < 1024) {
      throw new IllegalArgumentException("maintain.target-file-size must be at least 1k, got "
          + get(MAINTAIN_TARGET_FILE_SIZE));
    }
    if (get(MAINTAIN_SNAPSHOT_RETENTION).isNegative()) {
      throw new IllegalArgumentException("maintain.snapshot-retention must not be negative");
    }
    if (get(MAINTAIN_RETAIN_LAST) < 1) {
      throw new IllegalArgumentException("maintain.retain-last must be at least 1, got " + get(MAINTAIN_RETAIN_LAST));
    }
    if (get(MAINTAIN_ORPHAN_MIN_AGE).compareTo(MIN_ORPHAN_AGE) < 0) {
      throw new IllegalArgumentException("maintain.orphan-min-age must be at least 1h: a younger unreferenced file may "
          + "belong to a commit still in progress");
    }
    if (get(MAINTAIN_MANIFEST_REWRITE_THRESHOLD) < 1) {
      throw new IllegalArgumentException("maintain.manifest-rewrite-threshold must be at least 1");
    }
    maintainEvery();
    java.time.Duration tolerance = get(ML_TOLERANCE);
    if (tolerance.isNegative() || tolerance.compareTo(MAX_ML_TOLERANCE) > 0) {
      throw new IllegalArgumentException("curation.ml-tolerance must be between 0 and 10s, got " + tolerance.toMillis()
          + "ms");
    }
    if (!tolerance.isZero() && get(ML_JOIN) == MlJoin.TIMESTAMP) {
      // the old join pairs readings of different customers that share a millisecond; widening it to a window
      // would pair every customer with everyone near in time, which is what the owner join exists to stop
      throw new IllegalArgumentException("curation.ml-tolerance needs curation.ml-join=owner: a tolerance on the "
          + "timestamp join would pair readings of different customers");
    }
  }

  /** The pairing tolerance in milliseconds (0: the exact join). */
  public long mlToleranceMillis() {
    return get(ML_TOLERANCE).toMillis();
  }

  /**
   * How often {@code curate --every} runs maintenance, or empty when {@code maintain.every} is 0 or off.
   *
   * @throws IllegalArgumentException naming the key when the value is neither an interval of at least 1s nor off
   */
  public java.util.Optional<java.time.Duration> maintainEvery() {
    String v = get(MAINTAIN_EVERY).trim();
    if (v.equalsIgnoreCase("off") || v.equals("0")) {
      return java.util.Optional.empty();
    }
    java.time.Duration d;
    try {
      d = ConfigKey.duration(MAINTAIN_EVERY.name(), "1h", "").parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("maintain.every: cannot parse '" + v + "' as an interval (30m, 1h) or off", e);
    }
    if (d.isZero()) {
      return java.util.Optional.empty();
    }
    if (d.toSeconds() < 1) {
      throw new IllegalArgumentException("maintain.every must be at least 1s (or 0/off to disable), got " + v);
    }
    return java.util.Optional.of(d);
  }

  /** Options as recorded in stedi.curation_runs. */
  public String optionsText() {
    // the tolerance is named only when set, so runs recorded before it existed still count as the same options
    return "ml-join=" + get(ML_JOIN).name().toLowerCase(Locale.ROOT) + ",consent="
        + get(CONSENT).name().toLowerCase(Locale.ROOT)
        + (mlToleranceMillis() == 0 ? "" : ",ml-tolerance=" + mlToleranceMillis() + "ms");
  }
}
