package io.stedi.lakehouse.gateway.cli;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.erasure.ErasureKey;
import io.stedi.lakehouse.erasure.IdentityKind;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.iceberg.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stedi devices add|list|revoke}: Step Trainer credentials. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "Manage Step Trainer credentials.",
    subcommands = {DevicesCommand.Add.class, DevicesCommand.Pair.class, DevicesCommand.ListDevices.class,
        DevicesCommand.Revoke.class, DevicesCommand.LogId.class, ProvisionCommand.class})
final class DevicesCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = {"Register a device (or issue a new secret to it) and print its secret once.",
          "The device connects over MQTT with user name = SERIAL and password = the secret."})
  static final class Add implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    GatewayOptions options;
    @Parameters(paramLabel = "SERIAL", description = "The Step Trainer's serial number.")
    String serial;
    @picocli.CommandLine.Option(names = "--owner", paramLabel = "EMAIL",
        description = "Pair the device with this customer: only a customer record with this email may name it.")
    String owner;

    @Override
    public Integer call() {
      if (!serial.matches("[A-Za-z0-9._:-]{1,128}")) {
        throw new IllegalArgumentException("SERIAL must be 1..128 of [A-Za-z0-9._:-] (it is part of the MQTT topic)");
      }
      String secret = options.credentials().addDevice(serial);
      if (owner != null) {
        options.credentials().pairDevices(java.util.List.of(serial), Pair.email(owner));
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(secret);
      out.flush();
      spec.commandLine().getErr().println("device " + serial + " registered; the secret above is shown only once");
      return 0;
    }
  }

  @Command(name = "pair", mixinStandardHelpOptions = true,
      description = {"Pair devices with the customer who received them (the operator's binding, e.g. from the order).",
          "A customer record (POST /v1/customers) naming a paired serial is refused with 409 unless its email is the",
          "owner's; curation and forget read ownership from the accepted records. Unpaired devices can be named by any",
          "customer record, as before pairing existed."})
  static final class Pair implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    GatewayOptions options;
    @Parameters(index = "0", paramLabel = "EMAIL", description = "The customer's email.")
    String email;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "SERIAL", description = "Registered devices.")
    java.util.List<String> serials;

    static String email(String e) {
      if (e.indexOf('@') <= 0 || e.length() > 320) {
        throw new IllegalArgumentException("EMAIL must be an email address");
      }
      return e;
    }

    @Override
    public Integer call() {
      java.util.List<String> unknown = options.credentials().pairDevices(serials, email(email));
      if (!unknown.isEmpty()) {
        spec.commandLine().getErr().println("not registered (devices add first): " + String.join(", ", unknown));
        return 1;
      }
      spec.commandLine().getErr().println(serials.size() + " device(s) paired");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List devices (never their secrets).")
  static final class ListDevices implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    GatewayOptions options;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.printf("%-40s %-8s %-8s %s%n", "SERIAL", "STATUS", "PAIRED", "CREATED");
      for (CredentialStore.Device d : options.credentials().devices()) {
        // the owner's email is not printed: listing devices should not list customers
        out.printf("%-40s %-8s %-8s %s%n", d.serial(), d.revoked() ? "revoked" : "active", d.owner() == null ? "no" : "yes",
            d.createdAt());
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke a device: its next MQTT connect is refused (a running gateway picks this up within a second).")
  static final class Revoke implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    GatewayOptions options;
    @Parameters(paramLabel = "SERIAL")
    String serial;

    @Override
    public Integer call() {
      if (!options.credentials().revokeDevice(serial)) {
        spec.commandLine().getErr().println("error: no device " + serial);
        return 1;
      }
      spec.commandLine().getOut().println("device " + serial + " revoked");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "log-id", mixinStandardHelpOptions = true,
      description = {"Print how the logs name a device (or, with --email, a customer): logs never carry serials or",
          "emails, only this keyed hash (erasure.hash-secret), so grep the logs for it to follow one device."})
  static final class LogId implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    GatewayOptions options;
    @Parameters(paramLabel = "SERIAL", description = "The serial number (or the email with --email).")
    String value;
    @picocli.CommandLine.Option(names = "--email", description = "VALUE is a customer's email.")
    boolean email;

    @Override
    public Integer call() {
      LakehouseConfig lake = options.gateway(java.util.Map.of()).lakehouse();
      Catalog catalog = Catalogs.open(lake);
      try {
        ErasureKey key = ErasureKey.resolve(lake, catalog);
        spec.commandLine().getOut().println(key.logId(email ? IdentityKind.EMAIL : IdentityKind.SERIAL, value));
        spec.commandLine().getOut().flush();
      } finally {
        CliSupport.closeQuietly(catalog);
      }
      return 0;
    }
  }
}
