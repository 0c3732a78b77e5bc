package io.stedi.lakehouse.cli;

import io.stedi.lakehouse.error.StediException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Shared CLI plumbing: error reporting and resource closing. */
public final class CliSupport {
  private static final Logger LOG = LoggerFactory.getLogger(CliSupport.class);

  private CliSupport() {}

  /** Closes a catalog (or anything) that may be AutoCloseable, logging failure instead of hiding it. */
  public static void closeQuietly(Object o) {
    if (o instanceof AutoCloseable) {
      try {
        ((AutoCloseable) o).close();
      } catch (Exception e) {
        LOG.warn("closing {} failed: {}", o.getClass().getSimpleName(), e.toString());
      }
    }
  }

  /**
   * Prints a one-line error for expected failures (bad config, bad arguments, external errors) instead of a
   * stack trace; the stack trace goes to the log at DEBUG.
   */
  public static CommandLine.IExecutionExceptionHandler errorHandler() {
    return (ex, cmd, parseResult) -> {
      if (ex instanceof NullPointerException || ex instanceof ClassCastException
          || ex instanceof IndexOutOfBoundsException) {
        LOG.error("internal error (a bug: please report it with this trace)", ex); // no one-liner hides a bug
      } else {
        LOG.debug("command failed", ex);
      }
      String code = ex instanceof StediException ? ((StediException) ex).code().code() + ": " : "";
      cmd.getErr().println("error: " + code + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      cmd.getErr().flush();
      return ex instanceof IllegalArgumentException ? 2 : 1;
    };
  }
}
