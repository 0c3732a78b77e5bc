package io.stedi.lakehouse.curation.erasure;

import io.stedi.lakehouse.erasure.IdentityKind;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One row of {@code stedi.erasure_receipts}: the proof of an erasure. Holds salted hashes, never the identity.
 *
 * @param rowsRemoved rows deleted per table (the tables that held any)
 * @param filesRewritten data files replaced because they held the identity's rows
 * @param filesDeleted data, manifest, manifest-list and metadata files physically deleted
 * @param snapshotsExpired snapshots expired on the affected tables (their time travel history)
 */
public record ErasureReceipt(String receiptId, Instant requestedAt, Instant completedAt, String status,
    IdentityKind kind, String identityHash, Set<String> emailHashes, Set<String> serialHashes,
    Map<String, Long> rowsRemoved, long filesRewritten, long filesDeleted, long snapshotsExpired) {

  /** Total rows removed. */
  public long totalRows() {
    return rowsRemoved.values().stream().mapToLong(Long::longValue).sum();
  }

  /** {@code rows} ordered as the tables are visited (landing tables last). */
  static Map<String, Long> ordered(Map<String, Long> rows) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (ErasureTarget t : ErasureTarget.values()) {
      if (rows.containsKey(t.table())) {
        out.put(t.table(), rows.get(t.table()));
      }
    }
    rows.forEach(out::putIfAbsent);
    return out;
  }
}
