package io.drover.hub.sims;

import io.drover.gateway.commands.DeviceCommands;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ends the live session of a device whose SIM may no longer be used, through the node that holds it. */
final class SimSessions {

  private static final Logger LOG = LoggerFactory.getLogger(SimSessions.class);

  private SimSessions() {
  }

  /**
   * @return whether a session ended; false when the device is offline, or its node did not answer
   *     (logged: the device is refused at its next connect all the same)
   */
  static Future<Boolean> end(DeviceCommands commands, String deviceId, String reason, long timeoutMillis) {
    return commands.request(new DeviceCommand(deviceId, DeviceCommand.Kind.DISCONNECT, null, reason, timeoutMillis))
        .map(reply -> "ended".equals(reply.getString("result")))
        .recover(cause -> {
          DeviceFailure failure = DeviceFailure.from(cause);
          if (failure.kind() != DeviceFailure.Kind.DEVICE_OFFLINE) {
            LOG.warn("the session of a device whose SIM was paused could not be asked to end [device-id: {}, reason: {}, cause: {}]", deviceId,
                reason, failure.getMessage());
          }
          return Future.succeededFuture(false);
        });
  }
}
