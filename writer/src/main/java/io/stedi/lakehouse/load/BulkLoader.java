package io.stedi.lakehouse.load;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.catalog.Retry;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads landing JSON-lines files into a zone's landing table: valid lines become rows, invalid lines go to
 * {@code stedi.quarantine} with file:line and the reason. One append per table per invocation, so a crash
 * leaves nothing half-loaded.
 *
 * <p>Exactly once: every row's idempotency key is {@code load:<content hash>:<line>}. A file whose content
 * hash already appears in a table is skipped for that table, so re-running a load (or a load that crashed
 * between the quarantine and the landing commit) adds nothing twice.
 */
public final class BulkLoader {
  private static final Logger LOG = LoggerFactory.getLogger(BulkLoader.class);
  private static final int HASH_HEX_CHARS = 24;
  /** Snapshot summary key listing the content hashes a load committed. */
  public static final String SUMMARY_FILES = "stedi.load.content-hashes";

  private final Catalog catalog;
  private final LakehouseConfig config;

  public BulkLoader(Catalog catalog, LakehouseConfig config) {
    this.catalog = catalog;
    this.config = config;
  }

  /** Loads {@code paths} (files, folders, globs or s3:// prefixes) into {@code zone}'s landing table. */
  public LoadSummary load(Zone zone, List<String> paths, LoadProgress progress) {
    long start = System.nanoTime();
    int retries = config.get(LakehouseConfig.COMMIT_RETRIES);
    long target = config.get(LakehouseConfig.TARGET_FILE_BYTES);
    Table landing = LandingTables.ensure(catalog, LandingTables.id(zone), LandingTables.schema(zone), target, retries);
    Table quarantine = LandingTables.ensure(catalog, LandingTables.quarantineId(), LandingTables.QUARANTINE_SCHEMA,
        target, retries);
    try (FileIO s3 = needsS3(paths) ? s3FileIo() : null) {
      List<InputFiles.Input> inputs = InputFiles.expand(paths, s3);
      long totalBytes = inputs.stream().mapToLong(InputFiles.Input::length).sum();
      String runId = UUID.randomUUID().toString();
      long arrivalMillis = System.currentTimeMillis();
      List<String> files = new ArrayList<>();
      List<String> skipped = new ArrayList<>();
      Set<String> hashesLanding = new LinkedHashSet<>();
      Set<String> hashesQuarantine = new LinkedHashSet<>();
      Map<String, LoadPipeline.FileCounts> counts = new LinkedHashMap<>();
      long bytesDone = 0;
      // an old export must not bring back a customer erased with bin/stedi forget: rows of a forgotten identity are
      // dropped (counted as forbidden, content not kept), whenever they were recorded
      try (io.stedi.lakehouse.erasure.ForgottenIdentities forgotten = io.stedi.lakehouse.erasure.ForgottenIdentities
              .start(catalog, io.stedi.lakehouse.erasure.ErasureKey.resolve(config, catalog), java.time.Duration.ofMinutes(1),
                  io.stedi.lakehouse.erasure.ForgottenIdentities.Registrations.NONE);
          LoadPipeline pipeline = new LoadPipeline(zone, landing, quarantine, target, runId,
          config.get(LakehouseConfig.QUARANTINE_PAYLOAD_BYTES), arrivalMillis, config.loadThreads(), forgotten.walFilter())) {
        for (InputFiles.Input in : inputs) {
          files.add(in.location());
          String hash = contentHash(in, s3);
          boolean intoLanding = !hashesLanding.contains(hash) && !alreadyLoaded(landing, hash);
          boolean intoQuarantine = !hashesQuarantine.contains(hash) && !alreadyLoaded(quarantine, hash);
          if (!intoLanding) {
            skipped.add(in.location());
            LOG.info("{} was already loaded into {} (content {}), adding nothing", in.location(), landing.name(), hash);
          } else {
            hashesLanding.add(hash);
            if (intoQuarantine) {
              hashesQuarantine.add(hash);
            }
            LoadPipeline.FileCounts c = new LoadPipeline.FileCounts();
            counts.put(in.location(), c);
            readChunks(in, s3, "load:" + hash + ":", intoQuarantine, c, pipeline, progress, bytesDone, totalBytes, counts);
          }
          bytesDone += in.length();
        }
        List<List<DataFile>> written = pipeline.finish();
        List<DataFile> rowFiles = written.get(0);
        List<DataFile> rejectFiles = written.get(1);
        // Quarantine first: if we crash between the two commits, a re-run finds the quarantine rows by their
        // content hash and only adds the landing rows.
        if (!rejectFiles.isEmpty()) {
          commit(quarantine, rejectFiles, hashesQuarantine, runId, zone, retries);
        }
        long snapshot = -1;
        // Commit even without rows (every line was bad): the content hashes in the summary then mark the files
        // as loaded, so loading them again is reported as "already loaded".
        if (!rowFiles.isEmpty() || !hashesLanding.isEmpty()) {
          snapshot = commit(landing, rowFiles, hashesLanding, runId, zone, retries);
        }
        long rows = counts.values().stream().mapToLong(c -> c.rows.get()).sum();
        long blank = counts.values().stream().mapToLong(c -> c.blank.get()).sum();
        Map<String, Long> rejected = new TreeMap<>();
        counts.values().forEach(c -> c.rejected.forEach((k, v) -> rejected.merge(k, v.get(), Long::sum)));
        progress.update("", totalBytes, totalBytes, rows, rejected.values().stream().mapToLong(Long::longValue).sum());
        return new LoadSummary(zone.cliName(), files, skipped, rows, rejected, blank, totalBytes,
            Duration.ofNanos(System.nanoTime() - start), snapshot);
      }
    }
  }

  private void readChunks(InputFiles.Input in, FileIO s3, String keyPrefix, boolean quarantine,
      LoadPipeline.FileCounts counts, LoadPipeline pipeline, LoadProgress progress, long bytesBefore, long totalBytes,
      Map<String, LoadPipeline.FileCounts> all) {
    long lineNo = 0;
    long bytes = 0;
    long nextReport = System.nanoTime() + 1_000_000_000L;
    try (InputStream raw = open(in, s3)) {
      byte[] buf = new byte[LoadPipeline.CHUNK_BYTES];
      int filled = 0;
      while (true) {
        int n = raw.readNBytes(buf, filled, buf.length - filled);
        filled += n;
        boolean eof = filled < buf.length;
        int cut = eof ? filled : lastNewline(buf, filled) + 1;
        if (cut == 0) {
          // one line longer than the buffer: grow it (a pathological line still ends in quarantine, not a crash)
          buf = java.util.Arrays.copyOf(buf, buf.length * 2);
          continue;
        }
        if (cut > 0) {
          byte[] data = java.util.Arrays.copyOf(buf, cut);
          long lines = countLines(data, cut);
          pipeline.submit(new LoadPipeline.Chunk(counts, in.location(), keyPrefix, quarantine, lineNo + 1, data, cut));
          lineNo += lines;
          bytes += cut;
        }
        if (eof) {
          break;
        }
        System.arraycopy(buf, cut, buf, 0, filled - cut);
        filled -= cut;
        if (System.nanoTime() > nextReport) {
          nextReport = System.nanoTime() + 1_000_000_000L;
          progress.update(in.location(), bytesBefore + bytes, totalBytes,
              all.values().stream().mapToLong(c -> c.rows.get()).sum(),
              all.values().stream().mapToLong(LoadPipeline.FileCounts::rejectedTotal).sum());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + in.location() + " after line " + lineNo + ": " + e.getMessage(), e);
    }
  }

  private static int lastNewline(byte[] b, int len) {
    for (int i = len - 1; i >= 0; i--) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Lines in a chunk: its newlines, plus one for a last line without a newline. */
  private static long countLines(byte[] b, int len) {
    long n = 0;
    for (int i = 0; i < len; i++) {
      if (b[i] == '\n') {
        n++;
      }
    }
    return len > 0 && b[len - 1] != '\n' ? n + 1 : n;
  }

  private long commit(Table table, List<DataFile> files, Set<String> hashes, String runId, Zone zone, int retries) {
    // A fast append retries conflicts internally (commit.retry.num-retries); Retry covers a busy catalog.
    // A CommitStateUnknownException is not retried here: the next run's content-hash check settles it.
    return Retry.onTransient("commit load " + runId + " to " + table.name(), retries, () -> {
      table.refresh();
      AppendFiles append = table.newFastAppend();
      files.forEach(append::appendFile);
      append.set("stedi.source", "load");
      append.set("stedi.load.run-id", runId);
      append.set("stedi.load.zone", zone.cliName());
      append.set(SUMMARY_FILES, String.join(",", hashes));
      append.commit();
      long id = table.currentSnapshot().snapshotId();
      LOG.info("load {} committed {} data files to {} as snapshot {}", runId, files.size(), table.name(), id);
      return id;
    });
  }

  /** Whether a table already holds rows from this content (landing rows or quarantine rows). */
  static boolean alreadyLoaded(Table table, String hash) {
    table.refresh();
    if (table.currentSnapshot() == null) {
      return false;
    }
    // Fast path: the load commits' summaries. The row scan below still finds content whose snapshots expired.
    for (org.apache.iceberg.Snapshot s : table.snapshots()) {
      String hashes = s.summary().get(SUMMARY_FILES);
      if (hashes != null && java.util.Arrays.asList(hashes.split(",")).contains(hash)) {
        return true;
      }
    }
    String prefix = "load:" + hash + ":";
    try (CloseableIterable<Record> it = IcebergGenerics.read(table)
        .where(Expressions.startsWith(LandingTables.KEY, prefix)).select(LandingTables.KEY).build()) {
      for (Record r : it) {
        Object k = r.getField(LandingTables.KEY);
        if (k != null && k.toString().startsWith(prefix)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("checking " + table.name() + " for content " + hash, e);
    }
  }

  private static InputStream open(InputFiles.Input in, FileIO s3) throws IOException {
    if (in.location().startsWith("s3")) {
      return s3.newInputFile(in.location()).newStream();
    }
    return Files.newInputStream(Path.of(in.location()));
  }

  /** SHA-256 of the file content, shortened; identical content gives the same key prefix. */
  static String contentHash(InputFiles.Input in, FileIO s3) {
    try (InputStream raw = open(in, s3); DigestInputStream d = new DigestInputStream(raw, sha256())) {
      byte[] buf = new byte[1 << 20];
      while (d.read(buf) >= 0) {
        // reading feeds the digest
      }
      return HexFormat.of().formatHex(d.getMessageDigest().digest()).substring(0, HASH_HEX_CHARS);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + in.location() + ": " + e.getMessage(), e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private static boolean needsS3(List<String> paths) {
    return paths.stream().anyMatch(p -> p.startsWith("s3://") || p.startsWith("s3a://"));
  }

  private FileIO s3FileIo() {
    Map<String, String> props = new LinkedHashMap<>(Catalogs.catalogProperties(config.with(
        Map.of(LakehouseConfig.WAREHOUSE.name(), config.isS3Warehouse() ? config.warehouse() : "s3://stedi-load/"))));
    return CatalogUtil.loadFileIO(Catalogs.S3_FILE_IO, props, null);
  }
}
