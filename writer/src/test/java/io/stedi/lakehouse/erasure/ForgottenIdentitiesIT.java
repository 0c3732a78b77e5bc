package io.stedi.lakehouse.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.TestTables;
import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.commit.CommitCoordinator;
import io.stedi.lakehouse.commit.SideEntrySink;
import io.stedi.lakehouse.commit.WalEntry;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.parse.LandingParser;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.LandingTables;
import io.stedi.lakehouse.table.Zone;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receipts as the gateway reads them, and the commit-time filter over readings waiting in the log. */
class ForgottenIdentitiesIT {
  @TempDir
  Path tmp;
  LakehouseConfig config;
  Catalog catalog;
  final Map<String, Instant> registered = new ConcurrentHashMap<>();
  ForgottenIdentities forgotten;

  @BeforeEach
  void open() {
    // a long commit interval: entries wait in the log until flush(), as readings do in a busy gateway
    config = LakehouseConfig.embedded(tmp).with(Map.of("commit.interval", "1h"));
    catalog = Catalogs.open(config);
    forgotten = ForgottenIdentities.start(catalog, ErasureKey.resolve(config, catalog), Duration.ofMillis(100),
        (kind, value) -> registered.get(kind.label() + ":" + IdentityKind.normalize(value)));
  }

  @AfterEach
  void close() throws Exception {
    forgotten.close();
    ((AutoCloseable) catalog).close();
  }

  private void forget(String email, String serial) {
    ErasureKey key = ErasureKey.resolve(config, catalog);
    Table t = ErasureReceiptTable.ensure(catalog, 5, key);
    ErasureReceiptTable.appendPending(t, new ErasureReceiptTable.PendingReceipt(java.util.UUID.randomUUID().toString(), Instant.now(),
        IdentityKind.EMAIL, key.hash(IdentityKind.EMAIL, email),
        Set.of(key.hash(IdentityKind.EMAIL, email)),
        Set.of(key.hash(IdentityKind.SERIAL, serial))));
  }

  @Test
  void nothingIsForgottenWithoutReceiptsThenHashesAreReadOnTheInterval() {
    assertThat(forgotten.isForgotten(IdentityKind.EMAIL, "gone@x.com")).isFalse();
    assertThat(forgotten.hash(IdentityKind.EMAIL, "gone@x.com")).as("keyed, never the email").hasSize(64)
        .isEqualTo(ErasureKey.resolve(config, catalog).hash(IdentityKind.EMAIL, "Gone@X.com"));
    forget("Gone@X.com", "s-gone");
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> forgotten.isForgotten(IdentityKind.EMAIL, "gone@x.com"));
    assertThat(forgotten.isForgotten(IdentityKind.EMAIL, " GONE@x.COM ")).isTrue();
    assertThat(forgotten.isForgotten(IdentityKind.SERIAL, "S-GONE")).isTrue();
    assertThat(forgotten.isForgotten(IdentityKind.SERIAL, "gone@x.com")).as("kinds do not mix").isFalse();
    assertThat(forgotten.isForgotten(IdentityKind.EMAIL, "kept@x.com")).isFalse();
    // the receipt holds hashes only
    assertThat(TestTables.rows(catalog, ErasureReceiptTable.id()).toString()).doesNotContainIgnoringCase("gone");
    // a registration after the request lifts it; one before does not
    registered.put("serial:s-gone", Instant.now().minusSeconds(3600));
    assertThat(forgotten.isForgotten(IdentityKind.SERIAL, "s-gone")).isTrue();
    registered.put("serial:s-gone", Instant.now().plusSeconds(1));
    assertThat(forgotten.isForgotten(IdentityKind.SERIAL, "s-gone")).isFalse();
  }

  @Test
  void readingsWaitingInTheLogAreDroppedAtCommitOnceForgotten() throws Exception {
    try (CommitCoordinator c = CommitCoordinator.start(catalog, config, SideEntrySink.NONE, forgotten.walFilter())) {
      c.append(List.of(
          accel("gone@x.com", 1), accel("GONE@x.com", 2), accel("kept@x.com", 3),
          step("s-gone", 4), step("s-kept", 5),
          customer("gone@x.com", "s-gone"), customer("kept@x.com", "s-kept"),
          quarantine("device s-gone", "bad", "{\"sensorReadingTime\":1"),
          quarantine("client app", "bad", "{\"user\":\"Gone@x.com\",\"x\":\"no\"}"),
          quarantine("client app", "bad", "garbage with \"serialNumber\": \"s-gone\" inside"),
          quarantine("client app", "bad", "{\"user\":\"kept@x.com\",\"x\":\"no\"}"))).get();
      forget("gone@x.com", "s-gone");
      forgotten.refresh();
      c.flush();
    }
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.ACCELEROMETER), "user")).containsExactly("kept@x.com");
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.STEP_TRAINER), "serialNumber")).containsExactly("s-kept");
    assertThat(TestTables.column(catalog, LandingTables.id(Zone.CUSTOMER), "email")).containsExactly("kept@x.com");
    assertThat(TestTables.column(catalog, LandingTables.quarantineId(), "payload"))
        .containsExactly("{\"user\":\"kept@x.com\",\"x\":\"no\"}");
  }

  private static WalEntry accel(String user, long t) {
    return WalEntry.landing(LandingParser.parse(Zone.ACCELEROMETER, "{\"user\":\"" + user + "\",\"timestamp\":"
        + (1_700_000_000_000L + t) + ",\"x\":1,\"y\":2,\"z\":3}").row(), System.currentTimeMillis(), "https", "a" + t);
  }

  private static WalEntry step(String serial, long t) {
    return WalEntry.landing(LandingParser.parse(Zone.STEP_TRAINER, "{\"sensorReadingTime\":" + (1_700_000_000_000L + t)
        + ",\"serialNumber\":\"" + serial + "\",\"distanceFromObject\":5}").row(), System.currentTimeMillis(), "mqtt",
        "s" + t);
  }

  private static WalEntry customer(String email, String serial) {
    return WalEntry.landing(LandingParser.parse(Zone.CUSTOMER, "{\"email\":\"" + email + "\",\"serialNumber\":\""
        + serial + "\",\"registrationDate\":1700000000000}").row(), System.currentTimeMillis(), "https", "c" + email);
  }

  private static WalEntry quarantine(String origin, String message, String payload) {
    return WalEntry.quarantine("accelerometer", origin, new Rejection(ErrorCode.WRONG_TYPE, "x", message), payload,
        System.currentTimeMillis(), "https", "q" + payload.hashCode());
  }
}
