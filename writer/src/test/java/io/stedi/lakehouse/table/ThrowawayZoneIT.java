package io.stedi.lakehouse.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.commit.EntryFilter;
import io.stedi.lakehouse.commit.WalEntry;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.erasure.ErasureKey;
import io.stedi.lakehouse.erasure.ErasureReceiptTable;
import io.stedi.lakehouse.erasure.ForgottenIdentities;
import io.stedi.lakehouse.erasure.IdentityKind;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.parse.LandingParser;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.ParseResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.types.Types;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sensor type the product does not have, defined only by its descriptor in this test, goes through every
 * stage that reads descriptors: parsing and validation, the landing table, the write-ahead log codec, the dedup
 * identity and the erasure filter. Nothing outside this file names it: that is the point of one descriptor.
 */
class ThrowawayZoneIT {
  /** A wrist-worn heart-rate strap, published by devices like a Step Trainer. */
  static final Zone HEART_RATE = Zone.builder(200, "heart_rate", "heart_rate_landing")
      .field(ZoneField.time("measuredAt").mandatory().alias("measured_at"))
      .field(ZoneField.string("serialNumber").mandatory())
      .field(ZoneField.integer("bpm", 20, 250).mandatory())
      .field(ZoneField.number("confidence", 0.0, 1.0))
      .owner(IdentityKind.SERIAL, "serialNumber").eventTime("measuredAt").dedup("measuredAt", "serialNumber")
      .mqtt("heart-rate")
      .build();
  static final Zones ZONES = Zones.STANDARD.with(HEART_RATE);

  @TempDir
  Path tmp;
  Catalog catalog;

  @BeforeEach
  void open() {
    catalog = Catalogs.open(LakehouseConfig.embedded(tmp));
  }

  @AfterEach
  void close() throws Exception {
    ((AutoCloseable) catalog).close();
  }

  @Test
  void theParserValidatesByTheDescriptor() {
    ParseResult ok = LandingParser.parse(HEART_RATE,
        "{\"measured_at\":1655564444103,\"serialNumber\":\"hr-1\",\"bpm\":72,\"confidence\":0.9,\"extra\":true}");
    assertThat(ok.ok()).isTrue();
    assertThat(ok.row().get("measuredAt")).isEqualTo(1655564444103L);
    assertThat(ok.row().get("bpm")).isEqualTo(72);

    ParseResult missing = LandingParser.parse(HEART_RATE, "{\"measuredAt\":1,\"serialNumber\":\"hr-1\"}");
    assertThat(missing.rejection().code()).isEqualTo(ErrorCode.MISSING_FIELD);
    assertThat(missing.rejection().message()).isEqualTo("bpm is required");
    ParseResult impossible = LandingParser.parse(HEART_RATE, "{\"measuredAt\":1,\"serialNumber\":\"hr-1\",\"bpm\":300}");
    assertThat(impossible.rejection().code()).isEqualTo(ErrorCode.IMPOSSIBLE_VALUE);
    assertThat(impossible.rejection().message()).isEqualTo("bpm 300 is outside 20..250");
    ParseResult both = LandingParser.parse(HEART_RATE,
        "{\"measuredAt\":1,\"measured_at\":2,\"serialNumber\":\"hr-1\",\"bpm\":60}");
    assertThat(both.rejection().message()).startsWith("measuredAt and measured_at are both given and differ");
    assertThat(LandingParser.parse(HEART_RATE, "{\"measuredAt\":1,\"serialNumber\":\"hr-1\",\"bpm\":\"fast\"}")
        .rejection().code()).isEqualTo(ErrorCode.WRONG_TYPE);
  }

  @Test
  void itsLandingTableIsCreatedFromTheDescriptor() {
    Map<Zone, Table> tables = LandingTables.ensureAll(catalog, ZONES, 1 << 20, 3);
    Table t = tables.get(HEART_RATE);
    assertThat(t.name()).endsWith("stedi.heart_rate_landing");
    assertThat(t.schema().findField("bpm").type()).isEqualTo(Types.IntegerType.get());
    assertThat(t.schema().findField("measuredAt").type()).isEqualTo(Types.LongType.get());
    assertThat(t.schema().findField(LandingTables.ARRIVAL)).isNotNull();
    assertThat(t.spec().fields()).hasSize(1);
    assertThat(tables.keySet()).containsAll(Zone.values());
  }

  @Test
  void theWriteAheadLogStoresItByItsStableIdAndReadsItBack() {
    LandingRow row = LandingParser.parse(HEART_RATE, "{\"measuredAt\":5,\"serialNumber\":\"hr-1\",\"bpm\":61}").row();
    byte[] payload = WalEntry.encode(List.of(WalEntry.landing(row, 1000L, "mqtt", "k:0")));
    List<WalEntry> back = WalEntry.decode(payload, ZONES);
    assertThat(back).hasSize(1);
    assertThat(back.get(0).target()).isSameAs(HEART_RATE);
    assertThat(back.get(0).row()).isEqualTo(row);
    // a version that does not know the zone refuses the entry instead of reading it as another zone
    assertThatThrownBy(() -> WalEntry.decode(payload))
        .hasMessageContaining("unknown zone id 200");
  }

  @Test
  void theDedupIdentityCoversTheDescriptorsColumnsOnly() {
    LandingRow a = LandingParser.parse(HEART_RATE,
        "{\"measuredAt\":5,\"serialNumber\":\"hr-1\",\"bpm\":61,\"confidence\":0.5}").row();
    LandingRow sameReadingResent = LandingParser.parse(HEART_RATE,
        "{\"measuredAt\":5,\"serialNumber\":\"hr-1\",\"bpm\":61,\"confidence\":0.7}").row();
    LandingRow later = LandingParser.parse(HEART_RATE, "{\"measuredAt\":6,\"serialNumber\":\"hr-1\",\"bpm\":61}").row();
    assertThat(a.identityBytes()).isEqualTo(sameReadingResent.identityBytes());
    assertThat(a.identityBytes()).isNotEqualTo(later.identityBytes());
    assertThat(WalEntry.landing(a, 1, "mqtt", "k").contentBytes()).isEqualTo(a.identityBytes());
    // a zone whose identity is the whole row keeps its identity bytes equal to the binary row
    LandingRow step = LandingParser.parse(Zone.STEP_TRAINER,
        "{\"sensorReadingTime\":5,\"serialNumber\":\"s\",\"distanceFromObject\":3}").row();
    assertThat(step.identityBytes()).isEqualTo(step.toBinary());
  }

  @Test
  void theWalErasureFilterDropsAForgottenOwnersEntriesByTheOwnerColumn() throws Exception {
    ErasureKey key = ErasureKey.resolve(LakehouseConfig.embedded(tmp), catalog);
    Table receipts = ErasureReceiptTable.ensure(catalog, 5, key);
    ErasureReceiptTable.appendPending(receipts, new ErasureReceiptTable.PendingReceipt(java.util.UUID.randomUUID().toString(),
        Instant.now(), IdentityKind.SERIAL, key.hash(IdentityKind.SERIAL, "hr-gone"), Set.of(),
        Set.of(key.hash(IdentityKind.SERIAL, "hr-gone"))));
    try (ForgottenIdentities forgotten = ForgottenIdentities.start(catalog, ErasureKey.resolve(LakehouseConfig.embedded(tmp), catalog), Duration.ofMillis(100), (k, v) -> null)) {
      EntryFilter filter = forgotten.walFilter();
      LandingRow gone = LandingParser.parse(HEART_RATE, "{\"measuredAt\":5,\"serialNumber\":\"HR-GONE\",\"bpm\":61}").row();
      LandingRow kept = LandingParser.parse(HEART_RATE, "{\"measuredAt\":5,\"serialNumber\":\"hr-kept\",\"bpm\":61}").row();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> filter.dropLanding(gone));
      assertThat(filter.dropLanding(kept)).isFalse();
    }
  }

  @Test
  void descriptorsRefuseWhatCannotWork() {
    assertThatThrownBy(() -> Zones.STANDARD.with(Zone.builder(3, "other", "other_landing")
        .field(ZoneField.string("s")).owner(IdentityKind.SERIAL, "s").eventTime("s").build()))
        .hasMessageContaining("zone id 3");
    assertThatThrownBy(() -> Zone.builder(201, "phone_extra", "phone_extra_landing")
        .field(ZoneField.string("user")).field(ZoneField.time("t")).owner(IdentityKind.EMAIL, "user").eventTime("t")
        .mqtt("phone-extra").build())
        .hasMessageContaining("owner must be a serial");
    assertThatThrownBy(() -> Zone.builder(202, "x", "x_landing").field(ZoneField.string("a"))
        .owner(IdentityKind.SERIAL, "missing").eventTime("a").build())
        .hasMessageContaining("has no field missing");
  }
}
