package io.stedi.lakehouse.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stedi.lakehouse.gateway.GatewayFixture;
import io.stedi.lakehouse.table.Zone;
import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway as a new user meets it: Debian's mosquitto_pub with the right and a wrong secret. */
class MosquittoClientsIT {
  private static final String PUB = "/usr/bin/mosquitto_pub";

  @TempDir
  Path home;

  private int pub(int port, String user, String pass, String version, String payload) throws Exception {
    Process p = new ProcessBuilder(PUB, "-h", "127.0.0.1", "-p", Integer.toString(port), "-u", user, "-P", pass,
        "-q", "1", "-V", version, "-t", "stedi/step-trainer/" + user + "/readings", "-m", payload)
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  @Test
  void rightSecretIsStoredWrongSecretIsRefused() throws Exception {
    assumeTrue(new File(PUB).canExecute(), "mosquitto-clients is not installed");
    Path h = home.resolve("h");
    String secret;
    try (GatewayFixture warm = GatewayFixture.start(h, Map.of())) {
      secret = warm.credentials().addDevice("st-7");
    }
    try (GatewayFixture gw = GatewayFixture.start(h, Map.of())) {
      String reading = "{\"sensorReadingTime\":1655564444103,\"serialNumber\":\"st-7\",\"distanceFromObject\":218}";
      assertThat(pub(gw.mqttPort(), "st-7", secret, "mqttv311", reading)).isZero();
      assertThat(pub(gw.mqttPort(), "st-7", secret, "mqttv5", reading.replace("103", "104"))).isZero();
      assertThat(pub(gw.mqttPort(), "st-7", "wrong", "mqttv311", reading)).isNotZero();
      assertThat(pub(gw.mqttPort(), "st-8", secret, "mqttv5", reading)).isNotZero();
      gw.flush();
      assertThat(gw.rows(Zone.STEP_TRAINER)).extracting(r -> r.getField("sensorReadingTime"))
          .containsExactlyInAnyOrder(1655564444103L, 1655564444104L);
    }
  }
}
