package io.stedi.lakehouse.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.config.LakehouseConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client properties for {@code catalog.type=rest}: the auth type is named rather than inferred, a token goes with
 * the spec's token endpoint under the catalog URI, and the client's background metrics reports are off. (RestCatalogIT
 * in device-sim runs the product against a real REST server.)
 */
class RestCatalogPropertiesTest {
  @TempDir
  Path home;

  private Map<String, String> props(Map<String, String> overrides) {
    return Catalogs.catalogProperties(LakehouseConfig.embedded(home).with(overrides));
  }

  @Test
  void aTokenIsSentAsOAuth2BearerWithTheTokenEndpointNamed() {
    Map<String, String> p = props(Map.of("catalog.type", "rest", "catalog.uri", "https://catalog.example:8181/",
        "catalog.token", "t0ken"));
    assertThat(p).containsEntry("catalog-impl", Catalogs.REST_IMPL).containsEntry("uri", "https://catalog.example:8181/")
        .containsEntry("rest.auth.type", "oauth2").containsEntry("token", "t0ken")
        .containsEntry("oauth2-server-uri", "https://catalog.example:8181/v1/oauth/tokens")
        .containsEntry("rest-metrics-reporting-enabled", "false");
  }

  @Test
  void withoutATokenNoAuthIsSent() {
    Map<String, String> p = props(Map.of("catalog.type", "rest", "catalog.uri", "http://127.0.0.1:8181"));
    assertThat(p).containsEntry("rest.auth.type", "none").doesNotContainKeys("token", "oauth2-server-uri");
  }

  @Test
  void theWarehouseIsANameTheServerServesNotALocalFolder() {
    LakehouseConfig none = LakehouseConfig.embedded(home).with(Map.of("catalog.type", "rest", "catalog.uri",
        "http://127.0.0.1:8181"));
    assertThat(Catalogs.catalogProperties(none)).doesNotContainKey("warehouse");
    assertThat(none.localWarehouse()).isEmpty();
    LakehouseConfig named = none.with(Map.of("catalog.warehouse", "lakehouse"));
    assertThat(Catalogs.catalogProperties(named)).containsEntry("warehouse", "lakehouse");
    assertThat(named.localWarehouse()).as("no folder 'lakehouse' is made in the working directory").isEmpty();
    assertThat(none.with(Map.of("catalog.warehouse", "file:///srv/wh")).localWarehouse()).contains(Path.of("/srv/wh"));
  }
}
