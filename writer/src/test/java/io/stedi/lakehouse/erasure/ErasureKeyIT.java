package io.stedi.lakehouse.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key of the receipts' hashes is configuration, not catalog data: nobody with catalog access alone can test
 * a receipt against a list of emails, and a process with another secret refuses to start.
 */
class ErasureKeyIT {
  @TempDir
  Path tmp;
  LakehouseConfig config;
  Catalog catalog;

  @BeforeEach
  void open() {
    config = LakehouseConfig.embedded(tmp);
    catalog = Catalogs.open(config);
  }

  @AfterEach
  void close() throws Exception {
    ((AutoCloseable) catalog).close();
  }

  @Test
  void theTableHoldsAKeyIdAndNoSecret() throws Exception {
    ErasureKey key = ErasureKey.resolve(config, catalog);
    Table t = ErasureReceiptTable.ensure(catalog, 5, key);
    Path file = tmp.resolve("erasure/hash.secret");
    String secret = Files.readString(file).strip();
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(t.properties()).containsEntry(ErasureReceiptTable.KEY_ID_PROPERTY, key.keyId())
        .doesNotContainKey(ErasureReceiptTable.LEGACY_SALT_PROPERTY);
    assertThat(t.properties().values()).noneMatch(v -> v.contains(secret));
    // every process of the installation derives the same hashes
    assertThat(ErasureKey.resolve(config, catalog).hash(IdentityKind.EMAIL, "A@b.com"))
        .isEqualTo(key.hash(IdentityKind.EMAIL, " a@B.com "));
    assertThat(key.toString()).doesNotContain(secret);
  }

  @Test
  void aProcessWithAnotherSecretFailsAtStart() {
    ErasureReceiptTable.ensure(catalog, 5, ErasureKey.resolve(config, catalog));
    LakehouseConfig other = config.with(Map.of("erasure.hash-secret", "another-secret-of-32-characters!"));
    assertThatThrownBy(() -> ErasureKey.resolve(other, catalog)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("another erasure.hash-secret");
  }

  /** A receipts table of an earlier version: its salt moves into the secret file and out of the catalog. */
  @Test
  void aLegacySaltMovesOutOfTheTable() throws Exception {
    String legacySalt = "bGVnYWN5LXNhbHQtb2YtYW4tZWFybGllci12ZXJzaW9u";
    TableIdentifier id = ErasureReceiptTable.id();
    ((org.apache.iceberg.catalog.SupportsNamespaces) catalog).createNamespace(id.namespace());
    catalog.buildTable(id, ErasureReceiptTable.SCHEMA)
        .withProperties(Map.of(ErasureReceiptTable.LEGACY_SALT_PROPERTY, legacySalt)).create();
    ErasureKey key = ErasureKey.resolve(config, catalog);
    Table t = catalog.loadTable(id);
    assertThat(t.properties()).doesNotContainKey(ErasureReceiptTable.LEGACY_SALT_PROPERTY)
        .containsEntry(ErasureReceiptTable.KEY_ID_PROPERTY, key.keyId());
    assertThat(Files.readString(tmp.resolve("erasure/hash.secret")).strip()).isEqualTo(legacySalt);
    // receipts written before keep matching: the old hash was HMAC keyed with the salt's text
    assertThat(key.hash(IdentityKind.EMAIL, "x@y.com")).isEqualTo(ErasureKey.of(legacySalt).hash(IdentityKind.EMAIL,
        "x@y.com"));
    assertThat(t.schema().findField("identity_hash").type()).isEqualTo(Types.StringType.get());
  }
}
