package io.stedi.lakehouse.sim.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.config.ConfigSources;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimConfigTest {
  @Test
  void defaultsAreValid() {
    SimConfig c = SimConfig.defaults();
    assertThat(c.get(SimConfig.SEED)).isEqualTo(42L);
    assertThat(c.fraction(SimConfig.RESEARCH_SHARE)).isEqualTo(0.5);
    assertThat(c.get(SimConfig.INTERVAL_MIN).toMillis()).isEqualTo(2000);
    assertThat(c.get(SimConfig.INTERVAL_MAX).toMillis()).isEqualTo(4000);
  }

  @Test
  void everyKeyIsDocumentedAndNamespaced() {
    for (String[] row : SimConfig.describe()) {
      assertThat(row[0]).startsWith("sim.");
      assertThat(row[1]).startsWith("STEDI_SIM_");
      assertThat(row[3]).isNotBlank();
    }
    assertThat(SimConfig.markdownTable()).contains("`sim.fault.malformed-rate`");
  }

  @Test
  void theReadmeListsEveryKey() throws java.io.IOException {
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
    assertThat(readme).contains(SimConfig.markdownTable());
  }

  @Test
  void badValuesAreRejectedNamingTheKey() {
    for (Map.Entry<String, String> bad : List.of(Map.entry("sim.research-share", "1.5"),
        Map.entry("sim.fault.duplicate-rate", "often"), Map.entry("sim.customers", "0"),
        Map.entry("sim.interval-max", "1s"), Map.entry("sim.distance-max", "50"), Map.entry("sim.mqtt.version", "4"),
        Map.entry("sim.seed", "x"), Map.entry("sim.http.max-batch", "0"))) {
      assertThatThrownBy(() -> SimConfig.defaults().with(Map.of(bad.getKey(), bad.getValue())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(bad.getKey());
    }
  }

  @Test
  void environmentAndCommandLineAreLayered() {
    ConfigSources s = ConfigSources.of(Map.of("sim.customers", "7"), Map.of("STEDI_SIM_CUSTOMERS", "9",
        "STEDI_SIM_SEED", "3"), null, SimConfig.allKeys());
    SimConfig c = SimConfig.from(s);
    assertThat(c.get(SimConfig.CUSTOMERS)).isEqualTo(7);
    assertThat(c.get(SimConfig.SEED)).isEqualTo(3L);
  }
}
