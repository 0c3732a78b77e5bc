package io.stedi.lakehouse.parse;

/** Either a validated row or the reason it was rejected; exactly one is non-null. */
public record ParseResult(LandingRow row, Rejection rejection) {
  static ParseResult ok(LandingRow row) {
    return new ParseResult(row, null);
  }

  static ParseResult rejected(Rejection r) {
    return new ParseResult(null, r);
  }

  public boolean ok() {
    return row != null;
  }
}
