package io.stedi.lakehouse.error;

/** A failure with a stable {@link ErrorCode}; the message names the table, file, device or offset involved. */
public class StediException extends RuntimeException {
  private final ErrorCode code;

  public StediException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public StediException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
