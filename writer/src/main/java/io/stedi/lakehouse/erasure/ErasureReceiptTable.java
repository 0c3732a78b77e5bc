package io.stedi.lakehouse.erasure;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

import io.stedi.lakehouse.catalog.Retry;
import io.stedi.lakehouse.table.LandingTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Types;

/**
 * {@code stedi.erasure_receipts}: one row per forget request, the proof that an identity was erased. A row
 * never holds the identity itself, only salted hashes (HMAC-SHA256 keyed with a random salt kept in the
 * table property {@value #SALT_PROPERTY}, created once with the table). The gateway reads the hashes to refuse
 * forgotten identities; {@code bin/stedi forget} writes a {@code pending} row first and completes it at the end.
 */
public final class ErasureReceiptTable {
  /** The table's name inside namespace {@code stedi}. */
  public static final String NAME = "erasure_receipts";
  /** Table property holding the deployment's hashing salt (base64 of 32 random bytes). */
  public static final String SALT_PROPERTY = "stedi.erasure.salt";
  /** Status of a request whose erasure has started but not finished: the identity is refused already. */
  public static final String PENDING = "pending";
  /** Status of a finished erasure. */
  public static final String COMPLETE = "complete";

  public static final Schema SCHEMA = new Schema(
      required(1, "receipt_id", Types.StringType.get()),
      required(2, "requested_at", Types.TimestampType.withZone()),
      optional(3, "completed_at", Types.TimestampType.withZone()),
      required(4, "status", Types.StringType.get()),
      required(5, "identity_kind", Types.StringType.get()),
      required(6, "identity_hash", Types.StringType.get()),
      optional(7, "email_hashes", Types.ListType.ofOptional(13, Types.StringType.get())),
      optional(8, "serial_hashes", Types.ListType.ofOptional(14, Types.StringType.get())),
      optional(9, "rows_removed", Types.MapType.ofOptional(15, 16, Types.StringType.get(), Types.LongType.get())),
      optional(10, "files_rewritten", Types.LongType.get()),
      optional(11, "files_deleted", Types.LongType.get()),
      optional(12, "snapshots_expired", Types.LongType.get()));

  /**
   * A request as first written (status pending).
   *
   * @param emailHashes hashes of every email the request covers (the named one, or the owners of a named serial)
   * @param serialHashes hashes of every serial number the request covers
   */
  public record PendingReceipt(String receiptId, Instant requestedAt, IdentityKind kind, String identityHash,
      Set<String> emailHashes, Set<String> serialHashes) {}

  private ErasureReceiptTable() {}

  public static TableIdentifier id() {
    return TableIdentifier.of(LandingTables.NAMESPACE, NAME);
  }

  /** Creates the table with a fresh random salt if missing, or loads it. Safe when two processes race. */
  public static Table ensure(Catalog catalog, int retries) {
    TableIdentifier id = id();
    return Retry.onTransient("create table " + id, retries, () -> {
      if (catalog.tableExists(id)) {
        return catalog.loadTable(id);
      }
      if (catalog instanceof SupportsNamespaces && !((SupportsNamespaces) catalog).namespaceExists(id.namespace())) {
        try {
          ((SupportsNamespaces) catalog).createNamespace(id.namespace());
        } catch (AlreadyExistsException raced) {
          // created concurrently by another process: fine
        }
      }
      byte[] salt = new byte[32];
      new SecureRandom().nextBytes(salt);
      try {
        return catalog.buildTable(id, SCHEMA).withPartitionSpec(PartitionSpec.unpartitioned())
            .withProperties(Map.of(TableProperties.FORMAT_VERSION, "2",
                TableProperties.DELETE_MODE, "copy-on-write", TableProperties.UPDATE_MODE, "copy-on-write",
                SALT_PROPERTY, Base64.getEncoder().encodeToString(salt)))
            .create();
      } catch (AlreadyExistsException raced) {
        return catalog.loadTable(id); // the other process's salt wins; everybody reads it from the table
      }
    });
  }

  /** The table's salt; fails naming the property when it is missing (the table was not made here). */
  public static String salt(Table table) {
    String s = table.properties().get(SALT_PROPERTY);
    if (s == null || s.isBlank()) {
      throw new IllegalStateException(table.name() + " has no " + SALT_PROPERTY + " property");
    }
    return s;
  }

  /** hex(HMAC-SHA256(salt, kind + ":" + normalized value)): what the receipts store instead of the identity. */
  public static String hash(String salt, IdentityKind kind, String value) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(
          mac.doFinal((kind.label() + ":" + IdentityKind.normalize(value)).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** Appends a pending row (one small data file, one commit). */
  public static void appendPending(Table table, PendingReceipt r) {
    Record rec = GenericRecord.create(SCHEMA);
    rec.setField("receipt_id", r.receiptId());
    rec.setField("requested_at", OffsetDateTime.ofInstant(r.requestedAt(), ZoneOffset.UTC));
    rec.setField("status", PENDING);
    rec.setField("identity_kind", r.kind().label());
    rec.setField("identity_hash", r.identityHash());
    rec.setField("email_hashes", new ArrayList<>(new TreeSet<>(r.emailHashes())));
    rec.setField("serial_hashes", new ArrayList<>(new TreeSet<>(r.serialHashes())));
    rec.setField("rows_removed", Map.of());
    rec.setField("files_rewritten", 0L);
    rec.setField("files_deleted", 0L);
    rec.setField("snapshots_expired", 0L);
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table).dataFileFormat(FileFormat.PARQUET)
        .dataSchema(table.schema()).build();
    OutputFileFactory files = OutputFileFactory.builderFor(table, 1, System.nanoTime()).format(FileFormat.PARQUET)
        .operationId(UUID.randomUUID().toString()).build();
    DataWriter<Record> w = factory.newDataWriter(files.newOutputFile(), table.spec(), null);
    try (w) {
      w.write(rec);
    } catch (IOException e) {
      throw new UncheckedIOException("writing a receipt of " + table.name() + ": " + e.getMessage(), e);
    }
    DataFile file = w.toDataFile();
    table.newAppend().appendFile(file).set("stedi.erasure.receipt", r.receiptId()).commit();
  }
}
