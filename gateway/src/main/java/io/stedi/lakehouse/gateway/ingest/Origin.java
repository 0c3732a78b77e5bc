package io.stedi.lakehouse.gateway.ingest;

import io.stedi.lakehouse.erasure.IdentityKind;

/**
 * Who sent a payload, as the protocol authenticated it: a device by its serial, or an app token by the email
 * it is bound to (null for a token bound to no customer, which may send any customer's data).
 *
 * @param kind the kind of identity the sender has
 * @param identity the sender's serial or email (null: not bound to one)
 * @param description how quarantine rows name the sender ({@code device <serial>}, {@code client <token name>});
 *     never an email, so that quarantine rows about a sender do not add personal data
 */
public record Origin(IdentityKind kind, String identity, String description) {

  /** A device authenticated as {@code serial} (MQTT login, or the bridge's topic). */
  public static Origin device(String serial) {
    return new Origin(IdentityKind.SERIAL, serial, "device " + serial);
  }

  /** An app token named {@code name}, bound to {@code email} (or null). */
  public static Origin client(String name, String email) {
    return new Origin(IdentityKind.EMAIL, email, "client " + name);
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
