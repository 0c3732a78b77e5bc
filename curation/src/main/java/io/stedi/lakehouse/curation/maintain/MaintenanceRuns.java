package io.stedi.lakehouse.curation.maintain;

import io.stedi.lakehouse.curation.maintain.MaintenanceReport.TableResult;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.TableProperties;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** {@code stedi.maintenance_runs}: one row per table per maintenance run. */
final class MaintenanceRuns {
  static final String TABLE = "stedi.maintenance_runs";
  static final String NAME = "maintenance_runs";
  private static final StructType SCHEMA = new StructType()
      .add("run_id", DataTypes.StringType, false)
      .add("started_at", DataTypes.TimestampType)
      .add("finished_at", DataTypes.TimestampType)
      .add("table_name", DataTypes.StringType)
      .add("data_files_before", DataTypes.LongType)
      .add("data_files_after", DataTypes.LongType)
      .add("bytes_before", DataTypes.LongType)
      .add("bytes_after", DataTypes.LongType)
      .add("files_rewritten", DataTypes.LongType)
      .add("files_added", DataTypes.LongType)
      .add("snapshots_expired", DataTypes.LongType)
      .add("orphan_files_deleted", DataTypes.LongType)
      .add("manifests_rewritten", DataTypes.LongType)
      .add("status", DataTypes.StringType)
      .add("error", DataTypes.StringType);

  private MaintenanceRuns() {}

  /** Creates the table if it is missing (idempotent; a concurrent creator is fine). */
  static void ensure(SparkSession spark) {
    spark.sql("CREATE NAMESPACE IF NOT EXISTS stedi");
    spark.sql("CREATE TABLE IF NOT EXISTS " + TABLE + " (" + SCHEMA.toDDL() + ") USING iceberg TBLPROPERTIES ("
        + "'format-version' = '2', 'write.parquet.compression-codec' = 'zstd', "
        + "'" + TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED + "' = 'true', "
        + "'" + TableProperties.METADATA_PREVIOUS_VERSIONS_MAX + "' = '100', "
        + "'" + TableProperties.COMMIT_NUM_RETRIES + "' = '20', "
        + "'" + TableProperties.COMMIT_MIN_RETRY_WAIT_MS + "' = '20', "
        + "'" + TableProperties.COMMIT_MAX_RETRY_WAIT_MS + "' = '2000')");
  }

  /** Appends the run's rows in one commit. */
  static void record(SparkSession spark, MaintenanceReport report) {
    List<Row> rows = new ArrayList<>();
    for (TableResult t : report.tables()) {
      rows.add(RowFactory.create(report.runId(), Timestamp.from(t.startedAt()), Timestamp.from(t.finishedAt()),
          t.table(), t.dataFilesBefore(), t.dataFilesAfter(), t.bytesBefore(), t.bytesAfter(), t.filesRewritten(),
          t.filesAdded(), t.snapshotsExpired(), t.orphanFilesDeleted(), t.manifestsRewritten(), t.status(), t.error()));
    }
    if (rows.isEmpty()) {
      return;
    }
    try {
      spark.createDataFrame(rows, SCHEMA).writeTo(TABLE).append();
    } catch (NoSuchTableException e) {
      throw new IllegalStateException(TABLE + " disappeared during the maintenance run", e);
    }
  }

  /** When the last recorded run finished, if there is one. */
  static Optional<Instant> lastFinished(SparkSession spark) {
    if (!spark.catalog().tableExists(TABLE)) {
      return Optional.empty();
    }
    Row r = spark.sql("SELECT max(finished_at) FROM " + TABLE).first();
    return r.isNullAt(0) ? Optional.empty() : Optional.of(r.getTimestamp(0).toInstant());
  }
}
