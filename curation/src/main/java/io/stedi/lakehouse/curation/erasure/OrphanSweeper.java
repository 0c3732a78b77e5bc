package io.stedi.lakehouse.curation.erasure;

import io.stedi.lakehouse.erasure.FileScanner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.ManifestContent;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the files under a table's location that hold a needle although the current metadata does not
 * reach them: data files a delete replaced, files an interrupted erasure or a failed commit left behind, and
 * old metadata.json versions. Files that hold no needle are left to maintenance. A live writer's data files
 * are unreachable until their commit (seconds, or as long as a catalog outage lasts), so an unknown file younger
 * than the minimum age (maintenance's, at least an hour) is never deleted here: it is counted in
 * {@link #youngLeft()}, the receipt stays pending, and a later forget run deletes it if it is still unreachable.
 */
final class OrphanSweeper {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanSweeper.class);

  private final Table table;
  private final FileScanner scanner;
  private final Duration minAge;

  OrphanSweeper(Table table, FileScanner scanner, Duration minAge) {
    this.table = table;
    this.scanner = scanner;
    this.minAge = minAge;
  }

  /**
   * @param known files this erasure removed from the table (deleted at any age)
   * @param alreadyDeleted files deleted by snapshot expiry just before (skipped)
   * @return the files deleted
   */
  Set<String> sweep(Set<String> known, Set<String> alreadyDeleted) {
    if (!(table.io() instanceof SupportsPrefixOperations)) {
      LOG.warn("erasure: the file system of {} cannot list files; unreferenced files are not checked", table.name());
      return Set.of();
    }
    Set<String> knownNorm = normalize(known);
    Set<String> done = normalize(alreadyDeleted);
    Set<String> deleted = new HashSet<>();
    List<String> young = new ArrayList<>();
    Set<String> reachable = reachable();
    long youngestAllowed = System.currentTimeMillis() - minAge.toMillis();
    for (FileInfo f : ((SupportsPrefixOperations) table.io()).listPrefix(table.location())) {
      String p = norm(f.location());
      if (done.contains(p) || (reachable.contains(p) && !isOldMetadata(p))) {
        continue;
      }
      if (!scanner.contains(f.location(), table.schema())) {
        continue;
      }
      if (knownNorm.contains(p) || isOldMetadata(p) || f.createdAtMillis() < youngestAllowed) {
        delete(f.location(), deleted);
      } else {
        young.add(f.location());
      }
    }
    youngLeft = young.size();
    if (!young.isEmpty()) {
      LOG.warn("erasure: {} unreferenced files of {} younger than {} hold the identity; a live writer may still commit "
          + "them, so they are not deleted now: run forget again after that age", young.size(), table.name(), minAge);
    }
    return deleted;
  }

  /** Unreferenced files holding the identity that the last sweep left because they are younger than the minimum age. */
  int youngLeft() {
    return youngLeft;
  }

  private int youngLeft;

  private void delete(String location, Set<String> deleted) {
    table.io().deleteFile(location);
    deleted.add(location);
  }

  /** A metadata.json other than the current one: the current metadata is the only version that must stay. */
  private boolean isOldMetadata(String p) {
    return p.endsWith(".metadata.json") && !p.equals(norm(current().metadataFileLocation()));
  }

  private TableMetadata current() {
    return ((HasTableOperations) table).operations().current();
  }

  /** Every file the current metadata reaches: metadata files, manifest lists, manifests and live data files. */
  private Set<String> reachable() {
    TableMetadata md = current();
    Set<String> r = new HashSet<>();
    r.add(norm(md.metadataFileLocation()));
    md.previousFiles().forEach(e -> r.add(norm(e.file())));
    Map<Integer, PartitionSpec> specs = table.specs();
    try {
      for (Snapshot s : table.snapshots()) {
        if (s.manifestListLocation() != null) {
          r.add(norm(s.manifestListLocation()));
        }
        for (ManifestFile m : s.allManifests(table.io())) {
          r.add(norm(m.path()));
          if (m.content() == ManifestContent.DATA) {
            try (ManifestReader<DataFile> files = ManifestFiles.read(m, table.io(), specs)) {
              files.forEach(f -> r.add(norm(f.location())));
            }
          } else {
            try (ManifestReader<DeleteFile> files = ManifestFiles.readDeleteManifest(m, table.io(), specs)) {
              files.forEach(f -> r.add(norm(f.location())));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the manifests of " + table.name() + ": " + e.getMessage(), e);
    }
    table.statisticsFiles().forEach(f -> r.add(norm(f.path())));
    table.partitionStatisticsFiles().forEach(f -> r.add(norm(f.path())));
    return r;
  }

  private static Set<String> normalize(Set<String> paths) {
    Set<String> s = new HashSet<>();
    paths.forEach(p -> s.add(norm(p)));
    return s;
  }

  /** One spelling per local file ({@code file:/x}, {@code file:///x} and {@code /x} are the same file). */
  static String norm(String p) {
    if (p.startsWith("file:")) {
      return URI.create(p).getPath();
    }
    return p;
  }
}
