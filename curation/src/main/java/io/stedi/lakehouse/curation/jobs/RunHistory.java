package io.stedi.lakehouse.curation.jobs;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/** {@code stedi.curation_runs}: one row per run, and the question "did anything change since the last run?". */
final class RunHistory {
  static final String TABLE = "stedi.curation_runs";
  private static final StructType QUALITY = new StructType()
      .add("table_name", DataTypes.StringType).add("check", DataTypes.StringType).add("level", DataTypes.StringType)
      .add("status", DataTypes.StringType).add("message", DataTypes.StringType);
  private static final StructType SCHEMA = new StructType()
      .add("run_id", DataTypes.StringType, false)
      .add("started_at", DataTypes.TimestampType)
      .add("ended_at", DataTypes.TimestampType)
      .add("options", DataTypes.StringType)
      .add("status", DataTypes.StringType)
      .add("source_snapshots", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType))
      .add("rows_written", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType))
      .add("rows_dropped", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType))
      .add("quality", DataTypes.createArrayType(QUALITY))
      .add("error", DataTypes.StringType);

  private final SparkSession spark;

  RunHistory(SparkSession spark) {
    this.spark = spark;
    spark.sql("CREATE TABLE IF NOT EXISTS " + TABLE + " (" + SCHEMA.toDDL() + ") USING iceberg"
        + " TBLPROPERTIES ('format-version' = '2')");
  }

  /**
   * The landing snapshots the last complete run read, if it had these options and its outputs still exist;
   * null otherwise (then the next run must be a full one).
   */
  Map<String, Long> lastComplete(String options) {
    List<Row> last = spark.sql("SELECT source_snapshots, options FROM " + TABLE
        + " WHERE status IN ('ok', 'no_change', 'incremental') ORDER BY started_at DESC LIMIT 1").collectAsList();
    if (last.isEmpty() || !options.equals(last.get(0).getString(1))) {
      return null;
    }
    for (CurationJob job : CurationJob.values()) {
      if (!spark.catalog().tableExists("stedi." + job.table())) {
        return null;
      }
    }
    return new java.util.LinkedHashMap<>(JavaConverters.mapAsJavaMap(last.get(0).<String, Long>getMap(0)));
  }

  void record(RunReport r) {
    List<Row> quality = new ArrayList<>();
    for (RunReport.QualityResult q : r.quality()) {
      quality.add(RowFactory.create(q.table(), q.check(), q.level(), q.status(), q.message()));
    }
    Row row = RowFactory.create(r.runId(), Timestamp.from(r.startedAt()), Timestamp.from(r.endedAt()), r.options(),
        r.status(), scalaMap(r.sourceSnapshots()), scalaMap(r.rowsWritten()), scalaMap(r.rowsDropped()),
        JavaConverters.asScalaBuffer(quality).toSeq(), r.error());
    try {
      spark.createDataFrame(List.of(row), SCHEMA).writeTo(TABLE).append();
    } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
      throw new IllegalStateException(TABLE + " disappeared during the run", e);
    }
  }

  private static scala.collection.Map<String, Long> scalaMap(Map<String, Long> m) {
    return JavaConverters.mapAsScalaMap(new java.util.LinkedHashMap<>(m));
  }
}
