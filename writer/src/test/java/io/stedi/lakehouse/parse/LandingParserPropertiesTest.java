package io.stedi.lakehouse.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.table.Zone;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Property tests (QuickTheories; reproduce a failure with -DQT_SEED=...): the parser never throws, whatever it
 * is given; it either returns a row or a rejection with a bad-input reason.
 */
class LandingParserPropertiesTest {

  private static void assertTotal(ParseResult r) {
    assertThat(r.ok() ^ (r.rejection() != null)).isTrue();
    if (!r.ok()) {
      assertThat(r.rejection().code().kind()).isEqualTo(ErrorCode.Kind.BAD_INPUT);
      assertThat(r.rejection().message()).isNotBlank();
    }
  }

  @Test
  void arbitraryTextNeverThrows() {
    qt().withExamples(3000).forAll(arbitrary().pick(Zone.values()), strings().allPossible().ofLengthBetween(0, 200))
        .checkAssert((zone, text) -> assertTotal(LandingParser.parse(zone, text)));
  }

  @Test
  void arbitraryBytesNeverThrow() {
    Gen<byte[]> bytes = lists().of(integers().between(-128, 127)).ofSizeBetween(0, 300).map(l -> {
      byte[] b = new byte[l.size()];
      for (int i = 0; i < b.length; i++) {
        b[i] = l.get(i).byteValue();
      }
      return b;
    });
    qt().withExamples(3000).forAll(arbitrary().pick(Zone.values()), bytes)
        .checkAssert((zone, b) -> assertTotal(LandingParser.parse(zone, b, 0, b.length)));
  }

  @Test
  void mutatedValidReadingsNeverThrowAndAcceptedOnesRoundTrip() {
    Gen<String> valid = longs().between(0, LandingParser.MAX_EPOCH_MS)
        .zip(strings().allPossible().ofLengthBetween(1, 20), integers().between(0, LandingParser.MAX_DISTANCE),
            (t, s, d) -> "{\"sensorReadingTime\":" + t + ",\"serialNumber\":" + quote(s) + ",\"distanceFromObject\":" + d + "}");
    Gen<String> junk = strings().allPossible().ofLengthBetween(0, 4);
    qt().withExamples(5000).forAll(valid, integers().between(0, 200), integers().between(0, 5), junk)
        .checkAssert((v, pos, op, j) -> {
          ParseResult r = LandingParser.parse(Zone.STEP_TRAINER, mutate(v, pos, op, j));
          assertTotal(r);
          if (r.ok()) {
            // what is accepted survives the write-ahead log's canonical round trip unchanged
            String canonical = new String(r.row().toJson(), StandardCharsets.UTF_8);
            assertThat(LandingParser.parse(Zone.STEP_TRAINER, canonical).row()).isEqualTo(r.row());
          }
        });
  }

  @Test
  void validAccelerometerReadingsAreAccepted() {
    Gen<Double> axis = doubles().between(-LandingParser.MAX_ACCEL, LandingParser.MAX_ACCEL);
    Gen<String> user = strings().basicLatinAlphabet().ofLengthBetween(1, 10).map(s -> s.replaceAll("[^A-Za-z0-9]", "a") + "x");
    qt().withExamples(2000).forAll(user, longs().between(0, LandingParser.MAX_EPOCH_MS), axis.zip(axis, axis, List::of),
        arbitrary().pick("timestamp", "timeStamp"))
        .checkAssert((u, t, xyz, name) -> {
          String text = "{\"user\":\"" + u + "@test.com\",\"" + name + "\":" + t + ",\"x\":" + xyz.get(0) + ",\"y\":"
              + xyz.get(1) + ",\"z\":" + xyz.get(2) + "}";
          ParseResult r = LandingParser.parse(Zone.ACCELEROMETER, text);
          assertThat(r.ok()).as(text).isTrue();
          assertThat(r.row().get("timestamp")).isEqualTo(t);
          assertThat(r.row().get("x")).isEqualTo(xyz.get(0));
        });
  }

  private static String mutate(String v, int pos, int op, String junk) {
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
