package io.stedi.lakehouse.curation.jobs;

import io.stedi.lakehouse.config.SecretFile;
import io.stedi.lakehouse.curation.config.CurationConfig;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * The pseudonymous keys of machine_learning_curated: the customer's, hex(HMAC-SHA256(secret, email)), and the
 * device's ({@link #device}). The same
 * customer always gets the same key, nobody without the secret can link it back to the email, and the secret
 * is configuration, never table data.
 */
public final class CustomerKey {
  /** The SQL function name the ML job calls. */
  public static final String FUNCTION = "stedi_customer_key";

  private CustomerKey() {}

  /** The secret: curation.customer-key-secret, or a random one created once under stedi.home. */
  static String secret(CurationConfig config) {
    String configured = config.get(CurationConfig.CUSTOMER_KEY_SECRET);
    if (!configured.isEmpty()) {
      return configured;
    }
    return SecretFile.readOrCreate(config.lakehouse().home().resolve("curation").resolve("customer-key.secret"));
  }

  /** hex(HMAC-SHA256(secret, email)), or null for a null email. */
  public static String of(String secret, String email) {
    return email == null ? null : hex(mac(secret), email);
  }

  private static Mac mac(String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static String hex(Mac mac, String value) {
    return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The SQL functions' implementation: one initialised {@link Mac} per thread, because looking the algorithm up
   * and setting the key for every row cost more than the hash itself (a JFR profile of a 5 M-row ML build showed
   * the provider lookup on top). Spark ships the function to each task serialized; the Macs are not.
   */
  private static final class Keyer implements UDF1<String, String> {
    private static final long serialVersionUID = 1L;
    private final String secret;
    private final boolean device;
    private transient ThreadLocal<Mac> macs;

    Keyer(String secret, boolean device) {
      this.secret = secret;
      this.device = device;
    }

    @Override
    public String call(String value) {
      if (value == null) {
        return null;
      }
      return hex(macs().get(), device ? deviceInput(value) : value);
    }

    private synchronized ThreadLocal<Mac> macs() {
      if (macs == null) {
        macs = ThreadLocal.withInitial(() -> mac(secret));
      }
      return macs;
    }
  }

  /** The SQL function giving a Step Trainer's pseudonymous key in machine_learning_curated. */
  public static final String DEVICE_FUNCTION = "stedi_device_key";

  /**
   * A device's pseudonymous key: hex(HMAC-SHA256(secret, "device:" + serial trimmed and lower-cased)), so the ML table
   * holds no serial that customers_curated could map back to an email; the same device always gets the same key,
   * whatever case its serial was written in. Null for a null serial.
   */
  public static String device(String secret, String serial) {
    return serial == null ? null : of(secret, deviceInput(serial));
  }

  private static String deviceInput(String serial) {
    return "device:" + serial.strip().toLowerCase(java.util.Locale.ROOT);
  }

  /** The device keys of these serials with the configured secret (for erasure). */
  public static java.util.Set<String> deviceKeys(CurationConfig config, java.util.Collection<String> serials) {
    String secret = secret(config);
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    serials.forEach(s -> out.add(device(secret, s)));
    return out;
  }

  /** Registers {@value #FUNCTION}(email) and {@value #DEVICE_FUNCTION}(serial) on the session. */
  public static void register(SparkSession spark, CurationConfig config) {
    String secret = secret(config);
    spark.udf().register(FUNCTION, new Keyer(secret, false), DataTypes.StringType);
    spark.udf().register(DEVICE_FUNCTION, new Keyer(secret, true), DataTypes.StringType);
  }
}
