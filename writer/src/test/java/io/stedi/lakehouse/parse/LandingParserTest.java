package io.stedi.lakehouse.parse;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.table.Zone;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LandingParserTest {
  private static final String CUSTOMER = "{\"customerName\":\"Santosh Clayton\",\"email\":\"Santosh.Clayton@test.com\","
      + "\"phone\":\"8015551212\",\"birthDay\":\"1900-01-01\",\"serialNumber\":\"50f7b4f3\","
      + "\"registrationDate\":1655564376361,\"lastUpdateDate\":1655564376362,\"shareWithResearchAsOfDate\":1655564376363,"
      + "\"shareWithPublicAsOfDate\":1655564376364,\"shareWithFriendsAsOfDate\":1655564376365}";

  @Test
  void parsesAFullCustomer() {
    ParseResult r = LandingParser.parse(Zone.CUSTOMER, CUSTOMER);
    assertThat(r.ok()).isTrue();
    LandingRow row = r.row();
    assertThat(row.get("customerName")).isEqualTo("Santosh Clayton");
    assertThat(row.get("email")).isEqualTo("Santosh.Clayton@test.com");
    assertThat(row.get("registrationDate")).isEqualTo(1655564376361L);
    assertThat(row.get("shareWithResearchAsOfDate")).isEqualTo(1655564376363L);
    assertThat(row.get("shareWithFriendsAsOfDate")).isEqualTo(1655564376365L);
  }

  @Test
  void absentAndNullConsentDatesAreNull() {
    ParseResult r = LandingParser.parse(Zone.CUSTOMER, "{\"customerName\":\"F\",\"email\":\"f@test.com\","
        + "\"serialNumber\":\"s\",\"registrationDate\":1,\"lastUpdateDate\":2,\"shareWithPublicAsOfDate\":null}");
    assertThat(r.ok()).isTrue();
    assertThat(r.row().get("shareWithResearchAsOfDate")).isNull();
    assertThat(r.row().get("shareWithPublicAsOfDate")).isNull();
    assertThat(r.row().get("phone")).isNull();
  }

  @Test
  void acceleratorAcceptsBothTimeSpellingsAndIntegralAxes() {
    ParseResult a = LandingParser.parse(Zone.ACCELEROMETER, "{\"user\":\"a@b.com\",\"timeStamp\":1655564444103,\"x\":1,\"y\":-1.5,\"z\":0}");
    ParseResult b = LandingParser.parse(Zone.ACCELEROMETER, "{\"user\":\"a@b.com\",\"timestamp\":1655564444103,\"x\":1.0,\"y\":-1.5,\"z\":0.0}");
    assertThat(a.ok()).isTrue();
    assertThat(a.row()).isEqualTo(b.row());
    assertThat(a.row().get("timestamp")).isEqualTo(1655564444103L);
    assertThat(a.row().get("x")).isEqualTo(1.0);
  }

  @Test
  void unknownFieldsAreIgnored() {
    ParseResult r = LandingParser.parse(Zone.STEP_TRAINER,
        "{\"sensorReadingTime\":1655564444103,\"serialNumber\":\"s-1\",\"distanceFromObject\":218,\"firmware\":{\"v\":[1,2]}}");
    assertThat(r.ok()).isTrue();
    assertThat(r.row().get("distanceFromObject")).isEqualTo(218);
  }

  @Test
  void canonicalJsonRoundTrips() {
    LandingRow row = LandingParser.parse(Zone.CUSTOMER, CUSTOMER).row();
    String json = new String(row.toJson(), StandardCharsets.UTF_8);
    assertThat(LandingParser.parse(Zone.CUSTOMER, json).row()).isEqualTo(row);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "STEP_TRAINER|not json|MALFORMED_JSON|",
      "STEP_TRAINER|[1,2]|MALFORMED_JSON|",
      "STEP_TRAINER|''|MALFORMED_JSON|",
      "STEP_TRAINER|{\"sensorReadingTime\":1,\"serialNumber\":\"s\",\"distanceFromObject\":1} extra|MALFORMED_JSON|",
      "STEP_TRAINER|{\"sensorReadingTime\":1,\"sensorReadingTime\":2,\"serialNumber\":\"s\",\"distanceFromObject\":1}|MALFORMED_JSON|",
      "STEP_TRAINER|{\"sensorReadingTime\":1,\"serialNumber\":\"s\"|MALFORMED_JSON|",
      "STEP_TRAINER|{\"serialNumber\":\"s\",\"distanceFromObject\":1}|MISSING_FIELD|sensorReadingTime",
      "STEP_TRAINER|{\"sensorReadingTime\":1,\"serialNumber\":null,\"distanceFromObject\":1}|MISSING_FIELD|serialNumber",
      "STEP_TRAINER|{\"sensorReadingTime\":1,\"serialNumber\":\" \",\"distanceFromObject\":1}|MISSING_FIELD|serialNumber",
      "STEP_TRAINER|{\"sensorReadingTime\":\"1\",\"serialNumber\":\"s\",\"distanceFromObject\":1}|WRONG_TYPE|sensorReadingTime",
      "STEP_TRAINER|{\"sensorReadingTime\":1.5,\"serialNumber\":\"s\",\"distanceFromObject\":1}|WRONG_TYPE|sensorReadingTime",
      "STEP_TRAINER|{\"sensorReadingTime\":1,\"serialNumber\":7,\"distanceFromObject\":1}|WRONG_TYPE|serialNumber",
      "STEP_TRAINER|{\"sensorReadingTime\":1,\"serialNumber\":\"s\",\"distanceFromObject\":[1]}|WRONG_TYPE|distanceFromObject",
      "STEP_TRAINER|{\"sensorReadingTime\":-5,\"serialNumber\":\"s\",\"distanceFromObject\":1}|IMPOSSIBLE_VALUE|sensorReadingTime",
      "STEP_TRAINER|{\"sensorReadingTime\":99999999999999999999,\"serialNumber\":\"s\",\"distanceFromObject\":1}|IMPOSSIBLE_VALUE|sensorReadingTime",
      "STEP_TRAINER|{\"sensorReadingTime\":1,\"serialNumber\":\"s\",\"distanceFromObject\":-1}|IMPOSSIBLE_VALUE|distanceFromObject",
      "STEP_TRAINER|{\"sensorReadingTime\":1,\"serialNumber\":\"s\",\"distanceFromObject\":4294967296}|IMPOSSIBLE_VALUE|distanceFromObject",
      "ACCELEROMETER|{\"user\":\"a@b.com\",\"timestamp\":1,\"x\":1e308,\"y\":0,\"z\":0}|IMPOSSIBLE_VALUE|x",
      "ACCELEROMETER|{\"user\":\"nobody\",\"timestamp\":1,\"x\":1,\"y\":0,\"z\":0}|IMPOSSIBLE_VALUE|user",
      "ACCELEROMETER|{\"user\":\"a@b.com\",\"timestamp\":1,\"timeStamp\":2,\"x\":1,\"y\":0,\"z\":0}|IMPOSSIBLE_VALUE|timeStamp",
      "ACCELEROMETER|{\"user\":\"a@b.com\",\"x\":1,\"y\":0,\"z\":0}|MISSING_FIELD|timestamp",
      "ACCELEROMETER|{\"user\":\"a@b.com\",\"timestamp\":1,\"x\":true,\"y\":0,\"z\":0}|WRONG_TYPE|x",
      "CUSTOMER|{\"customerName\":\"n\",\"serialNumber\":\"s\",\"registrationDate\":1}|MISSING_FIELD|email",
      "CUSTOMER|{\"customerName\":\"Broken \\ud800 Name\",\"email\":\"e@x.com\",\"serialNumber\":\"s\",\"registrationDate\":1}|IMPOSSIBLE_VALUE|customerName",
      "CUSTOMER|{\"email\":\"e@x.com\",\"serialNumber\":\"s\",\"registrationDate\":1,\"shareWithResearchAsOfDate\":\"yes\"}|WRONG_TYPE|shareWithResearchAsOfDate",
  })
  void rejectsWithAPreciseReason(Zone zone, String text, ErrorCode code, String field) {
    ParseResult r = LandingParser.parse(zone, text);
    assertThat(r.ok()).isFalse();
    assertThat(r.rejection().code()).isEqualTo(code);
    assertThat(r.rejection().field()).isEqualTo(field);
    assertThat(r.rejection().message()).isNotBlank();
    if (field != null) {
      assertThat(r.rejection().message()).contains(field.equals("timestamp") ? "timestamp" : field);
    }
  }

  @Test
  void theWalsBinaryFormOfARowReadsBackEqualAndRejectsWhatIsNotARowOfItsZone() {
    String[][] samples = {
        {"CUSTOMER", "{\"customerName\":\"Ünïcode Name\",\"email\":\"a@b.com\",\"serialNumber\":\"s-1\","
            + "\"registrationDate\":1655564444103,\"shareWithResearchAsOfDate\":1655564444104}"},
        {"ACCELEROMETER", "{\"user\":\"a@b.com\",\"timestamp\":1655564444103,\"x\":-1.5,\"y\":0,\"z\":9.81}"},
        {"STEP_TRAINER", "{\"sensorReadingTime\":1655564444103,\"serialNumber\":\"s-1\",\"distanceFromObject\":218}"}};
    for (String[] sample : samples) {
      Zone zone = Zone.fromCli(sample[0]);
      LandingRow row = LandingParser.parse(zone, sample[1]).row();
      byte[] bin = row.toBinary();
      assertThat(LandingRow.fromBinary(zone, bin)).isEqualTo(row);
      assertThat(LandingRow.fromBinary(zone, bin).toBinary()).isEqualTo(bin);
      org.assertj.core.api.Assertions.assertThatThrownBy(
          () -> LandingRow.fromBinary(zone, java.util.Arrays.copyOf(bin, bin.length - 1)))
          .isInstanceOf(IllegalArgumentException.class);
      Zone other = zone == Zone.STEP_TRAINER ? Zone.ACCELEROMETER : Zone.STEP_TRAINER;
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> LandingRow.fromBinary(other, bin))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
