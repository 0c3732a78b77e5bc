package io.stedi.lakehouse.sim.cli;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.sim.model.Json;
import io.stedi.lakehouse.sim.run.Ledger;
import io.stedi.lakehouse.sim.run.LedgerEntry;
import io.stedi.lakehouse.sim.verify.LedgerVerifier;
import io.stedi.lakehouse.sim.verify.VerifyResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.iceberg.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stedi sim verify}: did every acknowledged reading land exactly once? */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Check a sim run ledger against the landing tables (read through the writer's catalog: "
        + "--home DIR, --config FILE or -c catalog.*=...).",
        "Prints missing (acknowledged but not in the table), duplicated (more rows than acknowledged plus in-doubt "
            + "deliveries) and unexpected readings (rows of the ledger's devices and users between their first and last ledger time that "
            + "the ledger does not know).",
        "Exit status: 0 when nothing was lost or duplicated, 1 otherwise."})
final class VerifyCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;
  @Mixin
  SimOptions options;

  @Parameters(paramLabel = "LEDGER", description = "The ledger written by sim run --ledger.")
  Path ledgerFile;

  @Option(names = "--wait", paramLabel = "D", defaultValue = "0s",
      description = "Keep checking until nothing is missing or D has passed: the gateway commits every "
          + "commit.interval (default ${DEFAULT-VALUE}).")
  String wait;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON here.")
  Path json;

  @Override
  public Integer call() throws InterruptedException {
    List<LedgerEntry> ledger = Ledger.read(ledgerFile);
    LakehouseConfig lake = options.lakehouse();
    long deadline = System.nanoTime() + RunCommand.parseDuration(wait).toNanos();
    Catalog catalog = Catalogs.open(lake);
    VerifyResult r;
    try {
      LedgerVerifier v = new LedgerVerifier(catalog);
      while (true) {
        r = v.verify(ledger);
        if (r.missing() == 0 || System.nanoTime() >= deadline) {
          break;
        }
        Thread.sleep(1000);
      }
    } finally {
      CliSupport.closeQuietly(catalog);
    }
    spec.commandLine().getOut().println(r.describe());
    spec.commandLine().getOut().flush();
    if (json != null) {
      try {
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), r.toMap());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write --json " + json + ": " + e.getMessage(), e);
      }
    }
    return r.ok() ? 0 : 1;
  }
}
