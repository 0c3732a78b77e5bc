package io.stedi.lakehouse.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The idempotency log: answers survive a restart; a forgotten customer's tokens leave no record behind. */
class IdempotencyStoreTest {
  @TempDir
  Path tmp;

  private static IdempotencyStore.Entry entry(String key) {
    return new IdempotencyStore.Entry(key, "hash-of-" + key, 202, "{\"accepted\":3}", System.currentTimeMillis());
  }

  @Test
  void answersSurviveARestartAndDroppedTokensDoNot() throws Exception {
    Path file = tmp.resolve("idempotency.jsonl");
    IdempotencyStore store = new IdempotencyStore(file, Duration.ofHours(1));
    for (String key : new String[] {"tok-gone:batch-1", "tok-gone:batch-2", "tok-kept:batch-1"}) {
      store.accept(IdempotencyStore.sideEntry(entry(key)));
    }
    assertThat(store.get("tok-gone:batch-1")).isNotNull();

    assertThat(store.dropTokens(Set.of("tok-gone"))).isEqualTo(2);
    assertThat(store.get("tok-gone:batch-1")).isNull();
    assertThat(store.get("tok-kept:batch-1")).isNotNull();
    assertThat(Files.readString(file)).doesNotContain("tok-gone").contains("tok-kept");
    // still appendable after the rewrite, and a restart reads what is left
    store.accept(IdempotencyStore.sideEntry(entry("tok-kept:batch-2")));
    IdempotencyStore reopened = new IdempotencyStore(file, Duration.ofHours(1));
    assertThat(reopened.get("tok-kept:batch-2")).isNotNull();
    assertThat(reopened.get("tok-gone:batch-2")).isNull();
    assertThat(reopened.size()).isEqualTo(2);
  }
}
