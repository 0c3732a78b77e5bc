package io.stedi.lakehouse.curation.maintain;

import io.stedi.lakehouse.curation.jobs.CurationJob;
import io.stedi.lakehouse.curation.maintain.MaintenanceReport.TableResult;
import io.stedi.lakehouse.table.LandingTables;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.UpdateProperties;
import org.apache.iceberg.actions.BinPackRewriteFilePlanner;
import org.apache.iceberg.actions.RewriteDataFiles;
import org.apache.iceberg.actions.RewriteFileGroup;
import org.apache.iceberg.actions.SizeBasedFileRewritePlanner;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.iceberg.spark.actions.SparkActions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The maintenance of one table, in this order: table properties that keep metadata bounded, compaction of small
 * data files, a manifest rewrite when manifests fragment, snapshot expiry, orphan file removal. A failing step
 * is recorded and the next steps still run (expiry is worth doing even when a compaction lost a conflict).
 *
 * <p>Every change is an ordinary Iceberg commit, so it is safe next to a writer appending at the same time: a
 * commit that finds the table changed is retried on the new metadata (the table's {@code commit.retry.*}
 * properties, which {@link #ensureProperties} sets), compaction commits each group on its own (partial progress)
 * so a conflict costs one group, and appends never conflict with a rewrite of other files. Rewrites do not touch
 * table properties, so a writer's position ({@code stedi.wal.<instance>.lsn}) survives, also when expiry removes
 * the snapshots whose summaries carried it.
 */
final class TableMaintainer {
  private static final Logger LOG = LoggerFactory.getLogger(TableMaintainer.class);
  /** Properties added to every table that lacks them; the values are the landing tables' ones. */
  private static final List<String> BOUNDING_PROPERTIES = List.of(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED,
      TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, TableProperties.COMMIT_NUM_RETRIES,
      TableProperties.COMMIT_MIN_RETRY_WAIT_MS, TableProperties.COMMIT_MAX_RETRY_WAIT_MS);
  private static final String RUN_PROPERTY = "stedi.maintenance-run";

  private final SparkActions actions;
  private final MaintenanceSettings settings;
  private final boolean dryRun;
  private final String runId;
  private final Consumer<String> progress;

  TableMaintainer(SparkActions actions, MaintenanceSettings settings, boolean dryRun, String runId,
      Consumer<String> progress) {
    this.actions = actions;
    this.settings = settings;
    this.dryRun = dryRun;
    this.runId = runId;
    this.progress = progress;
  }

  TableResult maintain(String name, Table table) {
    Instant start = Instant.now();
    table.refresh();
    long[] before = fileStats(table);
    int snapshots = 0;
    for (Snapshot ignored : table.snapshots()) {
      snapshots++;
    }
    progress.accept(name + ": " + before[0] + " data files, " + snapshots + " snapshots");
    long[] n = new long[5]; // rewritten, added, expired, orphans, manifests
    List<String> errors = new ArrayList<>();
    boolean partial = false;
    step(name, "table properties", errors, () -> ensureProperties(name, table));
    if (table.currentSnapshot() != null) {
      partial = Boolean.TRUE.equals(step(name, "compaction", errors, () -> compact(name, table, n)));
      step(name, "manifest rewrite", errors, () -> rewriteManifests(name, table, n));
    }
    step(name, "snapshot expiry", errors, () -> expire(name, table, n));
    step(name, "orphan files", errors, () -> deleteOrphans(name, table, n));
    table.refresh();
    long[] after = fileStats(table);
    progress.accept(String.format("%s: done in %.1f s", name,
        java.time.Duration.between(start, Instant.now()).toMillis() / 1e3));
    String status = !errors.isEmpty() ? MaintenanceReport.FAILED
        : dryRun ? MaintenanceReport.DRY_RUN : partial ? MaintenanceReport.PARTIAL : MaintenanceReport.OK;
    return new TableResult(name, start, Instant.now(), before[0], after[0], before[1], after[1], n[0], n[1], n[2], n[3],
        n[4], status, errors.isEmpty() ? null : String.join("; ", errors));
  }

  /** Runs one step; a failure is logged and collected (as "step: first line of the message"), not thrown. */
  private <T> T step(String table, String step, List<String> errors, java.util.function.Supplier<T> work) {
    long t0 = System.nanoTime();
    try {
      T r = work.get();
      LOG.debug("{}: {} took {} ms", table, step, (System.nanoTime() - t0) / 1_000_000);
      return r;
    } catch (RuntimeException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(e.toString());
      LOG.warn("maintenance of {}: {} failed: {}", table, step, msg, e);
      progress.accept(table + ": " + step + " failed: " + msg);
      errors.add(step + ": " + msg);
      return null;
    }
  }

  /**
   * Adds the properties that keep metadata bounded (delete old metadata.json after commit, keep at most 100) and
   * the commit retries of the landing tables to a table that lacks them, such as the tables curation creates with
   * Spark SQL. Values a user set are never changed.
   */
  private Void ensureProperties(String name, Table table) {
    Map<String, String> wanted = LandingTables.properties(1);
    Map<String, String> missing = new LinkedHashMap<>();
    for (String k : BOUNDING_PROPERTIES) {
      if (!table.properties().containsKey(k)) {
        missing.put(k, wanted.get(k));
      }
    }
    if (!missing.isEmpty()) {
      progress.accept(name + ": " + (dryRun ? "would set " : "setting ") + missing);
      if (!dryRun) {
        UpdateProperties u = table.updateProperties();
        missing.forEach(u::set);
        u.commit();
      }
    }
    return null;
  }

  /** Bin-packs small data files up to the target size; returns true when some groups failed to commit. */
  private Boolean compact(String name, Table table, long[] n) {
    Map<String, String> planning = Map.of(
        SizeBasedFileRewritePlanner.TARGET_FILE_SIZE_BYTES, Long.toString(settings.targetFileSize()),
        SizeBasedFileRewritePlanner.MIN_INPUT_FILES, Integer.toString(MaintenanceSettings.MIN_INPUT_FILES));
    long t0 = System.nanoTime();
    if (dryRun) {
      BinPackRewriteFilePlanner planner = new BinPackRewriteFilePlanner(table);
      planner.init(planning);
      try (CloseableIterable<RewriteFileGroup> groups = planner.plan().groups()) {
        for (RewriteFileGroup g : groups) {
          n[0] += g.inputFileNum();
          n[1] += g.expectedOutputFiles();
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("planning the compaction of " + name, e);
      }
      if (n[0] > 0) {
        progress.accept(name + ": compaction would rewrite " + n[0] + " data files into about " + n[1]);
      }
      return false;
    }
    RewriteDataFiles rewrite = actions.rewriteDataFiles(table);
    // A table written in time order is compacted in time order: bin-packing would merge files of distant stretches
    // of time into files that each cover all of it, and incremental curation, which reads only the files (and row
    // groups) of the new readings' time range, would read the whole table from then on.
    String time = CurationJob.writing(name.substring(name.lastIndexOf('.') + 1))
        .map(CurationJob::timeColumn).orElse(null);
    rewrite = time == null ? rewrite.binPack() : rewrite.sort(SortOrder.builderFor(table.schema()).asc(time).build());
    RewriteDataFiles.Result r = rewrite.options(planning)
        // Each file group commits on its own: a group that loses a conflict with a concurrent writer is the only
        // work lost, and it is picked up again by the next run.
        .option(RewriteDataFiles.PARTIAL_PROGRESS_ENABLED, "true")
        .option(RewriteDataFiles.PARTIAL_PROGRESS_MAX_COMMITS, "10")
        .snapshotProperty(RUN_PROPERTY, runId)
        .execute();
    n[0] += r.rewrittenDataFilesCount();
    n[1] += r.addedDataFilesCount();
    boolean partial = !r.rewriteFailures().isEmpty();
    if (r.rewrittenDataFilesCount() == 0 && !partial) {
      return false;
    }
    progress.accept(String.format("%s: compaction rewrote %d data files into %d in %.1f s%s", name,
        r.rewrittenDataFilesCount(), r.addedDataFilesCount(), (System.nanoTime() - t0) / 1e9,
        partial ? " (" + r.failedDataFilesCount() + " files in failed groups, left for the next run)" : ""));
    return partial;
  }

  private Void rewriteManifests(String name, Table table, long[] n) {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    int manifests = current == null ? 0 : current.dataManifests(table.io()).size();
    if (manifests <= settings.manifestRewriteThreshold()) {
      return null;
    }
    if (dryRun) {
      n[4] = manifests;
      progress.accept(name + ": would rewrite " + manifests + " manifests");
      return null;
    }
    progress.accept(name + ": rewriting " + manifests + " manifests");
    var r = actions.rewriteManifests(table).snapshotProperty(RUN_PROPERTY, runId).execute();
    int rewritten = 0;
    for (var ignored : r.rewrittenManifests()) {
      rewritten++;
    }
    n[4] = rewritten;
    return null;
  }

  private Void expire(String name, Table table, long[] n) {
    table.refresh();
    long cutoff = System.currentTimeMillis() - settings.snapshotRetention().toMillis();
    if (dryRun) {
      n[2] = ExpiryPlan.expired(table, cutoff, settings.retainLast()).size();
      if (n[2] > 0) {
        progress.accept(name + ": would expire " + n[2] + " snapshots");
      }
      return null;
    }
    Set<Long> before = snapshotIds(table);
    if (ExpiryPlan.expired(table, cutoff, settings.retainLast()).isEmpty()) {
      return null; // nothing to expire: no commit, no file listing
    }
    var r = actions.expireSnapshots(table).expireOlderThan(cutoff).retainLast(settings.retainLast()).execute();
    table.refresh();
    before.removeAll(snapshotIds(table));
    n[2] = before.size();
    progress.accept(name + ": expired " + n[2] + " snapshots, deleted " + r.deletedDataFilesCount() + " data files and "
        + r.deletedManifestsCount() + " manifests they alone referenced");
    return null;
  }

  private Void deleteOrphans(String name, Table table, long[] n) {
    long olderThan = System.currentTimeMillis() - settings.orphanMinAge().toMillis();
    if (!anyFileOlderThan(table, olderThan)) {
      return null; // the action could delete nothing; skip its scan of every snapshot's manifests
    }
    var action = actions.deleteOrphanFiles(table).olderThan(olderThan);
    if (dryRun) {
      action.deleteWith(path -> { });
    }
    long count = 0;
    for (String path : action.execute().orphanFileLocations()) {
      LOG.debug("{}: orphan file {}{}", name, path, dryRun ? " (dry run, kept)" : " deleted");
      count++;
    }
    n[3] = count;
    if (count > 0) {
      progress.accept(name + ": " + (dryRun ? "would delete " : "deleted ") + count + " orphan files");
    }
    return null;
  }

  /**
   * Whether some file under the table's location is older than {@code millis}; true when the file system cannot
   * say. A listing is cheap next to the orphan action, which reads every manifest of every snapshot.
   */
  private static boolean anyFileOlderThan(Table table, long millis) {
    if (!(table.io() instanceof SupportsPrefixOperations)) {
      return true;
    }
    try {
      for (FileInfo f : ((SupportsPrefixOperations) table.io()).listPrefix(table.location())) {
        if (f.createdAtMillis() < millis) {
          return true;
        }
      }
      return false;
    } catch (RuntimeException e) {
      LOG.debug("{}: cannot list {}, running the orphan action anyway: {}", table.name(), table.location(), e.toString());
      return true;
    }
  }

  private static Set<Long> snapshotIds(Table table) {
    Set<Long> ids = new HashSet<>();
    table.snapshots().forEach(s -> ids.add(s.snapshotId()));
    return ids;
  }

  /** {data files, bytes} of the current snapshot: from its summary, or by listing its files when it has none. */
  static long[] fileStats(Table table) {
    Snapshot s = table.currentSnapshot();
    if (s == null) {
      return new long[] {0, 0};
    }
    String files = s.summary().get(SnapshotSummary.TOTAL_DATA_FILES_PROP);
    String bytes = s.summary().get(SnapshotSummary.TOTAL_FILE_SIZE_PROP);
    if (files != null && bytes != null) {
      return new long[] {Long.parseLong(files), Long.parseLong(bytes)};
    }
    long[] r = new long[2];
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask t : tasks) {
        r[0]++;
        r[1] += t.file().fileSizeInBytes();
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("listing the data files of " + table.name(), e);
    }
    return r;
  }
}
