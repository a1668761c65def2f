package io.drover.gateway.pipeline;

import io.vertx.core.Future;

/**
 * One request on its way to a device. The answer completes on the session's context; it fails with a
 * {@code DeviceFailure} when the device refuses or cannot be reached (NOT_ALLOWED when it does not
 * listen for requests).
 */
public interface DeviceCall {

  Future<String> answer();

  /** Stops waiting for the answer (deadline passed, session closing); the answer is then failed by the caller. */
  void cancel();

  /** @param cancel what stops waiting: forgets a request ID, cancels a CoAP exchange */
  static DeviceCall of(Future<String> answer, Runnable cancel) {
    return new DeviceCall() {
      @Override
      public Future<String> answer() {
        return answer;
      }

      @Override
      public void cancel() {
        cancel.run();
      }
    };
  }

  /** A call that has its answer already (a signal over MQTT, which the device does not answer). */
  static DeviceCall answered(String answer) {
    return of(Future.succeededFuture(answer), () -> { });
  }

  /** A call that failed before it was sent. */
  static DeviceCall failed(Throwable cause) {
    return of(Future.failedFuture(cause), () -> { });
  }
}
