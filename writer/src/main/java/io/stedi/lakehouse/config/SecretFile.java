package io.stedi.lakehouse.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A secret kept in a file under {@code stedi.home} when the deployment did not configure one: 32 random bytes
 * (base64), created once with owner-only permissions, then read by every process of the installation.
 */
public final class SecretFile {
  private SecretFile() {}

  /** The file's secret, or null when it does not exist. */
  public static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file).strip() : null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the secret " + file, e);
    }
  }

  /** The file's secret, creating a random one first if there is none (two processes racing agree on one). */
  public static String readOrCreate(Path file) {
    String existing = read(file);
    if (existing != null) {
      return existing;
    }
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return write(file, Base64.getEncoder().encodeToString(b));
  }

  /**
   * Writes {@code secret} to the file unless it exists already; returns what the file holds afterwards (the
   * other process's secret if it won the race).
   */
  public static String write(Path file, String secret) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      try {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
          // the file system has no POSIX permissions; the folder's protection applies
        }
        Files.writeString(tmp, secret);
        try {
          // no REPLACE_EXISTING: the first writer wins, a racing second one reads the winner's secret
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException raced) {
          // fall through to the read
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the secret " + file, e);
    }
  }
}
