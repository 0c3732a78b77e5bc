package io.stedi.lakehouse.cli;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.load.BulkLoader;
import io.stedi.lakehouse.load.LoadProgress;
import io.stedi.lakehouse.load.LoadSummary;
import io.stedi.lakehouse.table.Zone;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.iceberg.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stedi load ZONE PATH...}: bulk-load landing JSON-lines files. */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = {"Load landing JSON-lines files into a zone's landing table.",
        "Valid lines become rows; invalid lines go to stedi.quarantine with file:line and the reason.",
        "One commit per invocation; files whose content was already loaded add nothing."},
    footer = {"", "Examples:", "  bin/stedi load customer data/customer/landing",
        "  bin/stedi load accelerometer 'data/accelerometer/*.json'",
        "  bin/stedi load step_trainer s3://bucket/step_trainer/landing/"})
final class LoadCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConfigOptions options;

  @Parameters(index = "0", paramLabel = "ZONE", description = "customer, accelerometer or step_trainer")
  String zone;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH",
      description = "Files, folders, globs or s3:// prefixes of JSON-lines files.")
  List<String> paths;

  @Option(names = "--progress", negatable = true, description = "Show progress on stderr (default: when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() {
    Zone z = Zone.fromCli(zone);
    LakehouseConfig config = options.lakehouse();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean show = progress != null ? progress : System.console() != null;
    LoadProgress p = show ? new TerminalProgress(err) : LoadProgress.NONE;
    Catalog catalog = Catalogs.open(config);
    try {
      LoadSummary s = new BulkLoader(catalog, config).load(z, paths, p);
      if (show) {
        err.print("\r\033[K");
        err.flush();
      }
      print(out, s);
      return 0;
    } finally {
      CliSupport.closeQuietly(catalog);
    }
  }

  static void print(PrintWriter out, LoadSummary s) {
    double secs = s.elapsed().toMillis() / 1000.0;
    out.printf("loaded %,d rows into stedi.%s_landing from %d file(s), %,d bytes in %.1f s (%,.0f rows/s)%n",
        s.rowsLoaded(), s.zone(), s.files().size(), s.bytes(), secs, secs > 0 ? s.rowsLoaded() / secs : 0.0);
    out.printf("rejected %,d rows (see stedi.quarantine)%n", s.rowsRejected());
    for (Map.Entry<String, Long> e : s.rejectedByReason().entrySet()) {
      out.printf("  %-20s %,d%n", e.getKey(), e.getValue());
    }
    if (s.blankLines() > 0) {
      out.printf("skipped %,d blank lines%n", s.blankLines());
    }
    for (String f : s.skippedFiles()) {
      out.printf("already loaded, added nothing: %s%n", f);
    }
    out.flush();
  }

  /** One updating line on a terminal. */
  private static final class TerminalProgress implements LoadProgress {
    private final PrintWriter err;

    TerminalProgress(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void update(String file, long done, long total, long rows, long rejected) {
      double pct = total == 0 ? 100 : 100.0 * done / total;
      err.printf("\r\033[K%5.1f%%  %,d rows, %,d rejected  %s", pct, rows, rejected, file);
      err.flush();
    }
  }
}
