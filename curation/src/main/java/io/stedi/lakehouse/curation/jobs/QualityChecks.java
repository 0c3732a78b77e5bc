package io.stedi.lakehouse.curation.jobs;

import com.amazon.deequ.VerificationResult;
import com.amazon.deequ.VerificationSuite;
import com.amazon.deequ.checks.Check;
import com.amazon.deequ.checks.CheckLevel;
import com.amazon.deequ.checks.CheckResult;
import com.amazon.deequ.constraints.Constraint;
import com.amazon.deequ.constraints.ConstraintResult;
import io.stedi.lakehouse.table.Zone;
import io.stedi.lakehouse.table.ZoneField;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import scala.Function1;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Data-quality checks (Deequ) on the curated tables: key completeness, email uniqueness, value ranges, and the
 * known fulfilment defect (one serial number given to several customers, reported as a warning).
 */
final class QualityChecks {
  private static final Function1<Object, Object> ALL = v -> ((Double) v) == 1.0;

  private final SparkSession spark;
  private final java.util.Map<String, String> relations;

  /** Checks the tables themselves. */
  QualityChecks(SparkSession spark) {
    this(spark, java.util.Map.of());
  }

  /**
   * Checks other relations in place of some tables: an incremental run checks only the rows it added (the
   * row-level checks of the rows already there passed in earlier runs).
   */
  QualityChecks(SparkSession spark, java.util.Map<String, String> relations) {
    this.spark = spark;
    this.relations = relations;
  }

  /** Every table's checks, in job order. */
  List<RunReport.QualityResult> run() {
    List<RunReport.QualityResult> out = new ArrayList<>();
    for (CurationJob j : CurationJob.values()) {
      out.addAll(run(j));
    }
    return out;
  }

  /** The checks of one job's table (none for a table without checks), so that they can run once it is built. */
  List<RunReport.QualityResult> run(CurationJob job) {
    List<RunReport.QualityResult> out = new ArrayList<>();
    if (job == CurationJob.CUSTOMER_TRUSTED) {
      verify(job.table(), out,
          check(CheckLevel.Error(), "customer_trusted keys")
              .isComplete("email", Option.empty(), Option.empty())
              .isComplete("serialNumber", Option.empty(), Option.empty())
              .isComplete("shareWithResearchAsOfDate", Option.empty(), Option.empty())
              .isUnique("email", Option.empty(), Option.empty()),
          check(CheckLevel.Warning(), "customer_trusted fulfilment defect")
              .isUnique("serialNumber", Option.apply("a serial number given to several customers"), Option.empty()));
    } else if (job == CurationJob.MACHINE_LEARNING_CURATED) {
      verify(job.table(), out,
          check(CheckLevel.Error(), "machine_learning_curated keys")
              .isComplete("customerKey", Option.empty(), Option.empty())
              .isComplete("deviceKey", Option.empty(), Option.empty())
              .isComplete("sensorReadingTime", Option.empty(), Option.empty()));
    } else if (job.source() != null && !job.source().registration()) {
      // a trusted reading table holds its zone's rows: the zone's descriptor says what every row must satisfy
      verify(job.table(), out, zoneValues(job.table(), job.source()));
    }
    return out;
  }

  /** Completeness of the zone's required fields and the ranges of its numeric ones, as an error-level check. */
  private static Check zoneValues(String table, Zone zone) {
    Check c = check(CheckLevel.Error(), table + " values");
    for (ZoneField f : zone.fields()) {
      if (f.required() && !f.ranged()) {
        c = c.isComplete(f.name(), Option.empty(), Option.empty());
      }
      if (f.ranged()) {
        c = c.isContainedIn(f.name(), f.min(), f.max(), true, true, Option.empty(), Option.empty());
      }
    }
    return c;
  }

  private static Check check(scala.Enumeration.Value level, String description) {
    return new Check(level, description, JavaConverters.asScalaBuffer(new ArrayList<Constraint>()).toSeq());
  }

  private void verify(String table, List<RunReport.QualityResult> out, Check... checks) {
    var builder = new VerificationSuite().onData(spark.table(relations.getOrDefault(table, "stedi." + table)));
    for (Check c : checks) {
      builder = builder.addCheck(c);
    }
    VerificationResult result = builder.run();
    for (Check c : checks) {
      CheckResult cr = result.checkResults().get(c).get();
      for (ConstraintResult r : JavaConverters.seqAsJavaList(cr.constraintResults())) {
        out.add(new RunReport.QualityResult(table, r.constraint().toString(), c.level().toString(), r.status().toString(),
            r.message().isDefined() ? r.message().get() : ""));
      }
    }
  }
}
