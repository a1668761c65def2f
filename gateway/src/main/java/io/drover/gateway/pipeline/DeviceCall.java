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

  /** A call that failed before it was sent. */
  static DeviceCall failed(Throwable cause) {
    Future<String> failed = Future.failedFuture(cause);
    return new DeviceCall() {
      @Override
      public Future<String> answer() {
        return failed;
      }

      @Override
      public void cancel() {
      }
    };
  }
}
