package io.stedi.lakehouse.curation.jobs;

import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;
import org.apache.spark.unsafe.hash.Murmur3_x86_32;

/**
 * Time ranges for the data files of a curated reading table, found without a pass over the data.
 *
 * <p>The reading tables are written in time order so that each data file covers one stretch of time and an
 * incremental run reads only the files its new readings fall in. A global {@code ORDER BY} gets that with a range
 * shuffle, which first runs the whole query below it once more to sample the sort keys (at 5 M readings a third of
 * the job). Here the landing table's own data-file bounds (Iceberg keeps a lower and upper bound of each column per
 * file) estimate the time quantiles instead, and the SQL sends each row to its range's shuffle partition with
 * {@code DISTRIBUTE BY}, then sorts within the partition ({@code SORT BY}).
 *
 * <p>{@code DISTRIBUTE BY e} is a hash shuffle: a row goes to partition {@code pmod(murmur3(e, 42), n)} (Spark's
 * {@code HashPartitioning}). So the expression does not yield the range's number but, for range {@code p}, an integer
 * that this formula sends to partition {@code p}; {@code TimeRangesIT} checks the formula against Spark's.
 *
 * <p>In a statement, {@code ${time_range(LANDING_TABLE, COLUMN)}} becomes that expression over {@code COLUMN}, with
 * the ranges of the landing table's event-time column (its zone's descriptor names it). Without bounds (an empty table, no column statistics) it
 * becomes {@code COLUMN} itself: a plain hash of the time, correct but not clustered.
 */
final class TimeRanges {
  /** The seed of Spark's {@code HashPartitioning} (and of SQL's {@code hash()}). */
  private static final int SPARK_HASH_SEED = 42;
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{time_range\\((\\w+), *([\\w.]+)\\)}");

  private final Catalog catalog;
  private final int partitions;
  private final int[] keys;
  /** Each landing zone's boundaries, planned once per run: the three tables' statements share them. */
  private final Map<Zone, long[]> bounds = new HashMap<>();

  /**
   * @param catalog the lakehouse catalog
   * @param partitions the session's shuffle partitions (the {@code n} of {@code DISTRIBUTE BY})
   */
  TimeRanges(Catalog catalog, int partitions) {
    this.catalog = catalog;
    this.partitions = partitions;
    this.keys = partitionKeys(partitions);
  }

  /** {@code sql} with every {@code ${time_range(LANDING_TABLE, COLUMN)}} filled in. */
  String fill(String sql) {
    Matcher m = PLACEHOLDER.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(expression(m.group(1), m.group(2))));
    }
    return m.appendTail(out).toString();
  }

  private String expression(String landingTable, String column) {
    Zone zone = Zone.values().stream().filter(z -> z.landingTable().equals(landingTable)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("time_range of " + landingTable + ": not a landing table"));
    long[] b = bounds.computeIfAbsent(zone, z -> boundaries(fileBounds(catalog.loadTable(LandingTables.id(z)),
        z.eventTimeColumn()), partitions));
    return expression(column, b, keys);
  }

  /** The SQL: for a time below {@code bounds[0]} the key of partition 0, below {@code bounds[1]} of 1, and so on. */
  static String expression(String column, long[] bounds, int[] keys) {
    if (bounds.length == 0) {
      return column;
    }
    StringBuilder sql = new StringBuilder("CASE");
    for (int i = 0; i < bounds.length; i++) {
      sql.append(" WHEN ").append(column).append(" < ").append(bounds[i]).append(" THEN ").append(keys[i]);
    }
    return sql.append(" ELSE ").append(keys[bounds.length]).append(" END").toString();
  }

  /**
   * For each partition {@code p < n}, the smallest non-negative int that Spark's hash partitioning into {@code n}
   * partitions sends to {@code p}.
   */
  static int[] partitionKeys(int n) {
    int[] keys = new int[n];
    Arrays.fill(keys, -1);
    int found = 0;
    for (int i = 0; found < n; i++) {
      int p = Math.floorMod(Murmur3_x86_32.hashInt(i, SPARK_HASH_SEED), n);
      if (keys[p] < 0) {
        keys[p] = i;
        found++;
      }
    }
    return keys;
  }

  /** Lower bound, upper bound and rows of each data file of {@code table} with bounds on {@code column}. */
  static List<long[]> fileBounds(Table table, String column) {
    Types.NestedField field = table.schema().findField(column);
    List<long[]> files = new ArrayList<>();
    if (field == null || table.currentSnapshot() == null) {
      return files;
    }
    try (CloseableIterable<FileScanTask> tasks = table.newScan().includeColumnStats().planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile f = task.file();
        if (f.lowerBounds() == null || f.upperBounds() == null || f.lowerBounds().get(field.fieldId()) == null
            || f.upperBounds().get(field.fieldId()) == null) {
          continue;
        }
        Number lo = Conversions.fromByteBuffer(field.type(), f.lowerBounds().get(field.fieldId()));
        Number hi = Conversions.fromByteBuffer(field.type(), f.upperBounds().get(field.fieldId()));
        files.add(new long[] {lo.longValue(), hi.longValue(), f.recordCount()});
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("planning " + table.name(), e);
    }
    return files;
  }

  /**
   * Up to {@code ranges - 1} increasing boundaries that split the rows of {@code files} into {@code ranges} parts of
   * about equal size, taking each file's rows as spread evenly over its bounds. Empty when there is nothing to split.
   */
  static long[] boundaries(List<long[]> files, int ranges) {
    if (files.isEmpty() || ranges < 2) {
      return new long[0];
    }
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    double total = 0;
    for (long[] f : files) {
      min = Math.min(min, f[0]);
      max = Math.max(max, f[1]);
      total += f[2];
    }
    List<Long> bounds = new ArrayList<>();
    for (int k = 1; k < ranges; k++) {
      double target = total * k / ranges;
      // the smallest t with rows below t >= target, by bisection over [min, max]
      long lo = min;
      long hi = max;
      while (lo < hi) {
        long mid = lo + ((hi - lo) >>> 1);
        if (rowsBelow(files, mid + 1) >= target) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      long bound = lo + 1;
      if (bound > min && bound <= max && (bounds.isEmpty() || bound > bounds.get(bounds.size() - 1))) {
        bounds.add(bound);
      }
    }
    return bounds.stream().mapToLong(Long::longValue).toArray();
  }

  /** Estimated rows with a time below {@code t}. */
  private static double rowsBelow(List<long[]> files, long t) {
    double rows = 0;
    for (long[] f : files) {
      if (t > f[1]) {
        rows += f[2];
      } else if (t > f[0]) {
        rows += f[2] * ((double) (t - f[0]) / (f[1] - f[0] + 1));
      }
    }
    return rows;
  }
}
