package io.stedi.lakehouse.dedup;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A landing row's identity: the first 128 bits of SHA-256 over a per-installation secret key, the zone's stable
 * id and the row's canonical content (its binary form). Two deliveries of the same reading (same serial, time and
 * distance; same user, time and x, y, z; the same customer record) get the same identity whatever protocol,
 * connection or packet id carried them. The key keeps the identities on disk from being matched against guessed
 * readings; at 128 bits two different readings colliding within one dedup window is not a practical concern
 * (about 2^-70 for a billion identities).
 */
public final class ReadingIdentity {
  private final byte[] key;
  private final ThreadLocal<MessageDigest> sha = ThreadLocal.withInitial(ReadingIdentity::sha256);

  ReadingIdentity(byte[] key) {
    this.key = key.clone();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** The identity of a row of zone {@code zoneId} with canonical content {@code content}; its second word is never 0. */
  public Id of(int zoneId, byte[] content) {
    MessageDigest d = sha.get();
    d.update(key);
    d.update((byte) zoneId);
    d.update((byte) (zoneId >>> 8));
    d.update(content);
    byte[] h = d.digest();
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (h[i] & 0xFF);
      lo = (lo << 8) | (h[8 + i] & 0xFF);
    }
    if (lo == 0) {
      lo = 1; // a zero second word marks an empty slot in IdentitySet
    }
    return new Id(hi, lo);
  }

  /** A 128-bit identity. */
  public record Id(long hi, long lo) {}
}
