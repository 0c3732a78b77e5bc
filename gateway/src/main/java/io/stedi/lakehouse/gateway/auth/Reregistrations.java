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
  /** Registrations whose record is on its way to the write-ahead log: honoured, not yet persisted. */
  private final Map<String, Long> pending = new ConcurrentHashMap<>();

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

  /** When the email with this hash registered again (durably, or with its record being stored), or null. */
  Instant at(String hash) {
    Long ms = hash == null ? null : byHash.getOrDefault(hash, pending.get(hash));
    return ms == null ? null : Instant.ofEpochMilli(ms);
  }

  /**
   * A registration whose record is being appended: honoured at once (so that the commit-time erasure filter lets
   * the record through), persisted by {@link #commit} once the record is durable, or dropped by {@link #abort}.
   */
  void begin(String hash, Instant at) {
    pending.put(hash, at.toEpochMilli());
  }

  /** The registration's record failed to be stored: the refusal stands. */
  void abort(String hash) {
    pending.remove(hash);
  }

  /** The registration's record is durable: records the lift durably (fsync, atomic replace). */
  synchronized void commit(String hash) {
    Long at = pending.remove(hash);
    if (at == null) {
      return;
    }
    byHash.put(hash, at);
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
