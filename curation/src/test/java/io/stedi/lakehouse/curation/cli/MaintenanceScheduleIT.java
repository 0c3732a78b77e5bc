package io.stedi.lakehouse.curation.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.curation.SparkTestBase;
import io.stedi.lakehouse.curation.config.CurationConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The maintenance hook of {@code curate --every}: off means never; otherwise it is due when no run was ever
 * recorded and then maintain.every after the last recorded run, also for a scheduler started afterwards.
 */
class MaintenanceScheduleIT extends SparkTestBase {
  private static MaintenanceSchedule schedule(String every, StringWriter out) {
    return new MaintenanceSchedule(spark, CurationConfig.embedded(home(), Map.of("maintain.every", every)),
        new PrintWriter(out, true));
  }

  private static long recordedRuns() {
    return spark.catalog().tableExists("stedi.maintenance_runs")
        ? sql("SELECT count(DISTINCT run_id) FROM stedi.maintenance_runs").get(0).getLong(0) : 0;
  }

  @Test
  void offNeverRunsAndEveryRunsWhenDueCountingFromTheLastRecordedRun() {
    StringWriter out = new StringWriter();
    MaintenanceSchedule off = schedule("off", out);
    assertThat(off.next()).isEmpty();
    off.runIfDue();
    assertThat(recordedRuns()).isZero();

    MaintenanceSchedule hourly = schedule("1h", out);
    assertThat(hourly.next()).hasValueSatisfying(at -> assertThat(at).isBeforeOrEqualTo(Instant.now()));
    hourly.runIfDue();
    assertThat(recordedRuns()).isEqualTo(1);
    assertThat(out.toString()).contains("maintenance run");
    assertThat(hourly.next()).hasValueSatisfying(at -> assertThat(at).isAfter(Instant.now().plus(Duration.ofMinutes(59))));
    hourly.runIfDue();
    assertThat(recordedRuns()).as("not due again within the hour").isEqualTo(1);

    MaintenanceSchedule restarted = schedule("1h", out);
    assertThat(restarted.next()).hasValueSatisfying(at -> assertThat(at).isAfter(Instant.now().plus(Duration.ofMinutes(59))));
    restarted.runIfDue();
    assertThat(recordedRuns()).as("a restarted scheduler counts from the recorded run").isEqualTo(1);
  }
}
