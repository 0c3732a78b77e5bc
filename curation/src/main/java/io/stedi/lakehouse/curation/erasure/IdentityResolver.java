package io.stedi.lakehouse.curation.erasure;

import static io.stedi.lakehouse.curation.erasure.ErasureTarget.literal;

import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.curation.jobs.CurationJob;
import io.stedi.lakehouse.curation.jobs.CustomerKey;
import io.stedi.lakehouse.erasure.ErasureKey;
import io.stedi.lakehouse.erasure.IdentityKind;
import io.stedi.lakehouse.erasure.QuarantineText;
import io.stedi.lakehouse.table.Zone;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;

/**
 * Finds what a request covers: for an email, the serial numbers its customer records carry; for a serial,
 * the emails of the customers who own it. When an interrupted request runs again, part of the data may be
 * gone already: the hashes its pending receipt stored are then matched against every email and serial still
 * in the tables, so no value the first run covered is missed.
 */
final class IdentityResolver {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityResolver.class);
  static final String HASH_FUNCTION = "stedi_erasure_hash";
  private static final String NORM = ErasureTarget.NORM_FUNCTION;

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
    // the one normalisation of identities (IdentityKind.normalize) in SQL too: hashes and matches agree
    spark.udf().register(ErasureTarget.NORM_FUNCTION, (UDF1<String, String>) IdentityKind::normalize,
        DataTypes.StringType);
    spark.udf().register(ErasureTarget.MENTIONS_FUNCTION, (UDF2<String, String, Boolean>) (text, needles) ->
        QuarantineText.mentions(text, List.of(needles.split("\n"))), DataTypes.BooleanType);
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
        serials.addAll(strings("SELECT DISTINCT " + NORM + "(serialNumber) FROM stedi." + t + " WHERE " + NORM + "(email) = "
            + literal(v) + " AND serialNumber IS NOT NULL"));
      }
      // a serial that other customers' records name too (the STEDI data has such shared serials, a fulfilment defect)
      // cannot be attributed to this customer: its readings and device stay, only this customer's records go
      Set<String> shared = sharedWithOthers(serials, v);
      if (!shared.isEmpty()) {
        LOG.info("forget: {} serial number(s) of this customer are named by other customers' records too; their "
            + "readings stay (they are not this customer's alone)", shared.size());
        serials.removeAll(shared);
      }
    } else {
      serials.add(v);
      for (String t : existing(CUSTOMER_TABLES)) {
        emails.addAll(strings("SELECT DISTINCT " + NORM + "(email) FROM stedi." + t + " WHERE " + NORM + "(serialNumber) = "
            + literal(v) + " AND email IS NOT NULL"));
      }
      if (emails.size() > 1) {
        throw new IllegalArgumentException("forget --serial: " + emails.size() + " customers' records name this serial "
            + "number (a shared serial), so its readings are not one person's: forget each customer by email instead "
            + "(the readings go with the last one who names it)");
      }
    }
    recover(IdentityKind.EMAIL, emails, storedEmailHashes, EMAIL_COLUMNS);
    recover(IdentityKind.SERIAL, serials, storedSerialHashes, SERIAL_COLUMNS);
    return new Identity(kind, v, emails, serials, customerKeys(emails, value), CustomerKey.deviceKeys(config, serials));
  }

  /** The serials among {@code serials} that a customer record of another email names too. */
  private Set<String> sharedWithOthers(Set<String> serials, String email) {
    if (serials.isEmpty()) {
      return Set.of();
    }
    String list = serials.stream().map(ErasureTarget::literal).collect(Collectors.joining(", "));
    Set<String> shared = new LinkedHashSet<>();
    for (String t : existing(CUSTOMER_TABLES)) {
      shared.addAll(strings("SELECT DISTINCT " + NORM + "(serialNumber) FROM stedi." + t + " WHERE " + NORM
          + "(serialNumber) IN (" + list + ") AND email IS NOT NULL AND " + NORM + "(email) <> " + literal(email)));
    }
    return shared;
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
        found.addAll(strings("SELECT DISTINCT " + NORM + "(`" + tc[1] + "`) FROM stedi." + tc[0] + " WHERE " + HASH_FUNCTION
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
        spellings.addAll(strings("SELECT DISTINCT `" + tc[1] + "` FROM stedi." + tc[0] + " WHERE " + NORM + "(`" + tc[1]
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
