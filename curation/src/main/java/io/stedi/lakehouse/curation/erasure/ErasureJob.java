package io.stedi.lakehouse.curation.erasure;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.commit.ScrubMarkers;
import io.stedi.lakehouse.erasure.ErasureKey;
import io.stedi.lakehouse.erasure.ErasureReceiptTable;
import io.stedi.lakehouse.erasure.IdentityKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.apache.iceberg.catalog.Catalog;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/stedi forget}: erases one customer (by email or Step Trainer serial) from every table so that no
 * file under the warehouse holds their email or serial any more, and records a receipt.
 *
 * <p>Steps: resolve the identity; write a {@code pending} receipt (gateways then start refusing it); per table,
 * delete the rows copy-on-write and purge ({@link TableEraser}); once gateways have had time to notice the
 * request, count again and repeat when a live writer added rows meanwhile; complete the receipt. Every step
 * can run again: a forget that was interrupted finds its pending receipt and finishes the work.
 */
public final class ErasureJob {
  private static final Logger LOG = LoggerFactory.getLogger(ErasureJob.class);

  /**
   * @param gatewayWait longest wait for every live gateway to confirm it refuses the request and scrubbed its own
   *     copies ({@link ScrubMarkers}); the final recount comes after the confirmations
   * @param orphanMinAge an unreferenced file younger than this may be a live writer's uncommitted file
   * @param maxPasses delete passes before giving up on a writer that keeps adding the identity's rows
   */
  public record Options(Duration gatewayWait, Duration orphanMinAge, int maxPasses) {
    public static Options defaults() {
      // the same minimum age as maintenance's orphan removal: a writer's uncommitted files are never touched
      return new Options(Duration.ofSeconds(60), Duration.ofHours(1), 3);
    }
  }

  /**
   * What a run did.
   *
   * @param receipt the receipt written or completed, or null when nothing was found
   * @param earlier the newest complete receipt of the same identity when nothing was found, or null
   */
  public record Result(ErasureReceipt receipt, ErasureReceipt earlier) {
    public boolean nothingFound() {
      return receipt == null;
    }
  }

  private final SparkSession spark;
  private final Catalog catalog;
  private final CurationConfig config;
  private final Options options;

  public ErasureJob(SparkSession spark, Catalog catalog, CurationConfig config, Options options) {
    this.spark = spark;
    this.catalog = catalog;
    this.config = config;
    this.options = options;
  }

  /** Erases {@code value}; returns the receipt, or a result with none when no table holds the identity. */
  public Result run(IdentityKind kind, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("forget: the " + kind.label() + " must not be empty");
    }
    ErasureKey key = ErasureKey.resolve(config.lakehouse(), catalog);
    ErasureReceipts receipts = new ErasureReceipts(spark, catalog, config.lakehouse().get(LakehouseConfig.COMMIT_RETRIES),
        key);
    String identityHash = key.hash(kind, value);
    ErasureReceipt pending = receipts.pending(identityHash);
    Identity id = new IdentityResolver(spark, config, key).resolve(kind, value,
        pending == null ? Set.of() : pending.emailHashes(), pending == null ? Set.of() : pending.serialHashes());
    List<ErasureTarget> targets = existingTargets();
    Map<ErasureTarget, Long> found = count(targets, id);
    if (pending == null && found.isEmpty()) {
      LOG.info("forget: no table holds that {}", kind.label());
      return new Result(null, receipts.lastComplete(identityHash));
    }
    Set<String> emailHashes = hashes(key, IdentityKind.EMAIL, id.emails());
    Set<String> serialHashes = hashes(key, IdentityKind.SERIAL, id.serials());
    String receiptId;
    Instant requestedAt;
    if (pending == null) {
      receiptId = UUID.randomUUID().toString();
      requestedAt = Instant.now();
      receipts.writePending(new ErasureReceiptTable.PendingReceipt(receiptId, requestedAt, kind, identityHash,
          emailHashes, serialHashes));
      LOG.info("forget: receipt {} pending; {} tables hold the identity", receiptId, found.size());
    } else {
      receiptId = pending.receiptId();
      requestedAt = pending.requestedAt();
      LOG.info("forget: resuming the unfinished request {} of {}", receiptId, requestedAt);
      if (!pending.emailHashes().containsAll(emailHashes) || !pending.serialHashes().containsAll(serialHashes)) {
        emailHashes.addAll(pending.emailHashes());
        serialHashes.addAll(pending.serialHashes());
        receipts.updateHashes(receiptId, emailHashes, serialHashes);
      }
    }
    Totals totals = erase(id, targets, pending != null, requestedAt);
    receipts.complete(receiptId, Instant.now(), totals.rows, totals.filesRewritten, totals.filesDeleted,
        totals.snapshotsExpired);
    return new Result(receipts.get(receiptId), null);
  }

  /** What the passes did, summed. */
  private static final class Totals {
    final Map<String, Long> rows = new LinkedHashMap<>();
    long filesRewritten;
    long filesDeleted;
    long snapshotsExpired;
  }

  private Totals erase(Identity id, List<ErasureTarget> targets, boolean resumed, Instant requestedAt) {
    TableEraser eraser = new TableEraser(spark, catalog, options.orphanMinAge());
    Totals totals = new Totals();
    Set<String> needles = id.needles();
    for (int pass = 1; ; pass++) {
      long young = 0;
      Map<ErasureTarget, Set<String>> affected = new LinkedHashMap<>();
      for (ErasureTarget t : targets) {
        Set<String> removed = new LinkedHashSet<>();
        long n = eraser.delete(t.table(), t.predicate(id), removed);
        if (n > 0) {
          totals.rows.merge(t.table(), n, Long::sum);
          totals.filesRewritten += removed.size();
          affected.put(t, removed);
        }
      }
      for (ErasureTarget t : targets) {
        boolean deleted = affected.containsKey(t);
        if (deleted || (resumed && pass == 1)) {
          // a resumed run does not know what the interrupted one did: expire where it had deleted, sweep everywhere
          boolean expire = deleted || eraser.deletedSince(t.table(), requestedAt.toEpochMilli());
          TableEraser.Purge p = eraser.purge(t.table(), expire, affected.getOrDefault(t, Set.of()), needles);
          totals.filesDeleted += p.filesDeleted();
          totals.snapshotsExpired += p.snapshotsExpired();
          young += p.youngLeft();
        }
      }
      waitForGateways(requestedAt);
      Map<ErasureTarget, Long> left = count(targets, id);
      if (left.isEmpty() && young > 0) {
        throw new IllegalStateException("forget: " + young + " unreferenced data files younger than "
            + options.orphanMinAge() + " hold the identity (a live writer may still commit them); the receipt stays "
            + "pending and the gateways keep refusing the identity: run forget again after that age");
      }
      if (left.isEmpty()) {
        return totals;
      }
      if (pass >= options.maxPasses()) {
        throw new IllegalStateException("forget: after " + pass + " passes a writer still adds rows of this identity to "
            + tableNames(left.keySet()) + "; the receipt stays pending (the gateways refuse the identity): run forget again");
      }
      LOG.info("forget: pass {} done, but a live writer added rows to {} meanwhile: another pass", pass,
          tableNames(left.keySet()));
    }
  }

  /**
   * Waits until every live gateway confirms the request ({@link ScrubMarkers}): from then on it refuses the identity,
   * and everything it took before is committed (rows the final count then finds) and gone from its write-ahead log,
   * credentials and idempotency records. A gateway that does not confirm in time leaves the receipt pending.
   */
  private void waitForGateways(Instant requestedAt) {
    long deadline = System.currentTimeMillis() + options.gatewayWait().toMillis();
    Set<String> behind = ScrubMarkers.behind(catalog, requestedAt);
    if (!behind.isEmpty()) {
      LOG.info("forget: waiting for {} running gateway(s) to confirm they refuse the identity and scrubbed their own "
          + "files", behind.size());
    }
    while (!behind.isEmpty()) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("forget: running gateway(s) " + String.join(", ", behind) + " did not confirm "
            + "within " + options.gatewayWait() + " that they refuse the identity and scrubbed their write-ahead logs, "
            + "credentials and idempotency records; the receipt stays pending: run forget again when they are up");
      }
      LockSupport.parkNanos(500_000_000L);
      behind = ScrubMarkers.behind(catalog, requestedAt);
    }
  }

  private Map<ErasureTarget, Long> count(List<ErasureTarget> targets, Identity id) {
    TableEraser eraser = new TableEraser(spark, catalog, options.orphanMinAge());
    Map<ErasureTarget, Long> m = new LinkedHashMap<>();
    for (ErasureTarget t : targets) {
      long n = eraser.count(t.table(), t.predicate(id));
      if (n > 0) {
        m.put(t, n);
      }
    }
    return m;
  }

  private List<ErasureTarget> existingTargets() {
    List<ErasureTarget> out = new ArrayList<>();
    for (ErasureTarget t : ErasureTarget.values()) {
      if (spark.catalog().tableExists("stedi." + t.table())) {
        out.add(t);
      }
    }
    return out;
  }

  private static Set<String> hashes(ErasureKey key, IdentityKind kind, Set<String> values) {
    Set<String> h = new HashSet<>();
    values.forEach(v -> h.add(key.hash(kind, v)));
    return h;
  }

  private static String tableNames(Set<ErasureTarget> ts) {
    return ts.stream().map(t -> "stedi." + t.table()).toList().toString();
  }
}
