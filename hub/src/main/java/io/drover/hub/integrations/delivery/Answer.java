package io.drover.hub.integrations.delivery;

/**
 * What one attempt came to: an HTTP status with the first bytes of the body ({@code kept}, at most
 * {@link DeliverySettings#RESPONSE_KEPT_BYTES}, and {@code bodyBytes} in all), or no answer at all
 * ({@code status} 0) with the {@code error}: a timeout, a refused or closed connection, a refused
 * target.
 *
 * @param retryable whether trying again later may succeed (5xx, timeouts, connection errors)
 */
record Answer(int status, String kept, long bodyBytes, String error, boolean retryable, long latencyMillis) {

  boolean succeeded() {
    return status >= 200 && status < 300;
  }

  static Answer failed(String error, boolean retryable, long latencyMillis) {
    return new Answer(0, null, 0, error, retryable, latencyMillis);
  }
}
