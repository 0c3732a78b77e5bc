package io.stedi.lakehouse.curation.cli;

import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.curation.maintain.MaintenanceJob;
import io.stedi.lakehouse.curation.maintain.MaintenanceReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintenance inside {@code curate --every}: due every {@code maintain.every} after the last run recorded in
 * stedi.maintenance_runs (by any process, so a restarted scheduler neither repeats nor postpones it).
 */
final class MaintenanceSchedule {
  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceSchedule.class);

  private final SparkSession spark;
  private final CurationConfig config;
  private final PrintWriter out;
  private final Optional<Duration> every;
  private Instant due;

  MaintenanceSchedule(SparkSession spark, CurationConfig config, PrintWriter out) {
    this.spark = spark;
    this.config = config;
    this.out = out;
    this.every = config.maintainEvery();
  }

  /** When maintenance is due next, or empty when maintain.every is off. */
  Optional<Instant> next() {
    if (every.isEmpty()) {
      return Optional.empty();
    }
    if (due == null) {
      try {
        due = MaintenanceJob.lastRun(spark).map(t -> t.plus(every.get())).orElse(Instant.now());
      } catch (RuntimeException e) {
        LOG.warn("cannot read the last maintenance run, maintaining now: {}", e.toString());
        due = Instant.now();
      }
    }
    return Optional.of(due);
  }

  /** Runs maintenance when it is due; a failure is logged and the schedule goes on. */
  void runIfDue() {
    Optional<Instant> next = next();
    if (next.isEmpty() || Instant.now().isBefore(next.get())) {
      return;
    }
    try {
      MaintenanceReport r = new MaintenanceJob(spark, config, line -> LOG.info("{}", line)).run(List.of(), false);
      r.print(out);
      if (r.failed()) {
        LOG.error("maintenance run {} failed on some tables; see stedi.maintenance_runs", r.runId());
      }
    } catch (RuntimeException e) {
      LOG.error("maintenance run failed: {}", e.toString(), e);
    }
    due = Instant.now().plus(every.get());
    LOG.info("next maintenance run at {}", due);
  }
}
