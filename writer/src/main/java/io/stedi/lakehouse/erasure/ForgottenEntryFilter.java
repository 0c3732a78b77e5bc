package io.stedi.lakehouse.erasure;

import io.stedi.lakehouse.commit.EntryFilter;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.table.Zone;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@link ForgottenIdentities#walFilter()}: what a forgotten identity's waiting entries look like. */
final class ForgottenEntryFilter implements EntryFilter {
  private static final Pattern EMAIL = Pattern.compile("[^\\s\"'<>,;:()\\[\\]{}\\\\]+@[^\\s\"'<>,;:()\\[\\]{}\\\\]+");
  private static final Pattern SERIAL_FIELD = Pattern.compile("\"serialNumber\"\\s*:\\s*\"([^\"\\\\]{1,200})\"");
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

  /** Quarantined text is free-form: look for email-like words, serialNumber fields and a device origin. */
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
      if (text == null) {
        continue;
      }
      Matcher m = EMAIL.matcher(text);
      while (m.find()) {
        if (forgotten.isForgotten(IdentityKind.EMAIL, m.group())) {
          return true;
        }
      }
      Matcher s = SERIAL_FIELD.matcher(text);
      while (s.find()) {
        if (forgotten.isForgotten(IdentityKind.SERIAL, s.group(1))) {
          return true;
        }
      }
    }
    return false;
  }
}
