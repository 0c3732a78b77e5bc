package io.stedi.lakehouse.catalog;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ServiceFailureException;
import org.apache.iceberg.exceptions.ServiceUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides whether a failure of the catalog or storage is worth retrying, and retries it
 * with jittered exponential back-off. WARN on each retry, ERROR when giving up.
 */
public final class Retry {
  private static final Logger LOG = LoggerFactory.getLogger(Retry.class);
  private static final long BASE_MS = 50;
  private static final long MAX_MS = 5_000;

  private Retry() {}

  /**
   * Maps a failure to an error code. {@link CommitStateUnknownException} maps to INTERNAL (not retryable)
   * because retrying an append whose first attempt may have landed would duplicate data: the caller must
   * check the table instead.
   */
  public static ErrorCode classify(Throwable t) {
    // The whole cause chain decides, most specific first: Iceberg wraps a lost catalog connection in a
    // CommitFailedException, which must count as an outage (back off, report it), not as a conflict to retry at once.
    boolean unknown = false;
    boolean catalogDown = false;
    boolean storageDown = false;
    boolean conflict = false;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StediException) {
        return ((StediException) c).code();
      }
      unknown |= c instanceof CommitStateUnknownException;
      conflict |= c instanceof CommitFailedException;
      catalogDown |= c instanceof SQLException || c instanceof ServiceUnavailableException
          || c instanceof ServiceFailureException || isSqliteBusy(c);
      storageDown |= c instanceof IOException || c instanceof UncheckedIOException
          || c.getClass().getName().startsWith("software.amazon.awssdk.core.exception");
      if (c.getCause() == c) {
        break;
      }
    }
    if (unknown) {
      return ErrorCode.INTERNAL;
    }
    if (catalogDown) {
      return ErrorCode.CATALOG_UNAVAILABLE;
    }
    if (storageDown) {
      return ErrorCode.STORAGE_UNAVAILABLE;
    }
    return conflict ? ErrorCode.COMMIT_CONFLICT : ErrorCode.INTERNAL;
  }

  private static boolean isSqliteBusy(Throwable t) {
    String m = String.valueOf(t.getMessage());
    return m.contains("SQLITE_BUSY") || m.contains("database is locked");
  }

  /**
   * Runs {@code action}, retrying retryable failures up to {@code attempts} times.
   *
   * @param what what is being done, for logs (names the table or catalog)
   */
  public static <T> T onTransient(String what, int attempts, Supplier<T> action) {
    return retry(what, attempts, action, false);
  }

  /**
   * Like {@link #onTransient} but retries only {@link ErrorCode#COMMIT_CONFLICT} (another writer committed first):
   * for callers that handle an unreachable catalog themselves (the commit coordinator buffers in its log).
   */
  public static <T> T onConflict(String what, int attempts, Supplier<T> action) {
    return retry(what, attempts, action, true);
  }

  private static <T> T retry(String what, int attempts, Supplier<T> action, boolean conflictsOnly) {
    int attempt = 0;
    while (true) {
      try {
        return action.get();
      } catch (RuntimeException e) {
        ErrorCode code = classify(e);
        attempt++;
        boolean retry = conflictsOnly ? code == ErrorCode.COMMIT_CONFLICT : code.retryable();
        if (!retry || attempt > attempts) {
          if (retry) {
            LOG.error("{} failed after {} attempts ({}): {}", what, attempt, code.code(), e.toString());
          }
          throw e;
        }
        long backoff = Math.min(MAX_MS, BASE_MS << Math.min(attempt, 10));
        long sleep = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        LOG.warn("{} failed ({}), retry {}/{} in {} ms: {}", what, code.code(), attempt, attempts, sleep, e.toString());
        LockSupport.parkNanos(sleep * 1_000_000L);
      }
    }
  }

  /** Like {@link #onTransient(String, int, Supplier)} for actions without a result. */
  public static void run(String what, int attempts, Runnable action) {
    onTransient(what, attempts, () -> {
      action.run();
      return null;
    });
  }

  /** Wraps a checked failure so it can travel through {@link Supplier}. */
  public static RuntimeException unchecked(String what, Exception e) {
    if (e instanceof RuntimeException) {
      return (RuntimeException) e;
    }
    if (e instanceof IOException) {
      return new UncheckedIOException(what + ": " + e.getMessage(), (IOException) e);
    }
    return new StediException(ErrorCode.INTERNAL, what + ": " + e.getMessage(), e);
  }
}
