package io.stedi.lakehouse.parse;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.table.Zone;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** The parser never throws: any input is either a valid row or a rejection with a reason. */
class LandingParserPropertiesTest {

  @Property(tries = 2000)
  void arbitraryTextNeverThrows(@ForAll Zone zone, @ForAll String text) {
    ParseResult r = LandingParser.parse(zone, text);
    assertThat(r.ok() ^ (r.rejection() != null)).isTrue();
  }

  @Property(tries = 2000)
  void arbitraryBytesNeverThrow(@ForAll Zone zone, @ForAll @Size(max = 300) byte[] bytes) {
    ParseResult r = LandingParser.parse(zone, bytes, 0, bytes.length);
    assertThat(r.ok() ^ (r.rejection() != null)).isTrue();
  }

  @Property(tries = 3000)
  void mutatedValidRecordsNeverThrow(@ForAll("mutatedStepReadings") String text) {
    ParseResult r = LandingParser.parse(Zone.STEP_TRAINER, text);
    if (r.ok()) {
      // whatever is accepted must survive the write-ahead log's round trip unchanged
      String canonical = new String(r.row().toJson(), StandardCharsets.UTF_8);
      assertThat(LandingParser.parse(Zone.STEP_TRAINER, canonical).row()).isEqualTo(r.row());
    } else {
      assertThat(r.rejection().code().kind()).isEqualTo(io.stedi.lakehouse.error.ErrorCode.Kind.BAD_INPUT);
      assertThat(r.rejection().message()).isNotBlank();
    }
  }

  @Property(tries = 1000)
  void validReadingsAreAccepted(@ForAll("validAccel") String text) {
    assertThat(LandingParser.parse(Zone.ACCELEROMETER, text).ok()).isTrue();
  }

  @Provide
  Arbitrary<String> mutatedStepReadings() {
    Arbitrary<String> valid = Combinators.combine(
        Arbitraries.longs().between(0, LandingParser.MAX_EPOCH_MS),
        Arbitraries.strings().ofMinLength(1).ofMaxLength(20),
        Arbitraries.integers().between(0, LandingParser.MAX_DISTANCE))
        .as((t, s, d) -> "{\"sensorReadingTime\":" + t + ",\"serialNumber\":" + quote(s) + ",\"distanceFromObject\":" + d + "}");
    return Combinators.combine(valid, Arbitraries.integers().between(0, 200), Arbitraries.integers().between(0, 5),
        Arbitraries.strings().ofMaxLength(4)).as((v, pos, op, junk) -> {
          int p = Math.min(pos, v.length());
          switch (op) {
            case 0:
              return v;
            case 1:
              return v.substring(0, p);
            case 2:
              return v.substring(0, p) + junk + v.substring(p);
            case 3:
              return v.substring(0, p) + (p < v.length() ? v.substring(p + 1) : "");
            case 4:
              return v.replace("\"distanceFromObject\":", "\"distanceFromObject\":" + junk);
            default:
              return "[" + v + "]";
          }
        });
  }

  @Provide
  Arbitrary<String> validAccel() {
    Arbitrary<Double> axis = Arbitraries.doubles().between(-LandingParser.MAX_ACCEL, LandingParser.MAX_ACCEL);
    return Combinators.combine(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(10),
        Arbitraries.longs().between(0, LandingParser.MAX_EPOCH_MS), axis, axis, axis, Arbitraries.of("timestamp", "timeStamp"))
        .as((u, t, x, y, z, name) -> "{\"user\":\"" + u + "@test.com\",\"" + name + "\":" + t + ",\"x\":" + x + ",\"y\":" + y
            + ",\"z\":" + z + "}");
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
