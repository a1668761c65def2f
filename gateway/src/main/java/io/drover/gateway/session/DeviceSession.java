package io.drover.gateway.session;

import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.vertx.core.Future;

/** What the registry needs of a live session, whatever its transport. */
public interface DeviceSession {

  /** Requests one device may have in flight, whatever its transport; more are refused, not queued. */
  int MAX_IN_FLIGHT = 4;

  /** The refusal of a request past {@link #MAX_IN_FLIGHT}, worded once for every transport. */
  static DeviceFailure tooManyInFlight() {
    return new DeviceFailure(DeviceFailure.Kind.OVERLOADED, "the device has " + MAX_IN_FLIGHT + " requests in flight already");
  }

  String deviceId();

  String sessionId();

  String protocol();

  /**
   * Ends the session because another one took it over. Must be safe to call from any thread; the
   * implementation hops to its own context.
   */
  void closeForTakeover();

  /**
   * Sends a command to the device and completes with its answer (empty for a signal). Safe to call
   * from any thread. Fails with a DeviceFailure: DEVICE_TIMEOUT, DEVICE_OFFLINE when the session ends
   * first, OVERLOADED when too many requests are in flight, NOT_ALLOWED when the device does not listen.
   */
  Future<String> request(DeviceCommand command);
}
