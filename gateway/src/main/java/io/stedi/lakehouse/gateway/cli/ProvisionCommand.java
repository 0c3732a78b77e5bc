package io.stedi.lakehouse.gateway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stedi devices provision}: registers a fleet of Step Trainers and phone tokens at once and writes their
 * secrets to a credentials file in the format {@code bin/stedi sim run --credentials} reads. One file rewrite for
 * the whole fleet, so 10 000 devices take seconds, not one JVM each.
 */
@Command(name = "provision", mixinStandardHelpOptions = true,
    description = {"Register N Step Trainers (<prefix>-st-1..N) and M phone tokens bound to customers "
        + "(<Prefix>.Customer1..M@sim.stedi.test), and write their secrets to FILE (mode 600).",
        "Phone k belongs to the customer who owns Step Trainer k, so their readings can be joined by curation.",
        "Running it again issues new secrets to the same serials and new tokens (the old tokens stay valid until "
            + "revoked by name)."},
    footer = {"", "Example: bin/stedi devices provision --devices 50 --phones 50 --prefix demo --out creds.json"})
final class ProvisionCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;
  @Mixin
  GatewayOptions options;

  @Option(names = "--devices", paramLabel = "N", defaultValue = "0", description = "Step Trainers to register.")
  int devices;

  @Option(names = "--phones", paramLabel = "M", defaultValue = "0", description = "Phone tokens to create.")
  int phones;

  @Option(names = "--prefix", paramLabel = "P", defaultValue = "sim",
      description = "Serial and e-mail prefix, [A-Za-z0-9]{1,32} (default ${DEFAULT-VALUE}).")
  String prefix;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Credentials file to write.")
  Path out;

  @Override
  public Integer call() {
    if (devices < 0 || phones < 0 || devices + phones == 0) {
      throw new IllegalArgumentException("--devices and --phones must be >= 0 and not both 0");
    }
    if (!prefix.matches("[A-Za-z0-9]{1,32}")) {
      throw new IllegalArgumentException("--prefix must be 1..32 of [A-Za-z0-9]");
    }
    List<String> serials = new ArrayList<>();
    for (int k = 1; k <= devices; k++) {
      serials.add(serial(prefix, k));
    }
    Map<String, String> tokenNames = new LinkedHashMap<>();
    for (int k = 1; k <= phones; k++) {
      tokenNames.put(prefix + "-phone-" + k, email(prefix, k));
    }
    CredentialStore.Provisioned p = options.credentials().provision(serials, tokenNames);
    write(p);
    spec.commandLine().getErr().printf("%d devices and %d tokens registered; secrets written to %s%n",
        devices, phones, out);
    return 0;
  }

  static String serial(String prefix, int k) {
    return prefix.toLowerCase(Locale.ROOT) + "-st-" + k;
  }

  static String email(String prefix, int k) {
    String p = prefix.substring(0, 1).toUpperCase(Locale.ROOT) + prefix.substring(1);
    return p + ".Customer" + k + "@sim.stedi.test";
  }

  private void write(CredentialStore.Provisioned p) {
    List<Map<String, String>> ds = new ArrayList<>();
    p.deviceSecrets().forEach((serial, secret) -> ds.add(Map.of("serial", serial, "secret", secret)));
    List<Map<String, String>> ts = new ArrayList<>();
    p.tokenEmails().forEach((token, email) -> ts.add(Map.of("token", token, "email", email)));
    try {
      Path parent = out.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempFile(parent, ".creds", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(tmp, JSON.writeValueAsBytes(Map.of("devices", ds, "tokens", ts)), StandardOpenOption.WRITE);
      Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write --out " + out + ": " + e.getMessage(), e);
    }
  }
}
