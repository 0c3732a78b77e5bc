package io.stedi.lakehouse.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's store re-reads the file when a check fails, at most once per interval. */
class CredentialStoreTest {
  @TempDir
  Path dir;

  @Test
  void aFailedCheckReReadsTheFileAtMostOncePerInterval() {
    Path file = dir.resolve("credentials.json");
    AtomicLong clock = new AtomicLong(0);
    CredentialStore gateway = new CredentialStore(file, clock::get);
    CredentialStore cli = new CredentialStore(file);

    String first = cli.addDevice("st-1");
    assertThat(gateway.authenticateDevice("st-1", first)).as("found by the re-read of a failed check").isTrue();

    // that failed check re-read the file at time 0; failures within the interval after it (a flood of unknown
    // names) do not, so a device added meanwhile is seen only once the interval is over
    assertThat(gateway.authenticateDevice("nobody", "x")).isFalse();
    String second = cli.addDevice("st-2");
    clock.addAndGet(CredentialStore.MISS_RELOAD_INTERVAL_NANOS - 1);
    assertThat(gateway.authenticateDevice("st-2", second)).as("within the interval: no re-read").isFalse();
    clock.addAndGet(1);
    assertThat(gateway.authenticateDevice("st-2", second)).isTrue();

    String token = cli.createToken("app", "a@test.com");
    clock.addAndGet(CredentialStore.MISS_RELOAD_INTERVAL_NANOS);
    assertThat(gateway.authenticateToken(token)).hasValueSatisfying(t -> assertThat(t.email()).isEqualTo("a@test.com"));
    assertThat(gateway.authenticateToken("nope.nope")).isEmpty();
  }
}
