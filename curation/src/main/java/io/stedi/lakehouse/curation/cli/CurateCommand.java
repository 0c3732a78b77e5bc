package io.stedi.lakehouse.curation.cli;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.cli.ConfigOptions;
import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.curation.jobs.CurationRunner;
import io.stedi.lakehouse.curation.jobs.NoChangeCheck;
import io.stedi.lakehouse.curation.jobs.RunReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.catalog.Catalog;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code stedi curate}: build the trusted and curated tables once, or on a schedule. */
@Command(name = "curate", mixinStandardHelpOptions = true,
    description = {"Build stedi.customer_trusted, accelerometer_trusted, customers_curated, step_trainer_trusted and",
        "machine_learning_curated from the landing tables, record the run in stedi.curation_runs and print a summary.",
        "When no landing table changed since the last run, nothing is recomputed.",
        "With --every the command keeps running; runs never overlap; SIGTERM lets a running job finish its commit.",
        "With --every it also runs table maintenance (see 'maintain') every maintain.every "
            + "(default 1h; 0 or off: never)."},
    footer = {"", "Examples:", "  bin/stedi curate", "  bin/stedi curate --consent window --ml-join owner",
        "  bin/stedi curate --ml-tolerance 50ms",
        "  bin/stedi curate --every 5m", "  bin/stedi curate --every '*/15 * * * *'"})
final class CurateCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(CurateCommand.class);

  /**
   * bin/stedi starts a one-off curate in a JVM with the quick (C1) JIT compiler only and sets this property to
   * {@value #QUICK_JIT}: on a run of a few seconds the optimising compiler's work costs more than its code saves.
   * When the run will read more than curation.quick-jit-max-rows rows (see NoChangeCheck.Preflight), curate exits with
   * {@value #RERUN_WITH_FULL_JIT} before it has changed anything or started Spark, and the launcher runs it again
   * with both compilers.
   */
  static final String JIT_PROPERTY = "stedi.jit";
  static final String QUICK_JIT = "quick";
  static final int RERUN_WITH_FULL_JIT = 75;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @ParentCommand
  CurationCli parent;

  @Mixin
  ConfigOptions options;

  @Option(names = "--ml-join", paramLabel = "owner|timestamp", description = "curation.ml-join (default owner).")
  String mlJoin;

  @Option(names = "--ml-tolerance", paramLabel = "DURATION",
      description = "curation.ml-tolerance (default 0: same millisecond). Pair each Step Trainer reading with the "
          + "customer's nearest phone reading within DURATION (e.g. 50ms); ties go to the earlier reading.")
  String mlTolerance;

  @Option(names = "--consent", paramLabel = "flag|window", description = "curation.consent (default flag).")
  String consent;

  @Option(names = "--every", paramLabel = "INTERVAL|CRON",
      description = "Keep running: an interval (30s, 5m, 1h) or a 5-field cron expression (UTC).")
  String every;

  @Option(names = "--strict-quality", description = "Exit 3 when an error-level data-quality check fails.")
  boolean strictQuality;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master (curation.master, default local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    put(o, CurationConfig.ML_JOIN, mlJoin);
    put(o, CurationConfig.ML_TOLERANCE, mlTolerance);
    put(o, CurationConfig.CONSENT, consent);
    put(o, CurationConfig.MASTER, master);
    if (strictQuality) {
      o.put(CurationConfig.STRICT_QUALITY.name(), "true");
    }
    CurationConfig config = CurationConfig.from(options.sources(CurationConfig.allKeys()).withOverrides(o));
    Schedule schedule = every == null ? null : Schedule.parse(every);
    PrintWriter out = spec.commandLine().getOut();
    if (schedule == null) {
      // nothing new: answered from the catalog in well under the seconds a SparkSession takes to start
      Catalog catalog = Catalogs.open(config.lakehouse());
      try {
        NoChangeCheck.Preflight preflight = NoChangeCheck.preflight(catalog, config);
        if (preflight.noChange() != null) {
          RunSummary.print(out, preflight.noChange());
          return 0;
        }
        if (QUICK_JIT.equals(System.getProperty(JIT_PROPERTY))
            && preflight.workRows() > config.get(CurationConfig.QUICK_JIT_MAX_ROWS)) {
          LOG.info("{} rows to curate: asking the launcher to run curate again with the optimising JIT compiler",
              preflight.workRows());
          return RERUN_WITH_FULL_JIT;
        }
      } finally {
        CliSupport.closeQuietly(catalog);
      }
    }
    SparkSession spark = parent.openSession(config.lakehouse(), config.get(CurationConfig.MASTER));
    try {
      CurationRunner runner = new CurationRunner(spark, config);
      if (schedule == null) {
        RunReport r = runner.run();
        RunSummary.print(out, r);
        return exitCode(r, config);
      }
      CountDownLatch stop = new CountDownLatch(1);
      for (String sig : new String[] {"TERM", "INT"}) {
        sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
      }
      MaintenanceSchedule maintenance = new MaintenanceSchedule(spark, config, out);
      Instant nextCuration = Instant.now();
      while (stop.getCount() > 0) {
        if (!Instant.now().isBefore(nextCuration)) {
          RunSummary.print(out, runner.run()); // a failed run is recorded and logged; the schedule goes on
          nextCuration = Instant.now().plus(schedule.untilNext(ZonedDateTime.now(java.time.ZoneOffset.UTC)));
          LOG.info("next curation run at {}", nextCuration);
        }
        if (stop.getCount() > 0) {
          maintenance.runIfDue(); // same thread: maintenance and curation never overlap
        }
        Instant wake = nextCuration;
        Instant maintainAt = maintenance.next().orElse(wake);
        wake = maintainAt.isBefore(wake) ? maintainAt : wake;
        stop.await(Math.max(0, Duration.between(Instant.now(), wake).toMillis()), TimeUnit.MILLISECONDS);
      }
      LOG.info("curation schedule stopped");
      return 0;
    } finally {
      parent.releaseSession(spark);
    }
  }

  private static void put(Map<String, String> o, ConfigKey<?> key, String value) {
    if (value != null) {
      o.put(key.name(), value);
    }
  }

  private static int exitCode(RunReport r, CurationConfig config) {
    if ("failed".equals(r.status())) {
      return 1;
    }
    return config.get(CurationConfig.STRICT_QUALITY) && r.qualityErrors() ? 3 : 0;
  }

  /** An interval or a cron expression. */
  record Schedule(Duration interval, ExecutionTime cron) {
    static Schedule parse(String text) {
      String t = text.trim();
      if (t.split("\\s+").length >= 5) {
        try {
          return new Schedule(null, ExecutionTime.forCron(
              new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX)).parse(t)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--every: '" + t + "' is not a valid cron expression: " + e.getMessage(), e);
        }
      }
      Duration d = ConfigKey.duration("--every", "1m", "").parse(t);
      if (d.toSeconds() < 1) {
        throw new IllegalArgumentException("--every must be at least 1s");
      }
      return new Schedule(d, null);
    }

    Duration untilNext(ZonedDateTime now) {
      if (interval != null) {
        return interval;
      }
      return cron.timeToNextExecution(now).orElse(Duration.ofMinutes(1));
    }
  }
}
