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
    assertThat(c.get(CurationConfig.MAINTAIN_TARGET_FILE_SIZE)).isEqualTo(128L * 1024 * 1024);
    assertThat(c.get(CurationConfig.MAINTAIN_SNAPSHOT_RETENTION)).isEqualTo(java.time.Duration.ofHours(1));
    assertThat(c.get(CurationConfig.MAINTAIN_RETAIN_LAST)).isEqualTo(100);
    assertThat(c.get(CurationConfig.MAINTAIN_ORPHAN_MIN_AGE)).isEqualTo(java.time.Duration.ofDays(3));
    assertThat(c.get(CurationConfig.MAINTAIN_MANIFEST_REWRITE_THRESHOLD)).isEqualTo(100);
    assertThat(c.maintainEvery()).contains(java.time.Duration.ofHours(1));
    assertThat(c.get(CurationConfig.ML_TOLERANCE)).isZero();
    assertThat(c.get(CurationConfig.QUICK_JIT_MAX_ROWS)).isEqualTo(1_000_000);
    assertThat(CurationConfig.KEYS).hasSize(14);
    assertThat(c.optionsText()).isEqualTo("ml-join=owner,consent=flag");
  }

  @Test
  void validateNamesTheKey() {
    assertThatThrownBy(() -> over("curation.consent", "always")).hasMessageContaining("curation.consent")
        .hasMessageContaining("flag|window");
    assertThatThrownBy(() -> over("curation.customer-key-secret", "short"))
        .hasMessageStartingWith("curation.customer-key-secret must be");
    assertThatThrownBy(() -> over("curation.customer-key-secret", "change-me-to-32-random-characters"))
        .hasMessageStartingWith("curation.customer-key-secret still holds the placeholder");
    assertThatThrownBy(() -> over("curation.master", " ")).hasMessageStartingWith("curation.master must not be empty");
    assertThatThrownBy(() -> over("curation.quick-jit-max-rows", "-1"))
        .hasMessageStartingWith("curation.quick-jit-max-rows must not be negative");
    assertThatThrownBy(() -> over("maintain.target-file-size", "12")).hasMessageStartingWith("maintain.target-file-size");
    assertThatThrownBy(() -> over("maintain.target-file-size", "big")).hasMessageStartingWith("maintain.target-file-size");
    assertThatThrownBy(() -> over("maintain.snapshot-retention", "-1h"))
        .hasMessageStartingWith("maintain.snapshot-retention must not be negative");
    assertThatThrownBy(() -> over("maintain.retain-last", "0")).hasMessageStartingWith("maintain.retain-last must be");
    assertThatThrownBy(() -> over("maintain.orphan-min-age", "10m"))
        .hasMessageStartingWith("maintain.orphan-min-age must be at least 1h");
    assertThatThrownBy(() -> over("maintain.manifest-rewrite-threshold", "0"))
        .hasMessageStartingWith("maintain.manifest-rewrite-threshold must be");
    assertThatThrownBy(() -> over("maintain.every", "soon")).hasMessageStartingWith("maintain.every: cannot parse");
    assertThatThrownBy(() -> over("maintain.every", "500ms")).hasMessageStartingWith("maintain.every must be at least 1s");
  }

  @Test
  void maintainEveryCanBeSwitchedOff() {
    assertThat(over("maintain.every", "off").maintainEvery()).isEmpty();
    assertThat(over("maintain.every", "0").maintainEvery()).isEmpty();
    assertThat(over("maintain.every", "0s").maintainEvery()).isEmpty();
    assertThat(over("maintain.every", "30m").maintainEvery()).contains(java.time.Duration.ofMinutes(30));
  }

  @Test
  void readmeDocumentsEveryKey() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    for (ConfigKey<?> k : CurationConfig.KEYS) {
      assertThat(readme).contains("| `" + k.name() + "` | `" + k.envName() + "` | `" + k.defaultText() + "` |");
    }
    assertThat(readme).as("README curation table is stale: bin/stedi config --markdown --module curation")
        .contains(io.stedi.lakehouse.config.ConfigModule.markdownTable(CurationConfig.KEYS));
  }

  private static CurationConfig over(String k, String v) {
    return CurationConfig.from(ConfigSources.defaults().withOverrides(Map.of(k, v)));
  }
}
