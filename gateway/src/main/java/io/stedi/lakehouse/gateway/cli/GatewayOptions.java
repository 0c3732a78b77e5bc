package io.stedi.lakehouse.gateway.cli;

import io.stedi.lakehouse.cli.ConfigOptions;
import io.stedi.lakehouse.gateway.auth.CredentialStore;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import picocli.CommandLine.Mixin;

/** Config options shared by the gateway's commands. */
final class GatewayOptions {
  @Mixin
  ConfigOptions config;

  GatewayConfig gateway(java.util.Map<String, String> overrides) {
    return GatewayConfig.from(config.sources(GatewayConfig.allKeys()).withOverrides(overrides));
  }

  CredentialStore credentials() {
    return new CredentialStore(gateway(java.util.Map.of()).credentialsFile());
  }
}
