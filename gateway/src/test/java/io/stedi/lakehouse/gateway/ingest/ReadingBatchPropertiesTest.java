package io.stedi.lakehouse.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.parse.LandingParser;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.ParseResult;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Zone;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.generators.Generate;
import org.quicktheories.impl.Constraint;

/**
 * Property tests of {@link ReadingBatch#parse} (QuickTheories; reproduce a failure with -DQT_SEED=...): whatever
 * the payload, it never throws; a batch is all rows or problems and no rows; problem indexes lie within the batch;
 * and for well-formed arrays the per-reading verdicts are exactly those of the landing parser.
 *
 * <p>The hostile-payload generators are public: {@code HostilePayloadsIT} sends the same payloads over the wire.
 */
public class ReadingBatchPropertiesTest {
  private static final String OWN_SERIAL = "st-1";
  private static final String OWN_EMAIL = "a@test.com";

  // ============================================================ properties

  @Test
  void hostilePayloadsNeverThrowAndKeepTheBatchInvariants() {
    qt().withExamples(4000).forAll(Generate.pick(Zone.values()).flatMap(z -> hostile(z, 20).map(p -> new Case(z, p))),
        booleans().all(), booleans().all(), integers().between(1, 20))
        .checkAssert((c, allowObject, allowArray, max) -> {
          Function<LandingRow, Rejection> identity = identity(c.zone());
          ReadingBatch b = ReadingBatch.parse(c.zone(), c.payload().bytes(), allowObject, allowArray, max, identity);
          assertInvariants(b, c.zone(), max, identity);
          if (b.ok() && !allowArray) {
            assertThat(b.rows()).hasSize(1);
          }
          if (b.ok() && !allowObject) {
            assertThat(b.array()).isTrue();
          }
          // deterministic: the same bytes give the same verdict
          ReadingBatch again = ReadingBatch.parse(c.zone(), c.payload().bytes(), allowObject, allowArray, max, identity);
          assertThat(again.problems()).isEqualTo(b.problems());
          assertThat(again.rows()).isEqualTo(b.rows());
        });
  }

  @Test
  void randomBytesNeverThrow() {
    qt().withExamples(3000).forAll(Generate.pick(Zone.values()), randomBytes(0, 600), integers().between(1, 1000))
        .checkAssert((zone, bytes, max) -> assertInvariants(
            ReadingBatch.parse(zone, bytes, true, true, max, identity(zone)), zone, max, identity(zone)));
  }

  @Test
  void wellFormedArraysGetExactlyTheLandingParsersVerdictPerReading() {
    Gen<List<String>> elements = Generate.pick(Zone.values()).flatMap(z ->
        integers().between(0, 12).flatMap(n -> listOf(element(z, 30, true), n)).map(l -> {
          List<String> tagged = new ArrayList<>(l);
          tagged.add(0, z.cliName());
          return tagged;
        }));
    qt().withExamples(3000).forAll(elements, integers().between(1, 12)).checkAssert((tagged, max) -> {
      Zone zone = Zone.fromCli(tagged.get(0));
      List<String> items = tagged.subList(1, tagged.size());
      byte[] payload = ("[" + String.join(",", items) + "]").getBytes(StandardCharsets.UTF_8);
      Function<LandingRow, Rejection> identity = identity(zone);
      ReadingBatch b = ReadingBatch.parse(zone, payload, false, true, max, identity);
      assertInvariants(b, zone, max, identity);
      if (items.isEmpty()) {
        assertWhole(b, ErrorCode.BAD_REQUEST);
        return;
      }
      if (items.size() > max) {
        assertWhole(b, ErrorCode.PAYLOAD_TOO_LARGE);
        return;
      }
      List<LandingRow> expectedRows = new ArrayList<>();
      List<ReadingBatch.Problem> expectedProblems = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        String item = items.get(i);
        if (!item.startsWith("{")) {
          expectedProblems.add(new ReadingBatch.Problem(i, new Rejection(ErrorCode.WRONG_TYPE, null,
              "reading " + i + " is not a JSON object")));
          continue;
        }
        byte[] itemBytes = item.getBytes(StandardCharsets.UTF_8);
        ParseResult r = LandingParser.parse(zone, itemBytes, 0, itemBytes.length);
        Rejection verdict = r.ok() ? identity.apply(r.row()) : r.rejection();
        if (verdict == null) {
          expectedRows.add(r.row());
        } else {
          expectedProblems.add(new ReadingBatch.Problem(i, verdict));
        }
      }
      assertThat(b.problems()).as("payload %s", new String(payload, StandardCharsets.UTF_8)).isEqualTo(expectedProblems);
      assertThat(b.rows()).isEqualTo(expectedProblems.isEmpty() ? expectedRows : List.of());
      assertThat(b.array()).isTrue();
    });
  }

  @Test
  void singleObjectsGetTheLandingParsersVerdict() {
    qt().withExamples(2000).forAll(Generate.pick(Zone.values()).flatMap(z -> element(z, 30, true).map(e -> z.cliName() + "\n" + e)))
        .checkAssert(tagged -> {
          Zone zone = Zone.fromCli(tagged.substring(0, tagged.indexOf('\n')));
          String item = tagged.substring(tagged.indexOf('\n') + 1);
          byte[] bytes = item.getBytes(StandardCharsets.UTF_8);
          ReadingBatch b = ReadingBatch.parse(zone, bytes, true, false, 1, identity(zone));
          assertInvariants(b, zone, 1, identity(zone));
          ParseResult r = LandingParser.parse(zone, bytes, 0, bytes.length);
          if (!item.startsWith("{")) {
            assertWhole(b, ErrorCode.MALFORMED_JSON);
          } else if (!r.ok()) {
            assertThat(b.problems()).containsExactly(new ReadingBatch.Problem(0, r.rejection()));
          } else if (identity(zone).apply(r.row()) != null) {
            assertThat(b.forbidden()).isTrue();
            assertThat(b.problems()).hasSize(1);
          } else {
            assertThat(b.rows()).containsExactly(r.row());
            assertThat(b.array()).isFalse();
          }
        });
  }

  @Test
  void repeatedNamesAreMalformedAtAnyDepthAndInAnyReading() {
    // the first parse checks names itself (no hash set per object); the strict parse must still decide these
    String ok = "{\"sensorReadingTime\":1700000000000,\"serialNumber\":\"st-1\",\"distanceFromObject\":12}";
    for (String bad : List.of(ok.replace("}", ",\"extra\":{\"a\":1,\"a\":2}}"),
        ok.replace("}", ",\"distanceFromObject\":13}"), ok.replace("}", ",\"extra\":[{\"b\":1,\"b\":1}]}"))) {
      ReadingBatch b = ReadingBatch.parse(Zone.STEP_TRAINER, ("[" + ok + "," + bad + "]").getBytes(StandardCharsets.UTF_8),
          true, true, 10, r -> null);
      assertThat(b.ok()).as(bad).isFalse();
      assertThat(b.firstRejection().code()).as(bad).isEqualTo(ErrorCode.MALFORMED_JSON);
      assertThat(b.firstRejection().message()).as(bad).contains("Duplicate field");
    }
    String nested = ok.replace("}", ",\"extra\":{\"a\":1,\"b\":{\"a\":2}}}");
    ReadingBatch b = ReadingBatch.parse(Zone.STEP_TRAINER, ("[" + ok + "," + nested + "]").getBytes(StandardCharsets.UTF_8),
        true, true, 10, r -> null);
    assertThat(b.ok()).isTrue();
    assertThat(b.rows()).hasSize(2);
  }

  @Test
  void aTruncatedBatchIsRejectedWhole() {
    Gen<String> validBatch = Generate.pick(Zone.values()).flatMap(z -> integers().between(1, 6)
        .flatMap(n -> listOf(valid(z, true), n)).map(l -> z.cliName() + "\n[" + String.join(",", l) + "]"));
    qt().withExamples(1500).forAll(validBatch, integers().between(0, 10_000)).checkAssert((tagged, cut) -> {
      Zone zone = Zone.fromCli(tagged.substring(0, tagged.indexOf('\n')));
      byte[] full = tagged.substring(tagged.indexOf('\n') + 1).getBytes(StandardCharsets.UTF_8);
      ReadingBatch whole = ReadingBatch.parse(zone, full, false, true, 10, identity(zone));
      assertThat(whole.ok()).as(new String(full, StandardCharsets.UTF_8)).isTrue();
      int len = cut % full.length; // a strict prefix: what arrives when the connection is cut mid-body
      byte[] prefix = java.util.Arrays.copyOf(full, len);
      ReadingBatch b = ReadingBatch.parse(zone, prefix, false, true, 10, identity(zone));
      assertInvariants(b, zone, 10, identity(zone));
      assertWhole(b, ErrorCode.MALFORMED_JSON);
    });
  }

  @Test
  void deepNestingIsRejectedNotThrown() {
    qt().withExamples(300).forAll(integers().between(1, 50_000), integers().between(0, 3), booleans().all())
        .checkAssert((depth, kind, closed) -> {
          String open = kind == 0 ? "[" : kind == 1 ? "{\"a\":" : kind == 2 ? "[{\"x\":" : "{\"user\":[";
          String close = kind == 0 ? "]" : kind == 1 ? "}" : kind == 2 ? "}]" : "]}";
          StringBuilder b = new StringBuilder(depth * 6);
          b.append(open.repeat(depth)).append("1");
          if (closed) {
            b.append(close.repeat(depth));
          }
          for (Zone zone : Zone.values()) {
            ReadingBatch r = ReadingBatch.parse(zone, b.toString().getBytes(StandardCharsets.UTF_8), true, true, 1000,
                identity(zone));
            assertInvariants(r, zone, 1000, identity(zone));
            assertThat(r.ok()).isFalse();
          }
        });
  }

  // ============================================================ invariants

  private static void assertInvariants(ReadingBatch b, Zone zone, int max, Function<LandingRow, Rejection> identity) {
    assertThat(b.ok()).isEqualTo(b.problems().isEmpty());
    if (b.ok()) {
      assertThat(b.rows()).as("an accepted batch has rows").isNotEmpty().hasSizeLessThanOrEqualTo(max);
      for (LandingRow row : b.rows()) {
        assertThat(row.zone()).isEqualTo(zone);
        assertThat(identity.apply(row)).as("an accepted row belongs to the sender").isNull();
      }
      return;
    }
    assertThat(b.rows()).as("a rejected batch has no rows: nothing of it may be written").isEmpty();
    assertThat(b.firstRejection()).isEqualTo(b.problems().get(0).rejection());
    boolean whole = b.problems().stream().anyMatch(p -> p.index() < 0);
    if (whole) {
      assertThat(b.problems()).as("a problem of the whole payload stands alone").hasSize(1);
      assertThat(b.problems().get(0).index()).isEqualTo(-1);
    }
    int last = -1;
    for (ReadingBatch.Problem p : b.problems()) {
      Rejection r = p.rejection();
      assertThat(r).isNotNull();
      assertThat(r.code().kind()).as("%s", r).isEqualTo(ErrorCode.Kind.BAD_INPUT);
      assertThat(r.message()).isNotBlank();
      if (p.index() >= 0) {
        assertThat(p.index()).as("problem indexes increase and lie within the batch").isGreaterThan(last)
            .isLessThan(max);
        last = p.index();
      }
    }
    assertThat(b.forbidden()).isEqualTo(b.problems().stream().anyMatch(p -> p.rejection().code() == ErrorCode.FORBIDDEN));
  }

  private static void assertWhole(ReadingBatch b, ErrorCode code) {
    assertThat(b.ok()).isFalse();
    assertThat(b.problems()).hasSize(1);
    assertThat(b.problems().get(0).index()).isEqualTo(-1);
    assertThat(b.firstRejection().code()).isEqualTo(code);
  }

  /** The identity check the gateway applies: the reading's serial / user / email must be the sender's. */
  public static Function<LandingRow, Rejection> identity(Zone zone) {
    String field = zone == Zone.STEP_TRAINER ? "serialNumber" : zone == Zone.ACCELEROMETER ? "user" : "email";
    String own = zone == Zone.STEP_TRAINER ? OWN_SERIAL : OWN_EMAIL;
    return row -> own.equalsIgnoreCase(String.valueOf(row.get(field))) ? null
        : new Rejection(ErrorCode.FORBIDDEN, field, "not the sender's: " + row.get(field));
  }

  // ============================================================ generators (also used by HostilePayloadsIT)

  /** A payload and how it was made (shown when a property fails). */
  public record Payload(String kind, byte[] bytes) {
    @Override
    public String toString() {
      String s = new String(bytes, StandardCharsets.UTF_8);
      return kind + " (" + bytes.length + " bytes): " + (s.length() > 300 ? s.substring(0, 300) + "…" : s);
    }
  }

  record Case(Zone zone, Payload payload) {}

  /**
   * Hostile payloads for a zone: random bytes, random text, deep nesting, huge numbers, wrong types, mixed
   * valid and invalid arrays, unicode, broken syntax, and some entirely valid batches. Owners of readings are
   * the sender ({@code st-1}, {@code a@test.com}) or someone else.
   */
  public static Gen<Payload> hostile(Zone zone, int maxBatch) {
    Gen<Payload> bytes = randomBytes(0, 400).map(b -> new Payload("random bytes", b));
    Gen<Payload> text = codePointStrings(0, 200).map(s -> utf8("random text", s));
    Gen<Payload> validBatch = integers().between(1, Math.min(8, maxBatch)).flatMap(n -> listOf(valid(zone, true), n))
        .map(l -> utf8("valid batch", "[" + String.join(",", l) + "]"));
    Gen<Payload> validSingle = valid(zone, true).map(s -> utf8("valid single reading", s));
    Gen<Payload> single = element(zone, 60, false).map(s -> utf8("single element", s));
    Gen<Payload> mixed = integers().between(0, 12).flatMap(n -> listOf(element(zone, 60, false), n))
        .map(l -> utf8("mixed array", "[" + String.join(",", l) + "]"));
    Gen<Payload> nested = in -> {
      int depth = (int) in.next(Constraint.between(1, 3000));
      String inner = pick(in, "1", "{}", "[]", valid(zone, false).generate(in), "\"x\"");
      String[][] wraps = {{"[", "]"}, {"{\"a\":", "}"}, {"[{\"deep\":", "}]"}};
      String[] w = wraps[(int) in.next(Constraint.between(0, wraps.length - 1))];
      boolean balanced = in.next(Constraint.between(0, 3)) > 0;
      String s = w[0].repeat(depth) + inner + (balanced ? w[1].repeat(depth) : w[1].repeat(depth / 2));
      return utf8("deep nesting " + depth + (balanced ? "" : " unbalanced"), s);
    };
    Gen<Payload> syntax = in -> {
      String v = "[" + valid(zone, true).generate(in) + "," + valid(zone, false).generate(in) + "]";
      int pos = (int) in.next(Constraint.between(0, v.length()));
      switch ((int) in.next(Constraint.between(0, 9))) {
        case 0:
          return utf8("truncated", v.substring(0, pos));
        case 1:
          return utf8("junk inserted", v.substring(0, pos) + pick(in, "}", "]", ",", ":", "\"", "\\", "\u0000", "/*x*/",
              "'", "NaN") + v.substring(pos));
        case 2:
          return utf8("char deleted", v.substring(0, Math.min(pos, v.length() - 1)) + v.substring(Math.min(pos + 1, v.length())));
        case 3:
          return utf8("trailing garbage", v + pick(in, "x", "[]", "{}", ",", "\n\n}"));
        case 4:
          return utf8("two values", v + " " + v);
        case 5:
          return utf8("duplicate key", v.replaceFirst("\\{", "{\"" + firstField(zone) + "\":1,"));
        case 6:
          return utf8("trailing comma", v.substring(0, v.length() - 1) + ",]");
        case 7: {
          byte[] b = v.getBytes(StandardCharsets.UTF_8);
          byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          out.writeBytes(bom);
          out.writeBytes(b);
          return new Payload("UTF-8 BOM", out.toByteArray());
        }
        case 8:
          return new Payload("UTF-16", v.getBytes(StandardCharsets.UTF_16));
        default:
          return utf8("single quotes", v.replace('"', '\''));
      }
    };
    Gen<Payload> tiny = Generate.pick(List.of("", " ", "\n", "[]", "{}", "null", "[[]]", "\"\"", "0", "[null]", "[{}]",
        "true", "[1,2,3]", "{\"\":\"\"}", "[{}, {}]", "\uFEFF"))
        .map(s -> utf8("tiny", s));
    Gen<Payload> tooMany = integers().between(maxBatch + 1, maxBatch + 5).map(n -> {
      StringBuilder b = new StringBuilder("[");
      for (int i = 0; i < n; i++) {
        b.append(i == 0 ? "" : ",").append("{}");
      }
      return utf8("more than " + maxBatch + " readings", b.append(']').toString());
    });
    Gen<Payload> invalidBytesInString = valid(zone, true).map(v -> {
      byte[] b = v.getBytes(StandardCharsets.UTF_8);
      // inside the first string value
      int quote = v.substring(0, v.indexOf(":\"") + 2).getBytes(StandardCharsets.UTF_8).length;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(b, 0, quote);
      out.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0xFF});
      out.write(b, quote, b.length - quote);
      return new Payload("invalid UTF-8 inside a string", out.toByteArray());
    });
    return Generate.frequency(List.of(
        org.quicktheories.api.Pair.of(2, bytes),
        org.quicktheories.api.Pair.of(2, text),
        org.quicktheories.api.Pair.of(3, validBatch),
        org.quicktheories.api.Pair.of(2, validSingle),
        org.quicktheories.api.Pair.of(zone == Zone.CUSTOMER ? 8 : 2, single),
        org.quicktheories.api.Pair.of(zone == Zone.CUSTOMER ? 2 : 6, mixed),
        org.quicktheories.api.Pair.of(2, nested),
        org.quicktheories.api.Pair.of(3, syntax),
        org.quicktheories.api.Pair.of(1, tiny),
        org.quicktheories.api.Pair.of(1, tooMany),
        org.quicktheories.api.Pair.of(1, invalidBytesInString)));
  }

  /**
   * A JSON value for an array slot: a valid reading (maybe someone else's), an invalid one, or not an object.
   * With {@code wellFormed} it is always well-formed JSON on its own (no duplicate keys, no over-long numbers),
   * so that its verdict does not depend on where it stands.
   */
  public static Gen<String> element(Zone zone, int maxNesting, boolean wellFormed) {
    Gen<String> notAnObject = in -> hostileValue(in, maxNesting);
    return Generate.frequency(List.of(
        org.quicktheories.api.Pair.of(4, valid(zone, false)),
        org.quicktheories.api.Pair.of(5, invalid(zone, maxNesting, wellFormed)),
        org.quicktheories.api.Pair.of(1, notAnObject)));
  }

  /** A valid reading of the zone, sometimes with unknown fields (which are ignored); unless ownOnly sometimes someone else's. */
  public static Gen<String> valid(Zone zone, boolean ownOnly) {
    return in -> render(fields(zone, in, ownOnly), in, 4);
  }

  /** A reading of the zone with one field broken: missing, wrong type, impossible, huge, null or weird unicode. */
  public static Gen<String> invalid(Zone zone, int maxNesting, boolean wellFormed) {
    return in -> {
      List<String[]> f = fields(zone, in, false);
      int i = (int) in.next(Constraint.between(0, f.size() - 1));
      switch ((int) in.next(Constraint.between(0, wellFormed ? 4 : 5))) {
        case 0:
          f.remove(i);
          break;
        case 1:
          f.get(i)[1] = hostileValue(in, maxNesting);
          break;
        case 2:
          f.get(i)[1] = pick(in, "1e400", "-1e400", "123456789012345678901234567890", "9223372036854775808",
              "-9223372036854775809", "2147483648", "-1", "4102444800001", "1.5", "1E-400", "-0", "0.0",
              "1" + "0".repeat((int) in.next(Constraint.between(20, wellFormed ? 900 : 1200))), "1e99999999");
          break;
        case 3:
          f.get(i)[1] = "null";
          break;
        case 4:
          f.get(i)[1] = jsonString(pick(in, "", " ", "\u0000", "\u202Eevil", "\uD83D\uDE00@test.com", "@test.com",
              "a@" + "x".repeat(400), "ünïcödé@tëst.com", "\uFFFF\uFFFE", "\\u0000"));
          break;
        default:
          f.add(new String[] {f.get(i)[0], f.get(i)[1]}); // the same field twice
          break;
      }
      return render(f, in, maxNesting);
    };
  }

  private static List<String[]> fields(Zone zone, RandomnessSource in, boolean ownOnly) {
    List<String[]> f = new ArrayList<>();
    long t = in.next(Constraint.between(0, LandingParser.MAX_EPOCH_MS));
    switch (zone.cliName()) {
      case "step_trainer":
        f.add(new String[] {"sensorReadingTime", Long.toString(t)});
        f.add(new String[] {"serialNumber", jsonString(ownOnly ? OWN_SERIAL : pick(in, OWN_SERIAL, OWN_SERIAL, "st-2"))});
        f.add(new String[] {"distanceFromObject", Long.toString(in.next(Constraint.between(0, LandingParser.MAX_DISTANCE)))});
        break;
      case "accelerometer":
        f.add(new String[] {"user", jsonString(ownOnly ? OWN_EMAIL : pick(in, OWN_EMAIL, "A@TEST.COM", "b@test.com"))});
        f.add(new String[] {pick(in, "timestamp", "timeStamp"), Long.toString(t)});
        for (String axis : List.of("x", "y", "z")) {
          long milli = in.next(Constraint.between(-1_000_000, 1_000_000));
          f.add(new String[] {axis, in.next(Constraint.between(0, 1)) == 0 ? Long.toString(milli / 1000)
              : Double.toString(milli / 1000.0)});
        }
        break;
      default:
        f.add(new String[] {"customerName", jsonString(pick(in, "Frank Doshi", "Zoë Ñandú", "李小龍", "", "\uD83D\uDE00"))});
        f.add(new String[] {"email", jsonString(ownOnly ? OWN_EMAIL : pick(in, OWN_EMAIL, OWN_EMAIL, "b@test.com"))});
        f.add(new String[] {"phone", jsonString("801555" + in.next(Constraint.between(1000, 9999)))});
        f.add(new String[] {"birthDay", jsonString("1963-01-01")});
        f.add(new String[] {"serialNumber", jsonString("st-" + in.next(Constraint.between(1, 99)))});
        f.add(new String[] {"registrationDate", Long.toString(t)});
        for (String d : List.of("lastUpdateDate", "shareWithResearchAsOfDate", "shareWithPublicAsOfDate",
            "shareWithFriendsAsOfDate")) {
          long choice = in.next(Constraint.between(0, 2));
          if (choice == 0) {
            f.add(new String[] {d, Long.toString(in.next(Constraint.between(0, LandingParser.MAX_EPOCH_MS)))});
          } else if (choice == 1) {
            f.add(new String[] {d, "null"});
          }
        }
        break;
    }
    return f;
  }

  private static String render(List<String[]> fields, RandomnessSource in, int maxNesting) {
    List<String[]> f = new ArrayList<>(fields);
    long unknown = in.next(Constraint.between(0, 2));
    for (int i = 0; i < unknown; i++) {
      int at = (int) in.next(Constraint.between(0, f.size()));
      f.add(at, new String[] {pick(in, "appVersion", "ünknown", "\uD83D\uDE00", "", "deviceId", "nested"),
          hostileValue(in, maxNesting)});
    }
    // unknown fields must not repeat (a duplicate key is malformed JSON, which is another test)
    java.util.Set<String> names = new java.util.HashSet<>();
    StringBuilder b = new StringBuilder("{");
    boolean first = true;
    for (String[] kv : f) {
      boolean known = !List.of("appVersion", "ünknown", "\uD83D\uDE00", "", "deviceId", "nested").contains(kv[0]);
      if (!names.add(kv[0]) && !known) {
        continue;
      }
      b.append(first ? "" : ",").append(jsonString(kv[0])).append(':').append(kv[1]);
      first = false;
    }
    return b.append('}').toString();
  }

  /** A syntactically valid JSON value that is not a reading: scalars, arrays, objects, nested up to maxNesting. */
  static String hostileValue(RandomnessSource in, int maxNesting) {
    switch ((int) in.next(Constraint.between(0, 8))) {
      case 0:
        return pick(in, "null", "true", "false", "0", "-0", "1.5e308", "1e400", "-1e-400", "12345678901234567890123");
      case 1:
        return jsonString(codePointStrings(0, 20).generate(in));
      case 2:
        return "[]";
      case 3:
        return "{}";
      case 4: {
        int depth = (int) in.next(Constraint.between(1, Math.max(1, maxNesting)));
        return "[".repeat(depth) + "1" + "]".repeat(depth);
      }
      case 5: {
        int depth = (int) in.next(Constraint.between(1, Math.max(1, maxNesting)));
        return "{\"k\":".repeat(depth) + "null" + "}".repeat(depth);
      }
      case 6:
        return "\"" + "\\u00e9\\ud83d\\ude00\\u0000\\\"\\\\\\/\\b\\f\\n\\r\\t" + "\"";
      case 7:
        return "\"\\ud800 lone surrogate\"";
      default:
        return "[1,\"two\",{\"three\":[3]},null,true]";
    }
  }

  private static String firstField(Zone zone) {
    return zone == Zone.STEP_TRAINER ? "sensorReadingTime" : zone == Zone.ACCELEROMETER ? "user" : "customerName";
  }

  // ============================================================ small helpers

  static Gen<byte[]> randomBytes(int min, int max) {
    return in -> {
      byte[] b = new byte[(int) in.next(Constraint.between(min, max))];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) in.next(Constraint.between(-128, 127));
      }
      return b;
    };
  }

  /** Strings of arbitrary code points, lone surrogates included. */
  static Gen<String> codePointStrings(int min, int max) {
    return in -> {
      int n = (int) in.next(Constraint.between(min, max));
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < n; i++) {
        long kind = in.next(Constraint.between(0, 3));
        int cp = kind == 0 ? (int) in.next(Constraint.between(0, 0x7F))
            : kind == 1 ? (int) in.next(Constraint.between(0x80, 0xFFFF))
            : (int) in.next(Constraint.between(0x10000, 0x10FFFF));
        b.appendCodePoint(cp);
      }
      return b.toString();
    };
  }

  static <T> Gen<List<T>> listOf(Gen<T> g, int n) {
    return in -> {
      List<T> l = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        l.add(g.generate(in));
      }
      return l;
    };
  }

  private static String pick(RandomnessSource in, String... options) {
    return options[(int) in.next(Constraint.between(0, options.length - 1))];
  }

  private static Payload utf8(String kind, String s) {
    return new Payload(kind, s.getBytes(StandardCharsets.UTF_8));
  }

  /** JSON string literal; control characters, quotes and backslashes escaped, everything else literal. */
  static String jsonString(String s) {
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
