package io.stedi.lakehouse.gateway.cli;

import io.stedi.lakehouse.gateway.GatewayServer;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stedi gateway}: runs the gateway until SIGTERM or SIGINT. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
    description = {"Run the gateway: MQTT for Step Trainers, HTTP(S) for the app.",
        "Prints the bound ports on start. SIGTERM stops accepting, commits what was acknowledged, and exits 0."})
final class GatewayCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  GatewayOptions options;

  @Option(names = "--mqtt-port", description = "MQTT port (gateway.mqtt.port); 0 = any free port, -1 = off.")
  Integer mqttPort;

  @Option(names = "--http-port", description = "HTTP port (gateway.http.port); 0 = any free port.")
  Integer httpPort;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain (gateway.tls.cert): TLS on every listener.")
  String tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key (gateway.tls.key).")
  String tlsKey;

  @Option(names = "--config-table", description = "Print the gateway's config keys as a Markdown table and exit.")
  boolean configTable;

  @Override
  public Integer call() throws Exception {
    if (configTable) {
      PrintWriter out = spec.commandLine().getOut();
      out.print(io.stedi.lakehouse.config.ConfigModule.markdownTable(GatewayConfig.KEYS));
      out.flush();
      return 0;
    }
    Map<String, String> o = new LinkedHashMap<>();
    if (mqttPort != null) {
      o.put(GatewayConfig.MQTT_PORT.name(), mqttPort.toString());
    }
    if (httpPort != null) {
      o.put(GatewayConfig.HTTP_PORT.name(), httpPort.toString());
    }
    if (tlsCert != null) {
      o.put(GatewayConfig.TLS_CERT.name(), tlsCert);
    }
    if (tlsKey != null) {
      o.put(GatewayConfig.TLS_KEY.name(), tlsKey);
    }
    GatewayConfig config = options.gateway(o);
    Vertx vertx = Vertx.vertx();
    GatewayServer server;
    try {
      server = GatewayServer.start(vertx, config);
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
    // SIGTERM and SIGINT end the wait below; we then stop accepting, commit what was acknowledged and exit 0
    // (a plain shutdown hook would end the JVM with status 143 instead). Installed before "ready" is printed:
    // a supervisor may send SIGTERM the moment it reads that line.
    CountDownLatch stop = new CountDownLatch(1);
    for (String sig : new String[] {"TERM", "INT"}) {
      sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("gateway ready: mqtt port %d, http port %d%s%n", server.mqttPort(), server.httpPort(),
        config.tls() ? " (TLS)" : "");
    out.flush();
    stop.await();
    server.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    return 0;
  }
}
