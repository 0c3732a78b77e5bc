package io.stedi.lakehouse.sim.config;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The simulator's typed configuration ({@code sim.*} keys): the fleet that {@code sim generate} invents, the
 * fault rates that {@code sim generate} and {@code sim run} inject, and the client settings of {@code sim run}.
 * It follows the writer's {@link ConfigKey}/{@link ConfigSources} pattern, so the same flags ({@code -c}),
 * environment ({@code STEDI_SIM_*}) and config file work. {@link #validate()} fails fast naming the key.
 *
 * <p>Rates and fractions are decimals in 0..1 (the writer's {@link ConfigKey} has no decimal type, so they are
 * string keys parsed here, with errors that name the key).
 */
public final class SimConfig {
  // ---- the fleet (sim generate) ----
  public static final ConfigKey<Long> SEED = ConfigKey.size("sim.seed", "42",
      "Seed of every random choice; the same seed and settings give byte-identical output.");
  public static final ConfigKey<Integer> CUSTOMERS = ConfigKey.integer("sim.customers", "100",
      "Customers that sim generate invents.");
  public static final ConfigKey<Long> START = ConfigKey.size("sim.start", "1655564376361",
      "Epoch milliseconds of the first registration in generated files.");
  public static final ConfigKey<Integer> READINGS_PER_CUSTOMER = ConfigKey.integer("sim.readings-per-customer", "20",
      "Step Trainer reading instants per active customer in generated files.");
  public static final ConfigKey<String> RESEARCH_SHARE = ConfigKey.string("sim.research-share", "0.5",
      "Fraction of customers who agree to share their data for research at registration (or later).");
  public static final ConfigKey<String> LATE_CONSENT = ConfigKey.string("sim.late-consent", "0.3",
      "Fraction of research-sharing customers whose consent date comes after registration (else equal to it).");
  public static final ConfigKey<String> WITHDRAW_RATE = ConfigKey.string("sim.withdraw-rate", "0.1",
      "Fraction of research-sharing customers who later withdraw (a newer record with shareWithResearchAsOfDate null).");
  public static final ConfigKey<String> CONSENT_CHANGE_RATE = ConfigKey.string("sim.consent-change-rate", "0.1",
      "Fraction of non-sharing customers who later agree (a newer record with a research date).");
  public static final ConfigKey<String> PHONE_ONLY_RATE = ConfigKey.string("sim.phone-only-rate", "0.1",
      "Fraction of customers with the phone app but no Step Trainer yet (accelerometer readings only).");
  public static final ConfigKey<String> SHARED_SERIAL_RATE = ConfigKey.string("sim.shared-serial-rate", "0.05",
      "Fraction of customers given a serial number already given to another customer (the fulfilment defect).");
  public static final ConfigKey<String> COLLISION_RATE = ConfigKey.string("sim.collision-rate", "0.1",
      "Fraction of customers whose readings start at the same millisecond as another customer's.");
  public static final ConfigKey<Duration> INTERVAL_MIN = ConfigKey.duration("sim.interval-min", "2s",
      "Shortest time between two Step Trainer readings of one customer.");
  public static final ConfigKey<Duration> INTERVAL_MAX = ConfigKey.duration("sim.interval-max", "4s",
      "Longest time between two Step Trainer readings of one customer.");
  public static final ConfigKey<Integer> DISTANCE_MIN = ConfigKey.integer("sim.distance-min", "100",
      "Smallest distanceFromObject a Step Trainer reports.");
  public static final ConfigKey<Integer> DISTANCE_MAX = ConfigKey.integer("sim.distance-max", "400",
      "Largest distanceFromObject a Step Trainer reports.");

  // ---- faults (sim generate and sim run) ----
  public static final ConfigKey<String> FAULT_MALFORMED = ConfigKey.string("sim.fault.malformed-rate", "0",
      "Per message: probability of an extra malformed payload (bad JSON, missing field, wrong type, impossible value).");
  public static final ConfigKey<String> FAULT_DUPLICATE = ConfigKey.string("sim.fault.duplicate-rate", "0",
      "Per message: probability that it is delivered twice (HTTP: same Idempotency-Key; MQTT and files: published again).");
  public static final ConfigKey<String> FAULT_RECONNECT = ConfigKey.string("sim.fault.reconnect-rate", "0",
      "Per second of sim run: probability of a reconnect storm (sim.fault.reconnect-fraction of the devices reconnect at once).");
  public static final ConfigKey<String> FAULT_RECONNECT_FRACTION = ConfigKey.string("sim.fault.reconnect-fraction",
      "0.5", "Fraction of the devices that take part in one reconnect storm.");
  public static final ConfigKey<String> FAULT_CLOCK_SKEW = ConfigKey.string("sim.fault.clock-skew-rate", "0",
      "Per device or phone: probability that its clock is off by up to sim.fault.clock-skew-max.");
  public static final ConfigKey<Duration> FAULT_CLOCK_SKEW_MAX = ConfigKey.duration("sim.fault.clock-skew-max", "5m",
      "Largest clock error of a skewed device or phone (either direction).");
  public static final ConfigKey<String> FAULT_LATE = ConfigKey.string("sim.fault.late-rate", "0",
      "Per reading: probability that it is delivered late (after newer readings), by up to sim.fault.late-max.");
  public static final ConfigKey<Duration> FAULT_LATE_MAX = ConfigKey.duration("sim.fault.late-max", "10s",
      "Longest delay of a late reading.");

  // ---- sim run clients ----
  public static final ConfigKey<Integer> MQTT_VERSION = ConfigKey.integer("sim.mqtt.version", "5",
      "MQTT protocol version of the simulated Step Trainers: 5 or 3 (3.1.1).");
  public static final ConfigKey<Integer> MQTT_KEEP_ALIVE = ConfigKey.integer("sim.mqtt.keep-alive-seconds", "60",
      "MQTT keep-alive the Step Trainers ask for.");
  public static final ConfigKey<Duration> MQTT_CONNECT_TIMEOUT = ConfigKey.duration("sim.mqtt.connect-timeout", "10s",
      "How long a Step Trainer waits for its first connection (the client retries by itself meanwhile) before it counts as a connect failure.");
  public static final ConfigKey<Duration> HTTP_BATCH_INTERVAL = ConfigKey.duration("sim.http.batch-interval", "1s",
      "How often a phone posts the readings it collected.");
  public static final ConfigKey<Integer> HTTP_MAX_BATCH = ConfigKey.integer("sim.http.max-batch", "500",
      "Most readings in one POST /v1/accelerometer (a phone posts sooner when it has this many).");
  public static final ConfigKey<Duration> HTTP_TIMEOUT = ConfigKey.duration("sim.http.timeout", "10s",
      "Timeout of one HTTP request; a timed-out batch is retried with the same Idempotency-Key.");
  public static final ConfigKey<Integer> HTTP_RETRIES = ConfigKey.integer("sim.http.retries", "8",
      "Retries of a batch after 503, 429, a timeout or a connection error, before it counts as failed.");
  public static final ConfigKey<Duration> DRAIN_TIMEOUT = ConfigKey.duration("sim.drain-timeout", "30s",
      "After --duration, how long sim run waits for outstanding acknowledgements.");

  /** Every sim key, in documentation order. */
  public static final List<ConfigKey<?>> KEYS = List.of(SEED, CUSTOMERS, START, READINGS_PER_CUSTOMER, RESEARCH_SHARE,
      LATE_CONSENT, WITHDRAW_RATE, CONSENT_CHANGE_RATE, PHONE_ONLY_RATE, SHARED_SERIAL_RATE, COLLISION_RATE,
      INTERVAL_MIN, INTERVAL_MAX, DISTANCE_MIN, DISTANCE_MAX, FAULT_MALFORMED, FAULT_DUPLICATE, FAULT_RECONNECT,
      FAULT_RECONNECT_FRACTION, FAULT_CLOCK_SKEW, FAULT_CLOCK_SKEW_MAX, FAULT_LATE, FAULT_LATE_MAX, MQTT_VERSION,
      MQTT_KEEP_ALIVE, MQTT_CONNECT_TIMEOUT, HTTP_BATCH_INTERVAL, HTTP_MAX_BATCH, HTTP_TIMEOUT, HTTP_RETRIES, DRAIN_TIMEOUT);

  private static final List<ConfigKey<String>> FRACTIONS = List.of(RESEARCH_SHARE, LATE_CONSENT, WITHDRAW_RATE,
      CONSENT_CHANGE_RATE, PHONE_ONLY_RATE, SHARED_SERIAL_RATE, COLLISION_RATE, FAULT_MALFORMED, FAULT_DUPLICATE,
      FAULT_RECONNECT, FAULT_RECONNECT_FRACTION, FAULT_CLOCK_SKEW, FAULT_LATE);

  private final Map<ConfigKey<?>, Object> values;
  private final ConfigSources sources;

  private SimConfig(Map<ConfigKey<?>, Object> values, ConfigSources sources) {
    this.values = values;
    this.sources = sources;
  }

  /** Every key the simulator reads: the writer's (for verify) and its own. */
  public static List<ConfigKey<?>> allKeys() {
    List<ConfigKey<?>> all = new ArrayList<>(LakehouseConfig.KEYS);
    all.addAll(KEYS);
    return all;
  }

  /** Resolves every sim key (falling back to defaults) and validates. */
  public static SimConfig from(ConfigSources sources) {
    Map<ConfigKey<?>, Object> v = sources.resolve(KEYS);
    SimConfig c = new SimConfig(v, sources);
    c.validate();
    return c;
  }

  /** Only defaults. */
  public static SimConfig defaults() {
    return from(ConfigSources.defaults());
  }

  /** A copy with some keys overridden (as if given with -c). */
  public SimConfig with(Map<String, String> overrides) {
    return from(sources.withOverrides(overrides));
  }

  public <T> T get(ConfigKey<T> key) {
    return key.type().cast(values.get(key));
  }

  /** A fraction key's value, 0..1. */
  public double fraction(ConfigKey<String> key) {
    return parseFraction(key, get(key));
  }

  private static double parseFraction(ConfigKey<String> key, String raw) {
    double d;
    try {
      d = Double.parseDouble(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key.name() + ": cannot parse '" + raw + "' as a decimal between 0 and 1");
    }
    if (!(d >= 0 && d <= 1)) {
      throw new IllegalArgumentException(key.name() + " must be between 0 and 1, got " + raw.trim());
    }
    return d;
  }

  /** Fails fast; every message starts with the offending key. */
  public void validate() {
    for (ConfigKey<String> k : FRACTIONS) {
      parseFraction(k, get(k));
    }
    if (get(CUSTOMERS) < 1 || get(CUSTOMERS) > 10_000_000) {
      throw new IllegalArgumentException("sim.customers must be 1..10000000");
    }
    if (get(START) < 0 || get(START) > 4_000_000_000_000L) {
      throw new IllegalArgumentException("sim.start must be epoch milliseconds between 1970 and 2096");
    }
    if (get(READINGS_PER_CUSTOMER) < 1 || get(READINGS_PER_CUSTOMER) > 1_000_000) {
      throw new IllegalArgumentException("sim.readings-per-customer must be 1..1000000");
    }
    if (get(INTERVAL_MIN).toMillis() < 1) {
      throw new IllegalArgumentException("sim.interval-min must be at least 1ms");
    }
    if (get(INTERVAL_MAX).compareTo(get(INTERVAL_MIN)) < 0) {
      throw new IllegalArgumentException("sim.interval-max must be at least sim.interval-min");
    }
    if (get(DISTANCE_MIN) < 0) {
      throw new IllegalArgumentException("sim.distance-min must be at least 0");
    }
    if (get(DISTANCE_MAX) < get(DISTANCE_MIN) || get(DISTANCE_MAX) > 100_000) {
      throw new IllegalArgumentException("sim.distance-max must be sim.distance-min..100000");
    }
    if (get(FAULT_CLOCK_SKEW_MAX).isNegative() || get(FAULT_CLOCK_SKEW_MAX).toDays() > 365) {
      throw new IllegalArgumentException("sim.fault.clock-skew-max must be 0..365d");
    }
    if (get(FAULT_LATE_MAX).toMillis() < 1 || get(FAULT_LATE_MAX).toHours() > 24) {
      throw new IllegalArgumentException("sim.fault.late-max must be 1ms..24h");
    }
    if (get(MQTT_VERSION) != 3 && get(MQTT_VERSION) != 5) {
      throw new IllegalArgumentException("sim.mqtt.version must be 3 (3.1.1) or 5");
    }
    if (get(MQTT_KEEP_ALIVE) < 0 || get(MQTT_KEEP_ALIVE) > 65535) {
      throw new IllegalArgumentException("sim.mqtt.keep-alive-seconds must be 0..65535");
    }
    if (get(MQTT_CONNECT_TIMEOUT).toMillis() < 100) {
      throw new IllegalArgumentException("sim.mqtt.connect-timeout must be at least 100ms");
    }
    if (get(HTTP_BATCH_INTERVAL).toMillis() < 10) {
      throw new IllegalArgumentException("sim.http.batch-interval must be at least 10ms");
    }
    if (get(HTTP_MAX_BATCH) < 1) {
      throw new IllegalArgumentException("sim.http.max-batch must be at least 1");
    }
    if (get(HTTP_TIMEOUT).toMillis() < 100) {
      throw new IllegalArgumentException("sim.http.timeout must be at least 100ms");
    }
    if (get(HTTP_RETRIES) < 0 || get(HTTP_RETRIES) > 1000) {
      throw new IllegalArgumentException("sim.http.retries must be 0..1000");
    }
    if (get(DRAIN_TIMEOUT).isNegative()) {
      throw new IllegalArgumentException("sim.drain-timeout must not be negative");
    }
  }

  /** Rows of key, env, default, meaning (for --help texts and docs). */
  public static List<String[]> describe() {
    List<String[]> rows = new ArrayList<>();
    for (ConfigKey<?> k : KEYS) {
      rows.add(new String[] {k.name(), k.envName(), k.defaultText(), k.description()});
    }
    return rows;
  }

  /** The keys as a Markdown table. */
  public static String markdownTable() {
    return io.stedi.lakehouse.config.ConfigModule.markdownTable(KEYS);
  }
}
