package io.stedi.lakehouse.table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;

/**
 * Appends a few records to an unpartitioned table as one Parquet file and one commit: the bookkeeping tables
 * (erasure receipts, curation runs) written without a SparkSession.
 */
public final class RecordAppender {
  private RecordAppender() {}

  /**
   * @param summary snapshot summary properties of the commit (for example the receipt it records)
   */
  public static void append(Table table, List<Record> records, Map<String, String> summary) {
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table).dataFileFormat(FileFormat.PARQUET)
        .dataSchema(table.schema()).build();
    OutputFileFactory files = OutputFileFactory.builderFor(table, 1, System.nanoTime()).format(FileFormat.PARQUET)
        .operationId(UUID.randomUUID().toString()).build();
    DataWriter<Record> w = factory.newDataWriter(files.newOutputFile(), table.spec(), null);
    try (w) {
      for (Record r : records) {
        w.write(r);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing to " + table.name() + ": " + e.getMessage(), e);
    }
    DataFile file = w.toDataFile();
    AppendFiles append = table.newAppend().appendFile(file);
    summary.forEach(append::set);
    append.commit();
  }
}
