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

  public static final List<ConfigKey<?>> KEYS = List.of(ML_JOIN, CONSENT, CUSTOMER_KEY_SECRET, MASTER, STRICT_QUALITY,
      INCREMENTAL);

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
    if (!secret.isEmpty() && secret.length() < 16) {
      throw new IllegalArgumentException("curation.customer-key-secret must be at least 16 characters");
    }
    if (get(MASTER).isBlank()) {
      throw new IllegalArgumentException("curation.master must not be empty");
    }
  }

  /** Options as recorded in stedi.curation_runs. */
  public String optionsText() {
    return "ml-join=" + get(ML_JOIN).name().toLowerCase(Locale.ROOT) + ",consent="
        + get(CONSENT).name().toLowerCase(Locale.ROOT);
  }
}
