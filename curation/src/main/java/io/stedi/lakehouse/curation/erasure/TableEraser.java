package io.stedi.lakehouse.curation.erasure;

import io.stedi.lakehouse.erasure.FileScanner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotChanges;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes an identity's rows from one table so that no file keeps them: a copy-on-write DELETE (the files
 * holding the rows are rewritten without them), a manifest rewrite (the DELETE's manifests still describe the
 * removed files, column bounds included), expiry of every snapshot but the current one (which deletes the
 * old data files, manifests and manifest lists), then {@link OrphanSweeper} for what expiry cannot see.
 */
final class TableEraser {
  /** Parquet rows through Iceberg's generic reader, compiled against the (shaded) Parquet of Spark's Iceberg runtime. */
  static final FileScanner.ParquetRows PARQUET_ROWS = (file, schema) -> org.apache.iceberg.parquet.Parquet.read(file)
      .project(schema).createReaderFunc(fileSchema -> org.apache.iceberg.data.parquet.GenericParquetReaders
          .buildReader(schema, fileSchema)).build();

  private static final Logger LOG = LoggerFactory.getLogger(TableEraser.class);
  private static final int DELETE_ATTEMPTS = 5;

  /** What purging one table did. */
  /**
   * @param youngLeft unreferenced files holding the identity that are younger than the minimum age: a live writer
   *     may still commit them, so they are not deleted now (the receipt stays pending; run forget again later)
   */
  record Purge(long filesDeleted, long snapshotsExpired, long youngLeft) {}

  private final SparkSession spark;
  private final Catalog catalog;
  private final Duration orphanMinAge;

  TableEraser(SparkSession spark, Catalog catalog, Duration orphanMinAge) {
    this.spark = spark;
    this.catalog = catalog;
    this.orphanMinAge = orphanMinAge;
  }

  Table load(String table) {
    Table t = catalog.loadTable(TableIdentifier.of("stedi", table));
    t.refresh();
    return t;
  }

  /** Rows of {@code table} matching {@code predicate} now. */
  long count(String table, String predicate) {
    return "false".equals(predicate) ? 0
        : spark.sql("SELECT count(*) FROM stedi." + table + " WHERE " + predicate).first().getLong(0);
  }

  /**
   * Deletes the matching rows (copy-on-write, retried when a concurrent commit conflicts). Adds the data files
   * the delete replaced to {@code removedFiles}; returns the rows removed.
   */
  long delete(String table, String predicate, Set<String> removedFiles) {
    long rows = count(table, predicate);
    if (rows == 0) {
      return 0;
    }
    Table t = load(table);
    if (!"copy-on-write".equals(t.properties().getOrDefault(TableProperties.DELETE_MODE, "copy-on-write"))) {
      // merge-on-read would only add delete files next to the old data files, which keep the bytes
      t.updateProperties().set(TableProperties.DELETE_MODE, "copy-on-write").commit();
    }
    Snapshot before = t.currentSnapshot();
    for (int attempt = 1; ; attempt++) {
      try {
        spark.sql("DELETE FROM stedi." + table + " WHERE " + predicate);
        break;
      } catch (RuntimeException e) {
        if (attempt >= DELETE_ATTEMPTS || !conflict(e)) {
          throw e;
        }
        LOG.warn("erasure: DELETE on stedi.{} conflicted with a concurrent commit, retry {}/{}: {}", table, attempt,
            DELETE_ATTEMPTS - 1, e.getMessage());
        LockSupport.parkNanos(Duration.ofMillis(200L * attempt).toNanos());
      }
    }
    t.refresh();
    for (Snapshot s : SnapshotUtil.ancestorsBetween(t.currentSnapshot().snapshotId(),
        before == null ? null : before.snapshotId(), t::snapshot)) {
      for (DataFile f : SnapshotChanges.builderFor(t).snapshot(s).build().removedDataFiles()) {
        removedFiles.add(f.location());
      }
    }
    LOG.info("erasure: deleted {} rows from stedi.{}", rows, table);
    return rows;
  }

  private static boolean conflict(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ValidationException || c instanceof CommitFailedException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Makes removed rows unrecoverable: rewrites the manifests, expires every snapshot but the current one
   * (deleting what only they reached), then sweeps orphans and old metadata files that hold a needle.
   *
   * @param expire false to only sweep (a resumed run, for a table this request did not delete from)
   * @param removedFiles data files this request's deletes replaced: deleted without waiting
   */
  Purge purge(String table, boolean expire, Set<String> removedFiles, Set<String> needles) {
    Table t = load(table);
    Set<String> deleted = ConcurrentHashMap.newKeySet();
    long expired = 0;
    if (expire && t.currentSnapshot() != null) {
      // the DELETE's manifests keep "deleted" entries with the removed files' column bounds (min/max values)
      t.rewriteManifests().clusterBy(f -> "all").rewriteIf(m -> true).commit();
      dropOlderRefs(t);
      Set<Long> snapshotsBefore = ids(t.snapshots());
      t.expireSnapshots().expireOlderThan(System.currentTimeMillis()).retainLast(1).deleteWith(path -> {
        t.io().deleteFile(path);
        deleted.add(path);
      }).commit();
      t.refresh();
      snapshotsBefore.removeAll(ids(t.snapshots()));
      expired = snapshotsBefore.size();
    }
    OrphanSweeper sweeper = new OrphanSweeper(t, new FileScanner(t.io(), PARQUET_ROWS, needles), orphanMinAge);
    deleted.addAll(sweeper.sweep(removedFiles, deleted));
    LOG.info("erasure: stedi.{}: {} snapshots expired, {} files deleted, {} recent unreferenced files left", table,
        expired, deleted.size(), sweeper.youngLeft());
    return new Purge(deleted.size(), expired, sweeper.youngLeft());
  }

  /**
   * Removes every tag and branch but {@code main} that points at a snapshot older than the current one: such a
   * ref keeps the snapshots before the delete alive, and with them the person's rows. Their names go to the log
   * (they are operators' names, not personal data) so that an operator can tag the new state again.
   */
  private static void dropOlderRefs(Table t) {
    long current = t.currentSnapshot().snapshotId();
    var manage = t.manageSnapshots();
    List<String> dropped = new ArrayList<>();
    t.refs().forEach((name, ref) -> {
      if (!"main".equals(name) && ref.snapshotId() != current) {
        if (ref.isTag()) {
          manage.removeTag(name);
        } else {
          manage.removeBranch(name);
        }
        dropped.add(name);
      }
    });
    if (!dropped.isEmpty()) {
      manage.commit();
      t.refresh();
      LOG.warn("erasure: {}: removed tags/branches {}, which kept snapshots holding the erased identity", t.name(),
          dropped);
    }
  }

  private static Set<Long> ids(Iterable<Snapshot> snapshots) {
    Set<Long> s = new HashSet<>();
    snapshots.forEach(x -> s.add(x.snapshotId()));
    return s;
  }

  /** Whether a request that started at {@code since} already deleted from this table (a resumed run). */
  boolean deletedSince(String table, long since) {
    Table t = load(table);
    for (Snapshot s : t.snapshots()) {
      if (s.timestampMillis() >= since && List.of("overwrite", "delete").contains(s.operation())) {
        return true;
      }
    }
    return false;
  }
}
