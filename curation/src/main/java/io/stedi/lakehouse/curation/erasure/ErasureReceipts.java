package io.stedi.lakehouse.curation.erasure;

import static io.stedi.lakehouse.curation.erasure.ErasureTarget.literal;

import io.stedi.lakehouse.erasure.ErasureKey;
import io.stedi.lakehouse.erasure.ErasureReceiptTable;
import io.stedi.lakehouse.erasure.IdentityKind;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.collection.JavaConverters;

/** Curation's side of {@code stedi.erasure_receipts}: find, write and complete receipts. */
final class ErasureReceipts {
  static final String TABLE = "stedi." + ErasureReceiptTable.NAME;
  private static final String COLUMNS = "receipt_id, requested_at, completed_at, status, identity_kind, identity_hash,"
      + " email_hashes, serial_hashes, rows_removed, files_rewritten, files_deleted, snapshots_expired";

  private final SparkSession spark;
  private final Table table;

  ErasureReceipts(SparkSession spark, Catalog catalog, int retries, ErasureKey key) {
    this.spark = spark;
    this.table = ErasureReceiptTable.ensure(catalog, retries, key);
  }

  /** The newest pending receipt of this identity hash: an earlier forget that did not finish. */
  ErasureReceipt pending(String identityHash) {
    return newest("identity_hash = " + literal(identityHash) + " AND status = '" + ErasureReceiptTable.PENDING + "'");
  }

  /** The newest complete receipt of this identity hash, or null. */
  ErasureReceipt lastComplete(String identityHash) {
    return newest("identity_hash = " + literal(identityHash) + " AND status = '" + ErasureReceiptTable.COMPLETE + "'");
  }

  ErasureReceipt get(String receiptId) {
    return newest("receipt_id = " + literal(receiptId));
  }

  private ErasureReceipt newest(String where) {
    table.refresh();
    List<Row> rows = spark.sql("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE " + where
        + " ORDER BY requested_at DESC LIMIT 1").collectAsList();
    return rows.isEmpty() ? null : toReceipt(rows.get(0));
  }

  /** Writes the pending marker: from its commit on, gateways start refusing the identity. */
  void writePending(ErasureReceiptTable.PendingReceipt r) {
    table.refresh();
    ErasureReceiptTable.appendPending(table, r);
  }

  /** Adds hashes an earlier pending run did not know (the data it resolved from may be gone by now). */
  void updateHashes(String receiptId, Set<String> emailHashes, Set<String> serialHashes) {
    spark.sql("UPDATE " + TABLE + " SET email_hashes = " + array(emailHashes) + ", serial_hashes = "
        + array(serialHashes) + " WHERE receipt_id = " + literal(receiptId));
  }

  /** Marks the receipt complete with what was done. */
  void complete(String receiptId, Instant completedAt, Map<String, Long> rowsRemoved, long filesRewritten,
      long filesDeleted, long snapshotsExpired) {
    String map = rowsRemoved.isEmpty() ? "CAST(map() AS MAP<STRING, BIGINT>)" : "map(" + rowsRemoved.entrySet().stream()
        .map(e -> literal(e.getKey()) + ", CAST(" + e.getValue() + " AS BIGINT)").collect(Collectors.joining(", ")) + ")";
    spark.sql("UPDATE " + TABLE + " SET status = '" + ErasureReceiptTable.COMPLETE + "', completed_at = timestamp_millis("
        + completedAt.toEpochMilli() + "), rows_removed = " + map + ", files_rewritten = " + filesRewritten
        + ", files_deleted = " + filesDeleted + ", snapshots_expired = " + snapshotsExpired + " WHERE receipt_id = "
        + literal(receiptId));
  }

  private static String array(Set<String> values) {
    return values.isEmpty() ? "CAST(array() AS ARRAY<STRING>)"
        : "array(" + values.stream().sorted().map(ErasureTarget::literal).collect(Collectors.joining(", ")) + ")";
  }

  private static ErasureReceipt toReceipt(Row r) {
    Map<String, Long> removed = new LinkedHashMap<>();
    if (!r.isNullAt(8)) {
      removed.putAll(JavaConverters.mapAsJavaMap(r.<String, Long>getMap(8)));
    }
    return new ErasureReceipt(r.getString(0), r.getTimestamp(1).toInstant(),
        r.isNullAt(2) ? null : r.getTimestamp(2).toInstant(), r.getString(3), IdentityKind.fromLabel(r.getString(4)),
        r.getString(5), set(r, 6), set(r, 7), ErasureReceipt.ordered(removed), r.isNullAt(9) ? 0 : r.getLong(9),
        r.isNullAt(10) ? 0 : r.getLong(10), r.isNullAt(11) ? 0 : r.getLong(11));
  }

  private static Set<String> set(Row r, int i) {
    return r.isNullAt(i) ? Set.of() : new LinkedHashSet<>(r.<String>getList(i));
  }
}
