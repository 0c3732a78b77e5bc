package io.stedi.lakehouse.curation.erasure;

import io.stedi.lakehouse.erasure.IdentityKind;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Everything one forget request covers, resolved from the data. Never stored or logged: only its hashes are.
 *
 * @param kind what the request named
 * @param value the named email or serial, normalized (trimmed, lower case)
 * @param emails the customer emails covered, normalized: the named one, or the owners of the named serial
 * @param serials the serial numbers covered, normalized: the named one, or those of the named customer
 * @param customerKeys machine_learning_curated's pseudonymous keys of those emails (each spelling seen)
 * @param deviceKeys machine_learning_curated's pseudonymous keys of those serials
 */
record Identity(IdentityKind kind, String value, Set<String> emails, Set<String> serials, Set<String> customerKeys,
    Set<String> deviceKeys) {
  /** What must not remain in any file: every email, serial, customer key and device key (lower case). */
  Set<String> needles() {
    Set<String> n = new LinkedHashSet<>(emails);
    n.addAll(serials);
    n.addAll(customerKeys);
    n.addAll(deviceKeys);
    return n;
  }
}
