package io.stedi.lakehouse.erasure;

import io.stedi.lakehouse.commit.EntryFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.io.CloseableIterable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identities erased with {@code bin/stedi forget}, as the gateway needs them: {@link #isForgotten} answers
 * from the keyed hashes in {@code stedi.erasure_receipts} (pending and complete requests alike), re-read on an
 * interval by a background thread, so it never blocks a caller on the catalog. A customer who registers again
 * after the request lifts it: {@link Registrations} tells when an email or serial was (re-)registered.
 */
public final class ForgottenIdentities implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ForgottenIdentities.class);
  private static final int MAX_CACHED = 100_000;

  /** When an identity was last registered (null when unknown): a registration after a request lifts it. */
  @FunctionalInterface
  public interface Registrations {
    Registrations NONE = (kind, value) -> null;

    Instant registeredAt(IdentityKind kind, String value);
  }

  /** What one read of the receipts holds: per hash, the newest request time. */
  private record State(Map<String, Instant> requested, long snapshotId) {
    static final State EMPTY = new State(Map.of(), -1);
  }

  private final Catalog catalog;
  private final ErasureKey key;
  private final Registrations registrations;
  private final Map<String, String> hashes = new ConcurrentHashMap<>();
  private final ScheduledExecutorService refresher;
  private volatile State state = State.EMPTY;
  private Table receipts;
  private volatile boolean warned;

  private ForgottenIdentities(Catalog catalog, ErasureKey key, Registrations registrations, Duration interval) {
    this.catalog = catalog;
    this.key = key;
    this.registrations = registrations;
    if (catalog == null) {
      refresher = null;
      return;
    }
    io.stedi.lakehouse.catalog.Retry.run("read " + ErasureReceiptTable.id(), 5, this::refresh);
    refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "forgotten-identities");
      t.setDaemon(true);
      return t;
    });
    long ms = Math.max(100, interval.toMillis());
    refresher.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Nothing is forgotten (no catalog). */
  public static ForgottenIdentities none() {
    return new ForgottenIdentities(null, null, Registrations.NONE, Duration.ZERO);
  }

  /**
   * Reads the receipts now (a missing table means nothing is forgotten) and then every {@code interval}.
   *
   * @param key the deployment's {@link ErasureKey#resolve key}
   * @param registrations when identities were registered again, to lift older requests
   */
  public static ForgottenIdentities start(Catalog catalog, ErasureKey key, Duration interval,
      Registrations registrations) {
    return new ForgottenIdentities(catalog, key, registrations, interval);
  }

  /** Whether {@code value} was forgotten and not registered again since. */
  public boolean isForgotten(IdentityKind kind, String value) {
    Instant since = forgottenSince(kind, value);
    if (since == null) {
      return false;
    }
    Instant again = registrations.registeredAt(kind, value);
    return again == null || !again.isAfter(since);
  }

  /** When the newest forget request of {@code value} was made (re-registration aside), or null. */
  public Instant forgottenSince(IdentityKind kind, String value) {
    State s = state;
    if (s.requested().isEmpty() || value == null) {
      return null;
    }
    return s.requested().get(hash(kind, value));
  }

  /** The keyed hash receipts store for {@code value}, or null without a catalog. */
  public String hash(IdentityKind kind, String value) {
    if (key == null || value == null) {
      return null;
    }
    String cacheKey = kind.label() + ':' + value;
    String h = hashes.get(cacheKey);
    if (h == null) {
      if (hashes.size() > MAX_CACHED) {
        hashes.clear(); // a bounded cache: hashing again is cheap, memory is not
      }
      h = key.hash(kind, value);
      hashes.put(cacheKey, h);
    }
    return h;
  }

  /** How logs name {@code value} ({@link ErasureKey#logId}); without a catalog, a fixed placeholder. */
  public String logId(IdentityKind kind, String value) {
    return key == null ? "(identity)" : key.logId(kind, value);
  }

  /** When the newest erasure request known was made, or null when there is none. */
  public Instant newestRequest() {
    return state.requested().values().stream().max(Instant::compareTo).orElse(null);
  }

  /** Number of hashes currently refused (before re-registrations). */
  public int size() {
    return state.requested().size();
  }

  /** Re-reads the receipts if they changed. Throws when the catalog cannot be read. */
  public synchronized void refresh() {
    Table table = receipts;
    if (table == null) {
      if (!catalog.tableExists(ErasureReceiptTable.id())) {
        state = State.EMPTY;
        return;
      }
      table = catalog.loadTable(ErasureReceiptTable.id());
      receipts = table;
    } else {
      try {
        table.refresh(); // reads the metadata file only when the table changed
      } catch (NoSuchTableException dropped) {
        receipts = null;
        state = State.EMPTY;
        return;
      }
    }
    Snapshot current = table.currentSnapshot();
    long id = current == null ? -1 : current.snapshotId();
    key.check(table);
    if (id == state.snapshotId()) {
      return;
    }
    Map<String, Instant> requested = new HashMap<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).select("requested_at", "identity_hash",
        "email_hashes", "serial_hashes").build()) {
      for (Record r : rows) {
        Instant at = ((OffsetDateTime) r.getField("requested_at")).toInstant();
        put(requested, (String) r.getField("identity_hash"), at);
        for (String list : new String[] {"email_hashes", "serial_hashes"}) {
          Object hs = r.getField(list);
          if (hs != null) {
            for (Object h : (List<?>) hs) {
              put(requested, (String) h, at);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + table.name() + ": " + e.getMessage(), e);
    }
    state = new State(Map.copyOf(requested), id);
    LOG.info("forgotten identities: {} hashes from {} (snapshot {})", requested.size(), table.name(), id);
  }

  private static void put(Map<String, Instant> m, String hash, Instant at) {
    if (hash != null) {
      m.merge(hash, at, (a, b) -> a.isAfter(b) ? a : b);
    }
  }

  private void refreshQuietly() {
    try {
      refresh();
      warned = false;
    } catch (RuntimeException e) {
      if (!warned) {
        LOG.warn("cannot read {} (keeping the identities read before, retrying): {}", ErasureReceiptTable.id(),
            e.toString());
        warned = true;
      }
    }
  }

  /**
   * The commit-time filter: drops waiting readings of forgotten identities (customer records by email,
   * accelerometer readings by user, Step Trainer readings by serial) and quarantine rows that name one.
   */
  public EntryFilter walFilter() {
    return new ForgottenEntryFilter(this);
  }

  @Override
  public void close() {
    if (refresher != null) {
      refresher.shutdownNow();
    }
  }
}
