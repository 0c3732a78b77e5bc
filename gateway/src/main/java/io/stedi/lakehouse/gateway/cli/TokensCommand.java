package io.stedi.lakehouse.gateway.cli;

import io.stedi.lakehouse.gateway.auth.CredentialStore;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stedi tokens create|list|revoke}: API tokens for the app and the website. */
@Command(name = "tokens", mixinStandardHelpOptions = true, description = "Manage API tokens.",
    subcommands = {TokensCommand.Create.class, TokensCommand.ListTokens.class, TokensCommand.Revoke.class})
final class TokensCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create a token and print it once (use it as 'Authorization: Bearer <token>').",
          "With --email the token may only send that customer's readings and record; without, it is a service token."})
  static final class Create implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    GatewayOptions options;
    @Parameters(paramLabel = "NAME", description = "A name for the token (an app install, a service).")
    String name;
    @Option(names = "--email", description = "Bind the token to this customer.")
    String email;

    @Override
    public Integer call() {
      if (email != null && email.indexOf('@') <= 0) {
        throw new IllegalArgumentException("--email must be an email address");
      }
      String token = options.credentials().createToken(name, email);
      spec.commandLine().getOut().println(token);
      spec.commandLine().getOut().flush();
      spec.commandLine().getErr().println("token " + name + " created; it is shown only once");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their secrets).")
  static final class ListTokens implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    GatewayOptions options;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.printf("%-14s %-24s %-32s %-8s %s%n", "ID", "NAME", "EMAIL", "STATUS", "CREATED");
      for (CredentialStore.Token t : options.credentials().tokens()) {
        out.printf("%-14s %-24s %-32s %-8s %s%n", t.id(), t.name(), t.email() == null ? "(service)" : t.email(),
            t.revoked() ? "revoked" : "active", t.createdAt());
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke tokens by name or id.")
  static final class Revoke implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    GatewayOptions options;
    @Parameters(paramLabel = "NAME_OR_ID")
    String nameOrId;

    @Override
    public Integer call() {
      int n = options.credentials().revokeToken(nameOrId);
      if (n == 0) {
        spec.commandLine().getErr().println("error: no token " + nameOrId);
        return 1;
      }
      spec.commandLine().getOut().println(n + " token(s) revoked");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
