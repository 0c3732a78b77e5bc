package io.stedi.lakehouse.gateway.auth;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Emails that registered again (POST /v1/customers) after a forget request: hash of the email (the receipts'
 * salted hash, never the email) to the time of the registration. Kept in one JSON file in the gateway's home
 * so that it survives restarts. Only this gateway sees it: with several gateways, a customer registers again
 * through one of them and the others keep refusing until they share the home folder.
 */
final class Reregistrations {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Map<String, Long> byHash = new ConcurrentHashMap<>();

  Reregistrations(Path file) {
    this.file = file;
    try {
      if (Files.exists(file)) {
        byHash.putAll(JSON.readValue(file.toFile(), new TypeReference<Map<String, Long>>() { }));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** When the email with this hash registered again, or null. */
  Instant at(String hash) {
    Long ms = hash == null ? null : byHash.get(hash);
    return ms == null ? null : Instant.ofEpochMilli(ms);
  }

  /** Records a registration durably (fsync, atomic replace) before the caller stores the customer record. */
  synchronized void record(String hash, Instant at) {
    byHash.put(hash, at.toEpochMilli());
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      JSON.writeValue(tmp.toFile(), new TreeMap<>(byHash));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot update " + file + ": " + e.getMessage(), e);
    }
  }
}
