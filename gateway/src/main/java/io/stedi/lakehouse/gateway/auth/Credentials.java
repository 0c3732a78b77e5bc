package io.stedi.lakehouse.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Secret generation and salted hashing. Secrets are 256-bit random values issued by the product (never chosen
 * by people), so a salted SHA-256 is as strong as a password-stretching hash while costing microseconds per
 * MQTT CONNECT or HTTP request; only the salt and the hash are ever stored.
 */
public final class Credentials {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Credentials() {}

  /** A new URL-safe secret of 256 random bits. */
  public static String newSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** A short random public id (for tokens). */
  public static String newId() {
    byte[] b = new byte[9];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b).replace('-', 'x').replace('_', 'y');
  }

  public static String newSalt() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** hex(SHA-256(salt || secret)). */
  public static String hash(String salt, String secret) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(HexFormat.of().parseHex(salt));
      d.update(secret.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** Constant-time comparison of a presented secret against a stored salted hash. */
  public static boolean matches(String salt, String expectedHash, String presented) {
    if (presented == null) {
      return false;
    }
    return MessageDigest.isEqual(hash(salt, presented).getBytes(StandardCharsets.US_ASCII),
        expectedHash.getBytes(StandardCharsets.US_ASCII));
  }
}
