package io.stedi.lakehouse.curation.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Statement splitting for sql sessions and scripts. */
class SqlScriptTest {
  @Test
  void splitsAtSemicolonsOutsideQuotesAndComments() {
    SqlScript.Split s = SqlScript.split("SELECT 1; SELECT ';' AS a, \"x;y\", `we;ird` -- a ; comment\n"
        + "FROM t; /* ; */ SELECT 'it\\'s;'\n;  \n");
    assertThat(s.statements()).containsExactly("SELECT 1", "SELECT ';' AS a, \"x;y\", `we;ird` -- a ; comment\nFROM t",
        "/* ; */ SELECT 'it\\'s;'");
    assertThat(s.incomplete()).isFalse();
  }

  @Test
  void anUnterminatedStatementIsTheRest() {
    SqlScript.Split s = SqlScript.split("SELECT 1;\nSELECT count(*)\nFROM stedi.customer_landing");
    assertThat(s.statements()).containsExactly("SELECT 1");
    assertThat(s.incomplete()).isTrue();
    assertThat(SqlScript.split("SELECT 1; -- done").incomplete()).as("a trailing comment is not a statement").isFalse();
    assertThat(SqlScript.split("SELECT 'open ; quote").incomplete()).isTrue();
    assertThat(SqlScript.split("SELECT 'open ; quote").statements()).isEmpty();
  }
}
