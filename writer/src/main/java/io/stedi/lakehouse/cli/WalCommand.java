package io.stedi.lakehouse.cli;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.commit.CommitCoordinator;
import io.stedi.lakehouse.commit.SideEntrySink;
import io.stedi.lakehouse.erasure.ForgottenIdentities;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.iceberg.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code stedi wal drain|verify|salvage}: tools for a stopped writer's write-ahead log. */
@Command(name = "wal", mixinStandardHelpOptions = true,
    description = "Write-ahead log tools.", subcommands = {WalCommand.Drain.class, WalCommand.Verify.class, WalCommand.Salvage.class})
final class WalCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  @Command(name = "drain", mixinStandardHelpOptions = true,
      description = {"Commit everything in a writer instance's write-ahead log to the tables, then exit.",
          "Use it after a crash when the gateway will not be restarted soon (the gateway also replays on start).",
          "The instance must not be running: its log is locked while it runs."})
  static final class Drain implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
      LakehouseConfig config = options.lakehouse();
      PrintWriter out = spec.commandLine().getOut();
      Catalog catalog = Catalogs.open(config);
      // Readings of a customer forgotten while they waited in this log must not land now (bin/stedi forget).
      // A drain cannot see the gateway's record of re-registrations, so it drops every identity with a receipt.
      try (ForgottenIdentities forgotten = ForgottenIdentities.start(catalog,
          io.stedi.lakehouse.erasure.ErasureKey.resolve(config, catalog), Duration.ofHours(1),
          ForgottenIdentities.Registrations.NONE);
          CommitCoordinator c = CommitCoordinator.start(catalog, config, SideEntrySink.NONE, forgotten.walFilter())) {
        c.flush();
        out.printf("drained write-ahead log %s of writer %s: %d commit(s), rows by table %s%n", config.walDir(),
            c.instanceId(), c.stats().commits(), c.stats().rowsByTable());
      } finally {
        CliSupport.closeQuietly(catalog);
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Check every segment of a writer instance's write-ahead log without changing it.",
          "Exit 0 when it is sound; 3 when a segment is damaged (the message names the segment and offset)."})
  static final class Verify implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
      LakehouseConfig config = options.lakehouse();
      PrintWriter out = spec.commandLine().getOut();
      try {
        java.util.List<String> segs = io.stedi.lakehouse.wal.WriteAheadLog.verify(config.walDir());
        segs.forEach(out::println);
        out.printf("write-ahead log %s is sound: %d segment(s)%n", config.walDir(), segs.size());
        out.flush();
        return 0;
      } catch (io.stedi.lakehouse.error.StediException e) {
        spec.commandLine().getErr().println(e.getMessage());
        spec.commandLine().getErr().flush();
        return 3;
      }
    }
  }

  @Command(name = "salvage", mixinStandardHelpOptions = true,
      description = {"Rebuild a damaged write-ahead log from every valid record on both sides of the damage.",
          "Records keep their log sequence numbers, so the gateway's replay still commits each exactly once.",
          "The original folder is moved aside (<wal.dir>.damaged-<millis>), never deleted.",
          "The instance must not be running."})
  static final class Salvage implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
      LakehouseConfig config = options.lakehouse();
      PrintWriter out = spec.commandLine().getOut();
      io.stedi.lakehouse.wal.WriteAheadLog.salvage(config.walDir(), config.get(LakehouseConfig.WAL_SEGMENT_BYTES))
          .forEach(out::println);
      out.flush();
      return 0;
    }
  }
}
