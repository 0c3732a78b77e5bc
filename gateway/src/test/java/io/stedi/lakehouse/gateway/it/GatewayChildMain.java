package io.stedi.lakehouse.gateway.it;

import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.gateway.GatewayServer;
import io.stedi.lakehouse.gateway.config.GatewayConfig;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A gateway in its own JVM for {@link GatewayCrashIT}: {@code GatewayChildMain HOME [key=value ...]} starts a
 * gateway configured like {@link GatewayFixture} (loopback, port 0), prints {@code PORTS <mqtt> <http>} on stdout
 * once both listeners are bound, and runs until SIGTERM or SIGINT; then it stops the listeners, commits what
 * was acknowledged, prints {@code STOPPED} and exits 0 — what {@code bin/stedi gateway} does.
 */
public final class GatewayChildMain {
  private GatewayChildMain() {}

  public static void main(String[] args) throws Exception {
    Path home = Path.of(args[0]);
    Map<String, String> extra = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      extra.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    GatewayConfig config = GatewayFixture.config(home, extra);
    CountDownLatch stop = new CountDownLatch(1);
    // installed before the ports are printed, so a SIGTERM right after start-up is a clean stop too
    for (String sig : new String[] {"TERM", "INT"}) {
      sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
    }
    Vertx vertx = Vertx.vertx();
    GatewayServer server = GatewayServer.start(vertx, config);
    System.out.println("PORTS " + server.mqttPort() + " " + server.httpPort());
    System.out.flush();
    stop.await();
    server.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("STOPPED");
    System.out.flush();
    System.exit(0);
  }
}
