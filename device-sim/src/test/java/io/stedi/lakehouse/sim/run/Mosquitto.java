package io.stedi.lakehouse.sim.run;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Debian's mosquitto broker as a child process on a free loopback port (tests skip when it is not installed). */
final class Mosquitto implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/mosquitto");
  final Process process;
  final int port;

  Mosquitto(Path dir) throws IOException, InterruptedException {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path conf = dir.resolve("mosquitto.conf");
    Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
        + "max_inflight_messages 1000\nmax_queued_messages 100000\n");
    process = new ProcessBuilder(BINARY.toString(), "-c", conf.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        if (System.currentTimeMillis() > deadline || !process.isAlive()) {
          throw new IOException("mosquitto did not start: " + Files.readString(dir.resolve("mosquitto.log")), e);
        }
        Thread.sleep(50);
      }
    }
  }

  String url() {
    return "mqtt://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    process.destroy();
  }
}
