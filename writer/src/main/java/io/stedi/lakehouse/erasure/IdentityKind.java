package io.stedi.lakehouse.erasure;

import java.util.Locale;

/** What a forget request names: a customer's email address or a Step Trainer's serial number. */
public enum IdentityKind {
  EMAIL,
  SERIAL;

  /** The label stored in {@code stedi.erasure_receipts.identity_kind}: email or serial. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a stored label. */
  public static IdentityKind fromLabel(String label) {
    return valueOf(label.trim().toUpperCase(Locale.ROOT));
  }

  /**
   * The form an identity is compared and hashed in: trimmed and lower-cased, because emails and serial
   * numbers arrive in any case ({@code Frank.Doshi@test.com} and {@code frank.doshi@test.com} are one customer).
   */
  public static String normalize(String value) {
    return value == null ? null : value.strip().toLowerCase(Locale.ROOT);
  }
}
