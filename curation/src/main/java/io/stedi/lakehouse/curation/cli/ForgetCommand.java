package io.stedi.lakehouse.curation.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stedi.lakehouse.cli.ConfigOptions;
import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.curation.config.CurationConfig;
import io.stedi.lakehouse.curation.erasure.ErasureJob;
import io.stedi.lakehouse.curation.erasure.ErasureReceipt;
import io.stedi.lakehouse.erasure.IdentityKind;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.spark.SparkCatalog;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code stedi forget EMAIL} / {@code stedi forget --serial SERIAL}: the right to be forgotten. */
@Command(name = "forget", mixinStandardHelpOptions = true,
    description = {"Erase one customer from every table: customer records (by email), phone readings (by user), "
        + "Step Trainer readings (by the customer's serial numbers), trusted and curated rows (by email, customer key "
        + "or serial) and quarantine rows naming the email or serial.",
        "The files that held them are rewritten, every older snapshot of the affected tables is expired (their time "
            + "travel history goes) and orphaned files are deleted, so that no file under the warehouse holds the "
            + "email or serial. The receipt is printed and kept in stedi.erasure_receipts with salted hashes only. "
            + "Gateways refuse the identity until it registers again.",
        "An interrupted forget can be run again and finishes. When no table holds the identity it says 'nothing "
            + "found' and exits 0."},
    footer = {"", "Examples:", "  bin/stedi forget Frank.Doshi@test.com", "  bin/stedi forget --serial st-1 --json",
        "  bin/stedi sql \"SELECT * FROM stedi.erasure_receipts\""})
final class ForgetCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandLine.Model.CommandSpec spec;

  @ParentCommand
  CurationCli parent;

  @Mixin
  ConfigOptions options;

  @Parameters(index = "0", arity = "0..1", paramLabel = "EMAIL", description = "The customer's email address.")
  String email;

  @Option(names = "--serial", paramLabel = "SERIAL", description = "Forget by Step Trainer serial number instead "
      + "(its readings and the customers who own it).")
  String serial;

  @Option(names = "--json", description = "Print the receipt as one JSON object.")
  boolean json;

  @Option(names = "--gateway-wait", paramLabel = "DURATION", defaultValue = "60s",
      description = "Longest wait for every running gateway (a writer with a live lease) to confirm it refuses the "
          + "identity and has scrubbed its write-ahead log, credentials and idempotency records (it does within "
          + "gateway.erasure.refresh); without every confirmation the receipt stays pending (default ${DEFAULT-VALUE}).")
  String gatewayWait;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master (curation.master, default local[*]).")
  String master;

  @Override
  public Integer call() {
    if ((email == null) == (serial == null)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give either EMAIL or --serial SERIAL");
    }
    IdentityKind kind = email != null ? IdentityKind.EMAIL : IdentityKind.SERIAL;
    Duration wait = ConfigKey.duration("--gateway-wait", "60s", "").parse(gatewayWait);
    CurationConfig config = CurationConfig.from(options.sources(CurationConfig.allKeys()));
    PrintWriter out = spec.commandLine().getOut();
    SparkSession spark = parent.openSession(config.lakehouse(), master == null ? config.get(CurationConfig.MASTER) : master);
    try {
      Catalog catalog = ((SparkCatalog) spark.sessionState().catalogManager()
          .catalog(config.lakehouse().get(LakehouseConfig.CATALOG_NAME))).icebergCatalog();
      ErasureJob.Options defaults = ErasureJob.Options.defaults();
      ErasureJob.Result r = new ErasureJob(spark, catalog, config,
          new ErasureJob.Options(wait, defaults.orphanMinAge(), defaults.maxPasses()))
          .run(kind, kind == IdentityKind.EMAIL ? email : serial);
      print(out, kind, r);
      return 0;
    } finally {
      out.flush();
      parent.releaseSession(spark);
    }
  }

  private void print(PrintWriter out, IdentityKind kind, ErasureJob.Result r) {
    ErasureReceipt e = r.nothingFound() ? r.earlier() : r.receipt();
    if (json) {
      ObjectNode o = JSON.createObjectNode();
      o.put("found", !r.nothingFound());
      if (e != null) {
        o.set(r.nothingFound() ? "earlier_receipt" : "receipt", receiptJson(e));
      }
      out.println(o);
      return;
    }
    if (r.nothingFound()) {
      out.println("nothing found: no table holds that " + kind.label() + "; no receipt written");
      if (e != null) {
        out.println("(already forgotten: receipt " + e.receiptId() + ", completed " + e.completedAt() + ")");
      }
      return;
    }
    out.println("erasure receipt " + e.receiptId());
    out.printf("  status            %s%n", e.status());
    out.printf("  requested at      %s%n", e.requestedAt());
    out.printf("  completed at      %s%n", e.completedAt());
    out.printf("  identity          %s, salted HMAC-SHA256 %s (the %s itself is not stored)%n", e.kind().label(),
        e.identityHash(), e.kind().label());
    out.printf("  covers            %d email(s), %d serial number(s)%n", e.emailHashes().size(), e.serialHashes().size());
    out.println("  rows removed");
    for (Map.Entry<String, Long> t : e.rowsRemoved().entrySet()) {
      out.printf("    %-32s %d%n", "stedi." + t.getKey(), t.getValue());
    }
    out.printf("  files rewritten   %d%n", e.filesRewritten());
    out.printf("  files deleted     %d%n", e.filesDeleted());
    out.printf("  snapshots expired %d (time travel before the erasure is gone on the affected tables)%n",
        e.snapshotsExpired());
  }

  private static ObjectNode receiptJson(ErasureReceipt e) {
    ObjectNode o = JSON.createObjectNode();
    o.put("receipt_id", e.receiptId());
    o.put("status", e.status());
    o.put("requested_at", e.requestedAt().toString());
    o.put("completed_at", e.completedAt() == null ? null : e.completedAt().toString());
    o.put("identity_kind", e.kind().label());
    o.put("identity_hash", e.identityHash());
    o.put("email_hashes", e.emailHashes().size());
    o.put("serial_hashes", e.serialHashes().size());
    ObjectNode rows = o.putObject("rows_removed");
    e.rowsRemoved().forEach(rows::put);
    o.put("files_rewritten", e.filesRewritten());
    o.put("files_deleted", e.filesDeleted());
    o.put("snapshots_expired", e.snapshotsExpired());
    return o;
  }
}
