package io.drover.hub.http;

/** An answer in the API's error shape: {@code {"ok":false,"error":..,"error_description":..}}. */
public final class ApiException extends RuntimeException {

  private final int status;
  private final String error;
  private final long retryAfterSeconds;
  /** Fields added to the error JSON beside ok, error and error_description (which lists what was refused); null for none. */
  private final io.vertx.core.json.JsonObject details;

  public ApiException(int status, String error, String description) {
    this(status, error, description, 0);
  }

  /** @param retryAfterSeconds sent as {@code Retry-After} (RFC 9110 section 10.2.3) when positive: with 429 and 503 */
  public ApiException(int status, String error, String description, long retryAfterSeconds) {
    super(description, null, false, false);
    this.status = status;
    this.error = error;
    this.retryAfterSeconds = retryAfterSeconds;
    this.details = null;
  }

  /** @param details fields added to the error JSON, for example the entries of a request that were refused */
  public ApiException(int status, String error, String description, io.vertx.core.json.JsonObject details) {
    super(description, null, false, false);
    this.status = status;
    this.error = error;
    this.retryAfterSeconds = 0;
    this.details = details;
  }

  /** @return the fields added to the error JSON, or null */
  public io.vertx.core.json.JsonObject details() {
    return details;
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
