package io.stedi.lakehouse.gateway.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stedi.lakehouse.commit.SideEntrySink;
import io.stedi.lakehouse.commit.WalEntry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers the response to each {@code Idempotency-Key}. A record first travels in the same write-ahead-log
 * batch as the data it answers for (so both are durable in one fsync); the commit coordinator then hands it
 * here as a side entry and it is appended to a local log before its WAL segment can be deleted. After a
 * restart the local log plus the replayed WAL restore every key, so a retry gets the first response.
 */
public final class IdempotencyStore implements SideEntrySink {
  public static final String KIND = "idempotency";
  private static final Logger LOG = LoggerFactory.getLogger(IdempotencyStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What was answered for a key. */
  public record Entry(String key, String bodyHash, int status, String response, long createdMillis) {}

  private final Path file;
  private final long retentionMillis;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private FileChannel out;

  public IdempotencyStore(Path file, Duration retention) {
    this.file = file;
    this.retentionMillis = retention.toMillis();
    load();
  }

  private void load() {
    long oldest = System.currentTimeMillis() - retentionMillis;
    try {
      Files.createDirectories(file.getParent());
      if (Files.exists(file)) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          String line;
          while ((line = r.readLine()) != null) {
            try {
              Entry e = JSON.readValue(line, Entry.class);
              if (e.createdMillis() >= oldest) {
                entries.put(e.key(), e);
              }
            } catch (IOException torn) {
              LOG.warn("idempotency log {}: skipping an unreadable line (torn write at a crash)", file);
            }
          }
        }
        rewrite(); // without expired entries, so the file stays bounded
      }
      out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open idempotency log " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Marks a key as being processed; false when a request with it is in progress already (on any event loop).
   * Every true must be followed by {@link #end}.
   */
  public boolean begin(String key) {
    return inProgress.add(key);
  }

  /** The request with this key finished (stored, refused or failed). */
  public void end(String key) {
    inProgress.remove(key);
  }

  private final java.util.Set<String> inProgress = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The remembered answer for a key, if any and not expired. */
  public Entry get(String key) {
    Entry e = entries.get(key);
    if (e != null && e.createdMillis() < System.currentTimeMillis() - retentionMillis) {
      entries.remove(key, e);
      return null;
    }
    return e;
  }

  /** Remembers an answer in memory (its WAL side entry makes it durable). */
  public void remember(Entry e) {
    entries.put(e.key(), e);
  }

  /** The WAL side entry that carries {@code e}. */
  public static WalEntry sideEntry(Entry e) {
    try {
      return WalEntry.side(KIND, e.key(), JSON.writeValueAsBytes(e));
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  @Override
  public synchronized void accept(WalEntry w) {
    if (!KIND.equals(w.sideKind())) {
      return;
    }
    try {
      Entry e = JSON.readValue(w.body(), Entry.class);
      entries.putIfAbsent(e.key(), e);
      out.write(ByteBuffer.wrap((new String(w.body(), StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8)));
      // fsync before returning: the coordinator may delete the WAL segment that held this entry afterwards.
      out.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write idempotency log " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Forgets every answer given to the tokens {@code tokenIds} (keys are {@code <token id>:<Idempotency-Key>}) and
   * rewrites the log without them: the tokens of a forgotten customer leave no record of their requests behind.
   *
   * @return how many answers were dropped
   */
  public synchronized int dropTokens(java.util.Set<String> tokenIds) {
    if (tokenIds.isEmpty()) {
      return 0;
    }
    int before = entries.size();
    entries.keySet().removeIf(k -> tokenIds.contains(k.substring(0, Math.max(0, k.indexOf(':')))));
    int dropped = before - entries.size();
    try {
      out.close();
      rewrite();
      out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite idempotency log " + file + ": " + e.getMessage(), e);
    }
    return dropped;
  }

  /** Replaces the file with the entries in memory (a temporary file, fsynced, moved over it atomically). */
  private void rewrite() throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      for (Entry e : entries.values()) {
        ch.write(ByteBuffer.wrap((JSON.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8)));
      }
      ch.force(true);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  public int size() {
    return entries.size();
  }
}
