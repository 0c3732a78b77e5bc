package io.stedi.lakehouse.curation.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.config.ConfigKey;
import io.stedi.lakehouse.config.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CurationConfigTest {
  @Test
  void pinsEveryDefault() {
    CurationConfig c = CurationConfig.from(ConfigSources.defaults());
    assertThat(c.get(CurationConfig.ML_JOIN)).isEqualTo(CurationConfig.MlJoin.OWNER);
    assertThat(c.get(CurationConfig.CONSENT)).isEqualTo(CurationConfig.Consent.FLAG);
    assertThat(c.get(CurationConfig.CUSTOMER_KEY_SECRET)).isEmpty();
    assertThat(c.get(CurationConfig.MASTER)).isEqualTo("local[*]");
    assertThat(c.get(CurationConfig.STRICT_QUALITY)).isFalse();
    assertThat(c.get(CurationConfig.INCREMENTAL)).isTrue();
    assertThat(CurationConfig.KEYS).hasSize(6);
    assertThat(c.optionsText()).isEqualTo("ml-join=owner,consent=flag");
  }

  @Test
  void validateNamesTheKey() {
    assertThatThrownBy(() -> over("curation.consent", "always")).hasMessageContaining("curation.consent")
        .hasMessageContaining("flag|window");
    assertThatThrownBy(() -> over("curation.customer-key-secret", "short"))
        .hasMessageStartingWith("curation.customer-key-secret must be");
    assertThatThrownBy(() -> over("curation.master", " ")).hasMessageStartingWith("curation.master must not be empty");
  }

  @Test
  void readmeDocumentsEveryKey() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    for (ConfigKey<?> k : CurationConfig.KEYS) {
      assertThat(readme).contains("| `" + k.name() + "` | `" + k.envName() + "` | `" + k.defaultText() + "` |");
    }
  }

  private static CurationConfig over(String k, String v) {
    return CurationConfig.from(ConfigSources.defaults().withOverrides(Map.of(k, v)));
  }
}
