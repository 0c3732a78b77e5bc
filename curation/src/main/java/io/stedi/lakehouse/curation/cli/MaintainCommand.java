package io.stedi.lakehouse.curation.cli;

import io.stedi.lakehouse.cli.ConfigOptions;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.curation.maintain.MaintenanceJob;
import io.stedi.lakehouse.curation.maintain.MaintenanceReport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code stedi maintain}: compact, expire and clean up every stedi table once. */
@Command(name = "maintain", mixinStandardHelpOptions = true,
    description = {"Keep the stedi tables healthy: compact small data files (maintain.target-file-size), rewrite "
        + "fragmented manifests (maintain.manifest-rewrite-threshold), expire snapshots older than "
        + "maintain.snapshot-retention (keeping at least maintain.retain-last), and delete unreferenced files older "
        + "than maintain.orphan-min-age. Old metadata.json files are deleted after each commit.",
        "Safe while the gateway and curation write: conflicting commits are retried and a compaction group that "
            + "loses a conflict is left for the next run.",
        "Each table's outcome goes to stedi.maintenance_runs and a summary to stdout; progress to stderr. "
            + "curate --every also runs it every maintain.every.",
        "Exit status: 0, or 1 when a table failed."},
    footer = {"", "Examples:", "  bin/stedi maintain", "  bin/stedi maintain --table step_trainer_landing --dry-run",
        "  bin/stedi maintain --json -c maintain.snapshot-retention=2h"})
final class MaintainCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @ParentCommand
  CurationCli parent;

  @Mixin
  ConfigOptions options;

  @Option(names = "--table", paramLabel = "TABLE", split = ",",
      description = "Only these tables (repeatable or comma-separated, with or without 'stedi.'). Default: all.")
  List<String> tables = new ArrayList<>();

  @Option(names = "--dry-run", description = "Report what would be done; change nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print the report as one JSON object instead of the table.")
  boolean json;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master (curation.master, default local[*]).")
  String master;

  @Override
  public Integer call() {
    Map<String, String> o = master == null ? Map.of() : Map.of(CurationConfig.MASTER.name(), master);
    CurationConfig config = CurationConfig.from(options.sources(CurationConfig.allKeys()).withOverrides(o));
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SparkSession spark = parent.openSession(config.lakehouse(), config.get(CurationConfig.MASTER));
    try {
      MaintenanceReport report = new MaintenanceJob(spark, config, line -> {
        err.println(line);
        err.flush();
      }).run(tables, dryRun);
      if (json) {
        out.println(report.json());
        out.flush();
      } else {
        report.print(out);
      }
      return report.failed() ? 1 : 0;
    } finally {
      parent.releaseSession(spark);
    }
  }
}
