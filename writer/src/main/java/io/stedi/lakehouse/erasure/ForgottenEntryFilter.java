package io.stedi.lakehouse.erasure;

import io.stedi.lakehouse.commit.EntryFilter;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.table.Zone;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@link ForgottenIdentities#walFilter()}: what a forgotten identity's waiting entries look like. */
final class ForgottenEntryFilter implements EntryFilter {
  private static final Pattern DEVICE = Pattern.compile("^device (\\S+)");

  private final ForgottenIdentities forgotten;

  ForgottenEntryFilter(ForgottenIdentities forgotten) {
    this.forgotten = forgotten;
  }

  @Override
  public boolean dropLanding(LandingRow row) {
    if (forgotten.size() == 0) {
      return false;
    }
    // a record is its owner's (the zone descriptor's owner column): a customer record that also names a
    // device serial is the customer's, so re-registering the email lets it through again
    Zone z = row.zone();
    return forgotten.isForgotten(z.ownerKind(), (String) row.get(z.ownerColumn()));
  }

  /**
   * Quarantined text is free-form (cut, malformed, JSON escapes): every identity-shaped string of its decoded form
   * ({@link QuarantineText#candidates}) is looked up as an email and as a serial.
   */
  @Override
  public boolean dropQuarantine(String zone, String origin, String message, String payload) {
    if (forgotten.size() == 0) {
      return false;
    }
    if (origin != null) {
      Matcher d = DEVICE.matcher(origin);
      if (d.find() && forgotten.isForgotten(IdentityKind.SERIAL, d.group(1))) {
        return true;
      }
    }
    for (String text : new String[] {origin, message, payload}) {
      for (String c : QuarantineText.candidates(text)) {
        if (forgotten.isForgotten(c.indexOf('@') > 0 ? IdentityKind.EMAIL : IdentityKind.SERIAL, c)) {
          return true;
        }
      }
    }
    return false;
  }
}
