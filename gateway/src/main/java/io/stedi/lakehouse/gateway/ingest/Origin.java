package io.stedi.lakehouse.gateway.ingest;

import io.stedi.lakehouse.erasure.IdentityKind;

/**
 * Who sent a payload, as the protocol authenticated it: a device by its serial, or an app token by the email
 * it is bound to (null for a token bound to no customer, which may send any customer's data).
 *
 * @param kind the kind of identity the sender has
 * @param identity the sender's serial or email (null: not bound to one)
 * @param issuedAt when the sender's credential was issued (app tokens), or null
 * @param description how quarantine rows name the sender ({@code device <serial>}, {@code client <token name>});
 *     never an email, so that quarantine rows about a sender do not add personal data
 */
public record Origin(IdentityKind kind, String identity, String description, java.time.Instant issuedAt) {

  /** A device authenticated as {@code serial} (MQTT login, or the bridge's topic). */
  public static Origin device(String serial) {
    return new Origin(IdentityKind.SERIAL, serial, "device " + serial, null);
  }

  /**
   * An app token named {@code name}, bound to {@code email} (or null), issued at {@code issuedAt} (null if
   * unknown): a forgotten customer comes back only through a registration sent with a token issued after the
   * request, a new consent.
   */
  public static Origin client(String name, String email, java.time.Instant issuedAt) {
    return new Origin(IdentityKind.EMAIL, email, "client " + name, issuedAt);
  }

  /** Whether {@code value} (a record's owner column) is this sender's own identity. */
  boolean owns(String value) {
    if (identity == null) {
      return true;
    }
    // emails arrive in any case (Frank.Doshi@ and frank.doshi@ are one customer); serials are exact
    return kind == IdentityKind.EMAIL ? identity.equalsIgnoreCase(value) : identity.equals(value);
  }
}
