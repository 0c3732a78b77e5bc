package io.stedi.lakehouse.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Identities in quarantined free text: escapes decoded, case and whitespace normalised, cut-off tails. */
class QuarantineTextTest {
  private static final List<String> CAROL = List.of("carol.crane@test.com", "carol-st-0001");

  @Test
  void jsonEscapesAreDecodedBeforeTheSearch() {
    assertThat(QuarantineText.mentions("{\"user\":\"Carol.Crane\\u0040Test.com\"", CAROL)).isTrue();
    assertThat(QuarantineText.mentions("{\"serial\":\"carol\\u002dst\\u002d0001\"}", CAROL)).isTrue();
    assertThat(QuarantineText.mentions("{\"user\":\"carol.crane\\/x\"}", CAROL)).isFalse();
  }

  @Test
  void aTextCutInsideAnIdentityStillMentionsIt() {
    assertThat(QuarantineText.mentions("{\"note\":\"...\",\"user\":\"Carol.Cr", CAROL)).isTrue();
    assertThat(QuarantineText.mentions("{\"user\":\"carol", CAROL)).as("five characters are too few").isFalse();
    assertThat(QuarantineText.mentions("{\"user\":\"dave.dune@test.com\"}", CAROL)).isFalse();
  }

  @Test
  void brokenEscapesAndNullsAreHarmless() {
    assertThat(QuarantineText.decoded("a\\u00zz\\q\\")).isEqualTo("a\\u00zz\\q\\");
    assertThat(QuarantineText.mentions(null, CAROL)).isFalse();
    assertThat(QuarantineText.candidates(null)).isEmpty();
  }

  @Test
  void candidatesAreTheNormalisedIdentityShapedStrings() {
    assertThat(QuarantineText.candidates("{\"user\":\" Carol.Crane\\u0040TEST.com \",\"serialNumber\":\"Carol-ST-0001\","
        + "\"x\":\"oops"))
        .contains("carol.crane@test.com", "carol-st-0001").doesNotContain("x", "");
  }
}
