package io.stedi.lakehouse.curation.erasure;

import static io.stedi.lakehouse.curation.erasure.ErasureTarget.literal;

import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.curation.jobs.CurationJob;
import io.stedi.lakehouse.curation.jobs.CustomerKey;
import io.stedi.lakehouse.erasure.ErasureKey;
import io.stedi.lakehouse.erasure.IdentityKind;
import io.stedi.lakehouse.table.Zone;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;

/**
 * Finds what a request covers: for an email, the serial numbers its customer records carry; for a serial,
 * the emails of the customers who own it. When an interrupted request runs again, part of the data may be
 * gone already: the hashes its pending receipt stored are then matched against every email and serial still
 * in the tables, so no value the first run covered is missed.
 */
final class IdentityResolver {
  static final String HASH_FUNCTION = "stedi_erasure_hash";

  /** Tables and columns holding emails: from the zones' descriptors, for landing and the tables derived from them. */
  private static final String[][] EMAIL_COLUMNS = columns(IdentityKind.EMAIL, new String[0][]);
  /** Tables and columns holding serial numbers (the ML table holds device keys instead). */
  private static final String[][] SERIAL_COLUMNS = columns(IdentityKind.SERIAL, new String[0][]);

  private static String[][] columns(IdentityKind kind, String[][] joined) {
    List<String[]> out = new ArrayList<>();
    for (Zone z : Zone.values()) {
      String c = z.identityColumns().get(kind);
      if (c != null) {
        out.add(new String[] {z.landingTable(), c});
      }
    }
    for (CurationJob j : CurationJob.values()) {
      String c = j.source() == null ? null : j.source().identityColumns().get(kind);
      if (c != null) {
        out.add(new String[] {j.table(), c});
      }
    }
    out.addAll(List.of(joined));
    return out.toArray(new String[0][]);
  }
  /** Customer tables, in the order they are searched for owners. */
  private static final String[] CUSTOMER_TABLES = {"customer_landing", "customer_trusted", "customers_curated"};

  private final SparkSession spark;
  private final CurationConfig config;
  private final ErasureKey key;

  IdentityResolver(SparkSession spark, CurationConfig config, ErasureKey key) {
    this.spark = spark;
    this.config = config;
    this.key = key;
    spark.udf().register(HASH_FUNCTION, (UDF2<String, String, String>) (kind, v) -> v == null ? null
        : key.hash(IdentityKind.fromLabel(kind), v), DataTypes.StringType);
  }

  /**
   * @param storedEmailHashes email hashes of a pending receipt of the same request (empty for a new one)
   * @param storedSerialHashes serial hashes of that receipt
   */
  Identity resolve(IdentityKind kind, String value, Set<String> storedEmailHashes, Set<String> storedSerialHashes) {
    String v = IdentityKind.normalize(value);
    Set<String> emails = new LinkedHashSet<>();
    Set<String> serials = new LinkedHashSet<>();
    if (kind == IdentityKind.EMAIL) {
      emails.add(v);
      for (String t : existing(CUSTOMER_TABLES)) {
        serials.addAll(strings("SELECT DISTINCT lower(serialNumber) FROM stedi." + t + " WHERE lower(email) = "
            + literal(v) + " AND serialNumber IS NOT NULL"));
      }
    } else {
      serials.add(v);
      for (String t : existing(CUSTOMER_TABLES)) {
        emails.addAll(strings("SELECT DISTINCT lower(email) FROM stedi." + t + " WHERE lower(serialNumber) = "
            + literal(v) + " AND email IS NOT NULL"));
      }
    }
    recover(IdentityKind.EMAIL, emails, storedEmailHashes, EMAIL_COLUMNS);
    recover(IdentityKind.SERIAL, serials, storedSerialHashes, SERIAL_COLUMNS);
    return new Identity(kind, v, emails, serials, customerKeys(emails, value), CustomerKey.deviceKeys(config, serials));
  }

  /** Adds the values whose hashes a pending receipt holds but that the lookup above did not find. */
  private void recover(IdentityKind kind, Set<String> found, Set<String> stored, String[][] columns) {
    Set<String> missing = new HashSet<>(stored);
    found.forEach(f -> missing.remove(key.hash(kind, f)));
    if (missing.isEmpty()) {
      return;
    }
    String hashes = missing.stream().map(ErasureTarget::literal).collect(Collectors.joining(", "));
    for (String[] tc : columns) {
      if (spark.catalog().tableExists("stedi." + tc[0])) {
        found.addAll(strings("SELECT DISTINCT lower(`" + tc[1] + "`) FROM stedi." + tc[0] + " WHERE " + HASH_FUNCTION
            + "('" + kind.label() + "', `" + tc[1] + "`) IN (" + hashes + ")"));
      }
    }
  }

  /**
   * machine_learning_curated's keys are HMACs of the email exactly as the customer spelled it, so every
   * spelling found in the tables is keyed.
   */
  private Set<String> customerKeys(Set<String> emails, String typed) {
    if (emails.isEmpty() || !spark.catalog().tableExists("stedi.machine_learning_curated")) {
      return Set.of();
    }
    Set<String> spellings = new LinkedHashSet<>(emails);
    if (typed != null) {
      spellings.add(typed.strip());
    }
    String list = emails.stream().map(ErasureTarget::literal).collect(Collectors.joining(", "));
    for (String[] tc : EMAIL_COLUMNS) {
      if (spark.catalog().tableExists("stedi." + tc[0])) {
        spellings.addAll(strings("SELECT DISTINCT `" + tc[1] + "` FROM stedi." + tc[0] + " WHERE lower(`" + tc[1]
            + "`) IN (" + list + ")"));
      }
    }
    CustomerKey.register(spark, config);
    String values = spellings.stream().map(s -> "(" + literal(s) + ")").collect(Collectors.joining(", "));
    return new LinkedHashSet<>(strings("SELECT DISTINCT " + CustomerKey.FUNCTION + "(v) FROM VALUES " + values
        + " AS t(v)"));
  }

  private List<String> existing(String[] tables) {
    List<String> out = new ArrayList<>();
    for (String t : tables) {
      if (spark.catalog().tableExists("stedi." + t)) {
        out.add(t);
      }
    }
    return out;
  }

  private List<String> strings(String sql) {
    List<String> out = new ArrayList<>();
    for (Row r : spark.sql(sql).collectAsList()) {
      if (!r.isNullAt(0)) {
        out.add(r.getString(0));
      }
    }
    return out;
  }
}
