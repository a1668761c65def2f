package io.drover.gateway.session;

import io.drover.gateway.contract.DeviceCommand;
import io.vertx.core.Future;

/** What the registry needs of a live session, whatever its transport. */
public interface DeviceSession {

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
