package io.stedi.lakehouse.erasure;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

import io.stedi.lakehouse.catalog.Retry;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.RecordAppender;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.types.Types;

/**
 * {@code stedi.erasure_receipts}: one row per forget request, the proof that an identity was erased. A row
 * never holds the identity itself, only keyed hashes ({@link ErasureKey}: HMAC-SHA256 with a secret that is
 * configuration, not table data). The gateway reads the hashes to refuse
 * forgotten identities; {@code bin/stedi forget} writes a {@code pending} row first and completes it at the end.
 */
public final class ErasureReceiptTable {
  /** The table's name inside namespace {@code stedi}. */
  public static final String NAME = "erasure_receipts";
  /** Table property of earlier versions that held the hashing salt readable by anyone with catalog access. */
  public static final String LEGACY_SALT_PROPERTY = "stedi.erasure.salt";
  /** Table property naming the key the hashes were made with ({@link ErasureKey#keyId()}), not the key. */
  public static final String KEY_ID_PROPERTY = "stedi.erasure.key-id";
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

  /**
   * Creates the table if missing, or loads it, checking it was written with {@code key}. Safe when two processes
   * race.
   */
  public static Table ensure(Catalog catalog, int retries, ErasureKey key) {
    TableIdentifier id = id();
    Table table = Retry.onTransient("create table " + id, retries, () -> {
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
      try {
        return catalog.buildTable(id, SCHEMA).withPartitionSpec(PartitionSpec.unpartitioned())
            .withProperties(Map.of(TableProperties.FORMAT_VERSION, "2",
                TableProperties.DELETE_MODE, "copy-on-write", TableProperties.UPDATE_MODE, "copy-on-write",
                KEY_ID_PROPERTY, key.keyId()))
            .create();
      } catch (AlreadyExistsException raced) {
        return catalog.loadTable(id);
      }
    });
    if (table.properties().containsKey(LEGACY_SALT_PROPERTY)) {
      throw new IllegalStateException(id + " still has its salt in a table property: resolve the key with "
          + "ErasureKey.resolve first, which moves it out");
    }
    key.check(table);
    return table;
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
    RecordAppender.append(table, List.of(rec), Map.of("stedi.erasure.receipt", r.receiptId()));
  }
}
