package io.stedi.lakehouse.erasure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;

/**
 * Does a file of a table hold any of some identity strings? Looks at the raw bytes (Parquet footers and page
 * statistics, Avro headers, metadata JSON) case-insensitively, and, because data pages and manifest blocks are
 * compressed, also at every decoded value: Parquet rows through Iceberg's reader, Avro manifests and manifest
 * lists (including the column bounds, which are binary) through Avro's. Used by {@code forget} on every file a
 * table's location holds, and by the tests that search a whole installation after it.
 */
public final class FileScanner {
  private static final int CHUNK = 1 << 16;

  /**
   * Decodes a Parquet data file into rows. Given by the caller, because the Parquet classes Iceberg links against
   * differ by classpath: Spark's Iceberg runtime shades them, the writer's Iceberg does not.
   */
  @FunctionalInterface
  public interface ParquetRows {
    CloseableIterable<?> read(org.apache.iceberg.io.InputFile file, Schema schema);
  }

  private final FileIO io;
  private final ParquetRows parquet;
  private final List<String> needles;
  private final byte[][] needleBytes;

  /**
   * @param parquet how to decode Parquet data files on this classpath
   * @param needles lower-case strings to look for
   */
  public FileScanner(FileIO io, ParquetRows parquet, Collection<String> needles) {
    this.io = io;
    this.parquet = parquet;
    this.needles = needles.stream().map(n -> n.toLowerCase(Locale.ROOT)).filter(n -> !n.isEmpty()).distinct().toList();
    this.needleBytes = this.needles.stream().map(n -> n.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
  }

  /** Whether the file holds a needle; {@code schema} reads Parquet data files (the table's schema). */
  public boolean contains(String path, Schema schema) {
    if (needles.isEmpty()) {
      return false;
    }
    try {
      if (rawContains(path)) {
        return true;
      }
      String name = path.toLowerCase(Locale.ROOT);
      if (name.endsWith(".parquet")) {
        return parquetContains(path, schema);
      }
      if (name.endsWith(".avro")) {
        return avroContains(path);
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("scanning " + path + ": " + e.getMessage(), e);
    }
  }

  private boolean rawContains(String path) throws IOException {
    try (InputStream raw = io.newInputFile(path).newStream();
        InputStream in = path.endsWith(".gz") || path.contains(".gz.") ? new GZIPInputStream(raw) : raw) {
      return streamContains(in);
    }
  }

  /** Case-insensitive (ASCII) search of a stream for any needle, across chunk borders. */
  public boolean streamContains(InputStream in) throws IOException {
    int longest = 0;
    for (byte[] n : needleBytes) {
      longest = Math.max(longest, n.length);
    }
    byte[] buf = new byte[CHUNK + longest];
    int kept = 0;
    int n;
    while ((n = in.readNBytes(buf, kept, CHUNK)) > 0) {
      int len = kept + n;
      for (int i = kept; i < len; i++) {
        byte b = buf[i];
        if (b >= 'A' && b <= 'Z') {
          buf[i] = (byte) (b + 32);
        }
      }
      if (indexOfAny(buf, len)) {
        return true;
      }
      kept = Math.min(longest - 1, len);
      System.arraycopy(buf, len - kept, buf, 0, kept);
    }
    return false;
  }

  private boolean indexOfAny(byte[] hay, int len) {
    for (byte[] n : needleBytes) {
      outer:
      for (int i = 0; i + n.length <= len; i++) {
        for (int j = 0; j < n.length; j++) {
          if (hay[i + j] != n[j]) {
            continue outer;
          }
        }
        return true;
      }
    }
    return false;
  }

  private boolean parquetContains(String path, Schema schema) throws IOException {
    try (CloseableIterable<?> rows = parquet.read(io.newInputFile(path), schema)) {
      for (Object r : rows) {
        if (valueContains(r)) {
          return true;
        }
      }
    }
    return false;
  }

  private boolean avroContains(String path) throws IOException {
    try (InputStream in = io.newInputFile(path).newStream();
        DataFileStream<Object> records = new DataFileStream<>(in, new GenericDatumReader<>())) {
      for (Object r : records) {
        if (valueContains(r)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Walks a decoded value (Iceberg or Avro record, list, map, string, bytes). */
  private boolean valueContains(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof CharSequence) {
      String s = v.toString().toLowerCase(Locale.ROOT);
      return needles.stream().anyMatch(s::contains);
    }
    if (v instanceof ByteBuffer) {
      ByteBuffer b = ((ByteBuffer) v).duplicate();
      byte[] a = new byte[b.remaining()];
      b.get(a);
      return bytesContain(a);
    }
    if (v instanceof byte[]) {
      return bytesContain((byte[]) v);
    }
    if (v instanceof GenericFixed) {
      return bytesContain(((GenericFixed) v).bytes());
    }
    if (v instanceof Record) {
      Record r = (Record) v;
      for (int i = 0; i < r.size(); i++) {
        if (valueContains(r.get(i))) {
          return true;
        }
      }
      return false;
    }
    if (v instanceof IndexedRecord) {
      IndexedRecord r = (IndexedRecord) v;
      for (int i = 0; i < ((GenericContainer) r).getSchema().getFields().size(); i++) {
        if (valueContains(r.get(i))) {
          return true;
        }
      }
      return false;
    }
    if (v instanceof Collection) {
      return ((Collection<?>) v).stream().anyMatch(this::valueContains);
    }
    if (v instanceof Map) {
      return ((Map<?, ?>) v).entrySet().stream().anyMatch(e -> valueContains(e.getKey()) || valueContains(e.getValue()));
    }
    return false;
  }

  private boolean bytesContain(byte[] a) {
    try {
      return streamContains(new java.io.ByteArrayInputStream(a));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
