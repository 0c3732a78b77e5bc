package io.stedi.lakehouse.curation.jobs;

import com.amazon.deequ.VerificationResult;
import com.amazon.deequ.VerificationSuite;
import com.amazon.deequ.checks.Check;
import com.amazon.deequ.checks.CheckLevel;
import com.amazon.deequ.checks.CheckResult;
import com.amazon.deequ.constraints.Constraint;
import com.amazon.deequ.constraints.ConstraintResult;
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

  List<RunReport.QualityResult> run() {
    List<RunReport.QualityResult> out = new ArrayList<>();
    verify("customer_trusted", out,
        check(CheckLevel.Error(), "customer_trusted keys")
            .isComplete("email", Option.empty(), Option.empty())
            .isComplete("serialNumber", Option.empty(), Option.empty())
            .isComplete("shareWithResearchAsOfDate", Option.empty(), Option.empty())
            .isUnique("email", Option.empty(), Option.empty()),
        check(CheckLevel.Warning(), "customer_trusted fulfilment defect")
            .isUnique("serialNumber", Option.apply("a serial number given to several customers"), Option.empty()));
    verify("accelerometer_trusted", out,
        check(CheckLevel.Error(), "accelerometer_trusted values")
            .isComplete("user", Option.empty(), Option.empty())
            .isComplete("timestamp", Option.empty(), Option.empty())
            .isContainedIn("x", -1000.0, 1000.0, true, true, Option.empty(), Option.empty())
            .isContainedIn("y", -1000.0, 1000.0, true, true, Option.empty(), Option.empty())
            .isContainedIn("z", -1000.0, 1000.0, true, true, Option.empty(), Option.empty()));
    verify("step_trainer_trusted", out,
        check(CheckLevel.Error(), "step_trainer_trusted values")
            .isComplete("serialNumber", Option.empty(), Option.empty())
            .isComplete("sensorReadingTime", Option.empty(), Option.empty())
            .isContainedIn("distanceFromObject", 0.0, 100000.0, true, true, Option.empty(), Option.empty()));
    verify("machine_learning_curated", out,
        check(CheckLevel.Error(), "machine_learning_curated keys")
            .isComplete("customerKey", Option.empty(), Option.empty())
            .isComplete("sensorReadingTime", Option.empty(), Option.empty()));
    return out;
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
