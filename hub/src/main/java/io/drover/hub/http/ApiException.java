package io.drover.hub.http;

/** An answer in the API's error shape: {@code {"ok":false,"error":..,"error_description":..}}. */
public final class ApiException extends RuntimeException {

  private final int status;
  private final String error;

  public ApiException(int status, String error, String description) {
    super(description, null, false, false);
    this.status = status;
    this.error = error;
  }

  public int status() {
    return status;
  }

  public String error() {
    return error;
  }
}
