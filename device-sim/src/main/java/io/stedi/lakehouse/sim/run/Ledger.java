package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.model.Json;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The ledger file: one {@link LedgerEntry} per line (JSON), appended by many threads. */
public final class Ledger implements AutoCloseable {
  private final BufferedWriter out;
  private long lines;
  private long dropped;
  private boolean closed;

  private Ledger(BufferedWriter out) {
    this.out = out;
  }

  /** Creates (or replaces) a ledger file. */
  public static Ledger create(Path file) {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      return new Ledger(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write ledger " + file + ": " + e.getMessage(), e);
    }
  }

  /** Appends entries (one line each). */
  public synchronized void append(List<LedgerEntry> entries) {
    if (closed) {
      dropped += entries.size(); // an outcome that arrived after the run gave up waiting
      return;
    }
    try {
      for (LedgerEntry e : entries) {
        out.write(Json.MAPPER.writeValueAsString(e));
        out.write('\n');
        lines++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing the ledger: " + e.getMessage(), e);
    }
  }

  public void append(LedgerEntry e) {
    append(List.of(e));
  }

  public synchronized long lines() {
    return lines;
  }

  /** Entries that arrived after {@link #close()} and were not written. */
  public synchronized long dropped() {
    return dropped;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing the ledger: " + e.getMessage(), e);
    }
  }

  /** Reads a ledger; blank lines are skipped, a bad line fails naming its number. */
  public static List<LedgerEntry> read(Path file) {
    List<LedgerEntry> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        LedgerEntry e;
        try {
          e = Json.MAPPER.readValue(line, LedgerEntry.class);
        } catch (IOException ex) {
          throw new IllegalArgumentException("ledger " + file + " line " + n + " is not a ledger entry: "
              + ex.getMessage().lines().findFirst().orElse(""));
        }
        boolean step = LedgerEntry.STEP_TRAINER.equals(e.zone());
        boolean accel = LedgerEntry.ACCELEROMETER.equals(e.zone());
        if (!(step && e.serialNumber() != null && e.sensorReadingTime() != null && e.distanceFromObject() != null)
            && !(accel && e.user() != null && e.timestamp() != null && e.x() != null && e.y() != null && e.z() != null)
            || e.status() == null) {
          throw new IllegalArgumentException("ledger " + file + " line " + n + " lacks fields: " + line);
        }
        out.add(e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ledger " + file + ": " + e.getMessage(), e);
    }
    return out;
  }
}
