package io.stedi.lakehouse.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import io.stedi.lakehouse.table.Zone;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * One parser over many lines answers every line exactly as a parser of that line alone does, whatever the lines
 * hold (QuickTheories; reproduce a failure with -DQT_SEED=...).
 */
class JsonLinesTest {

  @Test
  void everyLineGetsTheResultOfParsingItAlone() {
    Gen<String> line = integers().between(0, 9).zip(integers().between(0, 2_000_000), strings().allPossible()
        .ofLengthBetween(0, 3), JsonLinesTest::line);
    qt().withExamples(1500).forAll(lists().of(line).ofSizeBetween(1, 30), integers().between(0, 1))
        .checkAssert((lines, crlf) -> assertSameAsAlone(String.join(crlf == 1 ? "\r\n" : "\n", lines)));
  }

  @Test
  void theEdgesItFallsBackOn() {
    String valid = "{\"sensorReadingTime\":1700000000000,\"serialNumber\":\"st-1\",\"distanceFromObject\":12}";
    // the shared parser answers the five valid lines; the six others are parsed alone
    assertThat(assertSameAsAlone(String.join("\n", valid, valid + valid, "", valid + " x", "{\"sensorReadingTime\":1,",
        "\"serialNumber\":\"a\",\"distanceFromObject\":1}", "  " + valid + "  ", "[]", "\t", valid, "{}", valid,
        valid))).isEqualTo(6);
    // names the shared parser leaves to Jackson's check: inside an unknown field's object, and past sixteen
    String many = valid.replace("{", "{" + "\"u0\":0,\"u1\":1,\"u2\":2,\"u3\":3,\"u4\":4,\"u5\":5,\"u6\":6,"
        + "\"u7\":7,\"u8\":8,\"u9\":9,\"u10\":10,\"u11\":11,\"u12\":12,\"u13\":13,\"u14\":14,");
    assertThat(assertSameAsAlone(String.join("\n", valid.replace("}", ",\"extra\":{\"a\":1,\"a\":2}}"),
        valid.replace("}", ",\"extra\":{\"a\":1,\"b\":2}}"), many, many.replace("\"u14\":14,", "\"u1\":14,"),
        valid.replace("}", ",\"serialNumber\":\"st-2\"}"), valid))).isEqualTo(5);
    // a byte-order mark before the first object, and a last line without a newline
    assertThat(assertSameAsAlone("\uFEFF" + valid + "\n" + valid + "\r\n" + valid)).isZero();
  }

  /** A line of one of ten shapes: valid, truncated, doubled, with junk after, split, blank, invalid values... */
  private static String line(int shape, int n, String junk) {
    String valid = "{\"sensorReadingTime\":" + (1_700_000_000_000L + n) + ",\"serialNumber\":\"st-" + (n % 7)
        + "\",\"distanceFromObject\":" + (n % 400) + "}";
    int cut = n % valid.length();
    switch (shape) {
      case 0:
      case 1:
        return valid;
      case 2:
        return valid.substring(0, cut);
      case 3:
        return valid + valid;
      case 4:
        return valid + junk;
      case 5:
        return valid.substring(0, cut) + "\n" + valid.substring(cut); // one object over two lines
      case 6:
        return junk.isEmpty() ? "   " : junk.replace('\n', ' ');
      case 7:
        return valid.replace("\"st-", "\"st-\\u" + "d800"); // a lone surrogate: impossible value
      case 8:
        return valid.replace("}", ",\"distanceFromObject\":3}"); // a duplicate key
      default:
        return valid.substring(0, cut) + junk + valid.substring(cut);
    }
  }

  /**
   * Walks the lines as the bulk loader does and compares each answer with the line parsed alone; returns how many
   * lines the shared parser left to be parsed alone.
   */
  private static int assertSameAsAlone(String text) {
    byte[] d = text.getBytes(StandardCharsets.UTF_8);
    List<ParseResult> shared = new ArrayList<>();
    List<ParseResult> alone = new ArrayList<>();
    int parsedAlone;
    try (JsonLines lines = new JsonLines(Zone.STEP_TRAINER, d, d.length)) {
      int pos = 0;
      while (pos < d.length) {
        int end = pos;
        while (end < d.length && d[end] != '\n') {
          end++;
        }
        int stop = end > pos && d[end - 1] == '\r' ? end - 1 : end;
        if (!blank(d, pos, stop)) {
          shared.add(lines.parse(pos, stop, end + 1));
          alone.add(LandingParser.parse(Zone.STEP_TRAINER, d, pos, stop - pos));
        }
        pos = end + 1;
      }
      parsedAlone = lines.parsedAlone();
    }
    assertThat(shared).as(text).isEqualTo(alone);
    return parsedAlone;
  }

  private static boolean blank(byte[] d, int from, int to) {
    for (int i = from; i < to; i++) {
      if (d[i] != ' ' && d[i] != '\t' && d[i] != '\r') {
        return false;
      }
    }
    return true;
  }
}
