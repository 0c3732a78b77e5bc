package io.stedi.lakehouse.error;

/**
 * Every error the product reports, split into bad input (the sender's to fix: never retried, quarantined)
 * and external failures (a dependency is down or busy: retried with back-off, then reported). Persisted and
 * reported by {@link #code()} (the name), never by ordinal.
 */
public enum ErrorCode {
  MALFORMED_JSON(Kind.BAD_INPUT, false),
  MISSING_FIELD(Kind.BAD_INPUT, false),
  WRONG_TYPE(Kind.BAD_INPUT, false),
  IMPOSSIBLE_VALUE(Kind.BAD_INPUT, false),
  PAYLOAD_TOO_LARGE(Kind.BAD_INPUT, false),
  UNSUPPORTED_MEDIA_TYPE(Kind.BAD_INPUT, false),
  UNAUTHENTICATED(Kind.BAD_INPUT, false),
  FORBIDDEN(Kind.BAD_INPUT, false),
  IDEMPOTENCY_CONFLICT(Kind.BAD_INPUT, false),
  /** A customer record names a device paired with another customer (HTTP 409). */
  OWNERSHIP_CONFLICT(Kind.BAD_INPUT, false),
  BAD_REQUEST(Kind.BAD_INPUT, false),
  /** A request with the same Idempotency-Key is still being processed: retry shortly (HTTP 429). */
  REQUEST_IN_PROGRESS(Kind.BAD_INPUT, true),
  /** A write-ahead log entry that cannot be written to its table (it goes to quarantine instead). */
  UNWRITABLE_ENTRY(Kind.BAD_INPUT, false),

  CATALOG_UNAVAILABLE(Kind.EXTERNAL, true),
  STORAGE_UNAVAILABLE(Kind.EXTERNAL, true),
  COMMIT_CONFLICT(Kind.EXTERNAL, true),
  WAL_FULL(Kind.EXTERNAL, true),
  WAL_CORRUPT(Kind.EXTERNAL, false),
  /** Another process holds this write-ahead log folder. */
  WAL_LOCKED(Kind.EXTERNAL, false),
  /** Another live writer holds this writer.instance-id's lease in the catalog. */
  INSTANCE_IN_USE(Kind.EXTERNAL, false),
  /** The gateway cannot store data right now (log full, or a failed append): retry later (HTTP 503). */
  UNAVAILABLE(Kind.EXTERNAL, true),
  INTERNAL(Kind.EXTERNAL, false);

  /** Whose problem the error is. */
  public enum Kind {
    BAD_INPUT,
    EXTERNAL
  }

  private final Kind kind;
  private final boolean retryable;

  ErrorCode(Kind kind, boolean retryable) {
    this.kind = kind;
    this.retryable = retryable;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether trying the same operation again later can succeed. */
  public boolean retryable() {
    return retryable;
  }

  /** The stable lower-case code used in quarantine rows, JSON errors and metric tags. */
  public String code() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
