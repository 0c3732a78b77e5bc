package io.stedi.lakehouse.erasure;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.config.SecretFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key of the identity hashes in {@code stedi.erasure_receipts}. It is configuration
 * ({@code erasure.hash-secret}, or a random secret in {@code <stedi.home>/erasure/hash.secret}), never table
 * data: with only catalog access, a receipt's hash cannot be tested against a list of emails. The table carries
 * just a key id ({@value ErasureReceiptTable#KEY_ID_PROPERTY}), so that a process configured with another
 * secret fails at start instead of silently not recognising forgotten identities.
 */
public final class ErasureKey implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ErasureKey.class);

  private final byte[] secret;

  private ErasureKey(String secret) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  /** A key from a known secret (tests, tools). */
  public static ErasureKey of(String secret) {
    return new ErasureKey(secret);
  }

  /**
   * The deployment's key. A receipts table made by an earlier version kept its salt in the table property
   * {@value ErasureReceiptTable#LEGACY_SALT_PROPERTY}: that salt becomes the secret (in the secret file when none is
   * configured and the file does not exist yet) and the property is removed, so old receipts keep matching.
   *
   * @throws IllegalStateException when the configured secret is not the one the receipts were written with
   */
  public static ErasureKey resolve(LakehouseConfig config, Catalog catalog) {
    String configured = config.get(LakehouseConfig.ERASURE_HASH_SECRET);
    Path file = config.home().resolve("erasure").resolve("hash.secret");
    String secret = configured.isEmpty() ? SecretFile.read(file) : configured;
    Table table = catalog.tableExists(ErasureReceiptTable.id()) ? catalog.loadTable(ErasureReceiptTable.id()) : null;
    String legacy = table == null ? null : table.properties().get(ErasureReceiptTable.LEGACY_SALT_PROPERTY);
    if (legacy != null) {
      if (secret == null) {
        secret = SecretFile.write(file, legacy);
      }
      if (!secret.equals(legacy)) {
        throw new IllegalStateException(ErasureReceiptTable.id() + " was written with the salt in its table property "
            + ErasureReceiptTable.LEGACY_SALT_PROPERTY + ", not with erasure.hash-secret; set erasure.hash-secret to "
            + "that value once (it is then removed from the table)");
      }
      ErasureKey key = new ErasureKey(secret);
      table.updateProperties().remove(ErasureReceiptTable.LEGACY_SALT_PROPERTY)
          .set(ErasureReceiptTable.KEY_ID_PROPERTY, key.keyId()).commit();
      LOG.warn("erasure-key-migrated: moved the hashing salt of {} out of the table properties into {}",
          ErasureReceiptTable.id(), configured.isEmpty() ? file : "erasure.hash-secret");
      return key;
    }
    ErasureKey key = new ErasureKey(secret != null ? secret : SecretFile.readOrCreate(file));
    if (table != null) {
      key.check(table);
    }
    return key;
  }

  /** Fails when {@code table} was written with another key. */
  void check(Table table) {
    String id = table.properties().get(ErasureReceiptTable.KEY_ID_PROPERTY);
    if (id != null && !id.equals(keyId())) {
      throw new IllegalStateException(table.name() + " was written with another erasure.hash-secret (key id " + id
          + ", this process has " + keyId() + "); every process of a deployment needs the same secret");
    }
  }

  /** hex(HMAC-SHA256(secret, kind + ":" + normalized value)): what the receipts store instead of the identity. */
  public String hash(IdentityKind kind, String value) {
    return mac(kind.label() + ":" + IdentityKind.normalize(value));
  }

  /**
   * How logs name an identity instead of writing it: {@code dev-} or {@code cust-} and 48 bits of a keyed hash
   * (distinct from the receipts' hash). Stable across processes of one deployment, so an operator can follow one
   * device through the logs ({@code bin/stedi devices log-id SERIAL}), and useless to anyone without the secret.
   */
  public String logId(IdentityKind kind, String value) {
    if (value == null) {
      return "(none)";
    }
    return (kind == IdentityKind.SERIAL ? "dev-" : "cust-") + mac("log:" + kind.label() + ":"
        + IdentityKind.normalize(value)).substring(0, 12);
  }

  /**
   * 64 bits of the HMAC of a fixed label: tells keys apart, and with a secret of 32 random bytes reveals nothing
   * that helps to guess a hashed identity.
   */
  public String keyId() {
    return mac("stedi.erasure.key-id").substring(0, 16);
  }

  private String mac(String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "ErasureKey{id=" + keyId() + "}"; // never the secret
  }
}
