package io.drover.hub.http;

/** An answer in the API's error shape: {@code {"ok":false,"error":..,"error_description":..}}. */
public final class ApiException extends RuntimeException {

  private final int status;
  private final String error;
  private final long retryAfterSeconds;

  public ApiException(int status, String error, String description) {
    this(status, error, description, 0);
  }

  /** @param retryAfterSeconds sent as {@code Retry-After} (RFC 9110 section 10.2.3) when positive: with 429 and 503 */
  public ApiException(int status, String error, String description, long retryAfterSeconds) {
    super(description, null, false, false);
    this.status = status;
    this.error = error;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public String error() {
    return error;
  }

  /** @return seconds for {@code Retry-After}; 0 for none */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
