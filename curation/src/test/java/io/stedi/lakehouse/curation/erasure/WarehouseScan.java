package io.stedi.lakehouse.curation.erasure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The test's own search of every file under a warehouse for some strings, independent of the code under test:
 * raw bytes (Parquet footers with their statistics, Avro headers, metadata JSON), every Parquet value read back
 * with Spark's own Parquet reader, and every Avro record (manifests and manifest lists, with their bounds).
 * Case-insensitive.
 */
final class WarehouseScan {
  private WarehouseScan() {}

  /** "file: how it was found" for every file holding a needle. */
  static List<String> filesHolding(SparkSession spark, Path warehouse, List<String> needles) {
    List<String> lower = needles.stream().map(n -> n.toLowerCase(Locale.ROOT)).distinct().toList();
    List<String> hits = new ArrayList<>();
    Map<Path, List<String>> parquetByDir = new TreeMap<>();
    try (Stream<Path> files = Files.walk(warehouse)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String raw = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        lower.stream().filter(raw::contains).findFirst().ifPresent(n -> hits.add(f + ": raw bytes"));
        String name = f.getFileName().toString();
        if (name.endsWith(".avro")) {
          try (DataFileReader<GenericRecord> r = new DataFileReader<>(f.toFile(), new GenericDatumReader<>())) {
            for (GenericRecord rec : r) {
              String s = rec.toString().toLowerCase(Locale.ROOT);
              if (lower.stream().anyMatch(s::contains)) {
                hits.add(f + ": avro record");
                break;
              }
            }
          }
        } else if (name.endsWith(".parquet")) {
          parquetByDir.computeIfAbsent(f.getParent(), d -> new ArrayList<>()).add(f.toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String cond = lower.stream().map(n -> "instr(j, '" + n.replace("'", "\\'") + "') > 0")
        .collect(Collectors.joining(" OR "));
    for (List<String> group : parquetByDir.values()) {
      for (Row r : spark.read().parquet(group.toArray(String[]::new))
          .selectExpr("lower(to_json(struct(*))) AS j", "input_file_name() AS f").where(cond)
          .select("f").distinct().collectAsList()) {
        hits.add(r.getString(0) + ": parquet value");
      }
    }
    return hits;
  }
}
