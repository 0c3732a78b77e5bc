package io.stedi.lakehouse.cli;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.report.Html;
import io.stedi.lakehouse.report.ReportData;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import org.apache.iceberg.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stedi report}: one self-contained HTML page with the state of the lakehouse, written from the catalog. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Write an HTML report that opens offline (inline SVG charts, no script, no network): rows per table "
        + "by zone (landing -> trusted -> curated), rows dropped per privacy rule, data-quality checks, readings landed "
        + "over time, recent curation and maintenance runs, erasure receipts (counts only), quarantine by reason and "
        + "freshness. It reads only the catalog and the run records (no Spark) and holds no personal data.",
        "Prints the file's path."},
    footer = {"", "Examples:", "  bin/stedi report", "  bin/stedi report --out /tmp/stedi.html && xdg-open /tmp/stedi.html"})
final class ReportCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConfigOptions options;

  @Option(names = "--out", paramLabel = "FILE", description = "Where to write it (default <stedi.home>/report/stedi-report.html).")
  Path out;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "10", description = "How many recent runs to list (default 10).")
  int runs;

  @Override
  public Integer call() throws IOException {
    LakehouseConfig config = options.lakehouse();
    Path file = out != null ? out : config.home().resolve("report").resolve("stedi-report.html");
    ReportData data;
    Catalog catalog = Catalogs.open(config);
    try {
      data = ReportData.read(catalog, Math.max(1, runs));
    } finally {
      CliSupport.closeQuietly(catalog);
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // written next to its place and moved, so a browser reloading it never sees half a page
    Path tmp = Files.createTempFile(dir, ".stedi-report", ".tmp");
    Files.writeString(tmp, Html.render(data), StandardCharsets.UTF_8);
    if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      // it holds no personal data and is meant to be shared (a temp file starts as owner-only)
      Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    PrintWriter o = spec.commandLine().getOut();
    o.println(file.toAbsolutePath());
    o.flush();
    return 0;
  }
}
