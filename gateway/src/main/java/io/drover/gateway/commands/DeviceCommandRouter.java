package io.drover.gateway.commands;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.session.DeviceSession;
import io.drover.gateway.session.DeviceSessions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Takes the cluster's requests for this node's device sessions: commands (function calls, variable
 * reads, signals), handed to the device's live session whatever its transport, and takeovers by a
 * session on another node. Both arrive on addresses named after this node, so only the node that holds
 * a session is asked.
 */
public final class DeviceCommandRouter extends VerticleBase {

  private final DeviceSessions sessions;

  public DeviceCommandRouter(DeviceSessions sessions) {
    this.sessions = sessions;
  }

  @Override
  public Future<?> start() {
    return Future.all(
        vertx.eventBus().<JsonObject>consumer(BusAddresses.deviceCommands(sessions.nodeId()), this::route).completion(),
        vertx.eventBus().<JsonObject>consumer(BusAddresses.sessionTakeover(sessions.nodeId()),
            message -> sessions.takenOver(message.body().getString("device_id"), message.body().getString("session_id"))).completion());
  }

  private void route(Message<JsonObject> message) {
    DeviceCommand command;
    try {
      command = DeviceCommand.fromJson(message.body());
    } catch (RuntimeException malformed) {
      // the bus is the cluster's: a member that sends a command this node cannot read gets told, not a stack trace
      message.fail(DeviceFailure.Kind.MALFORMED_PAYLOAD.busCode(), "not a device command: " + malformed.getMessage());
      return;
    }
    DeviceSession session = sessions.find(command.deviceId());
    if (session == null) {
      message.fail(DeviceFailure.Kind.DEVICE_OFFLINE.busCode(), "device is offline");
      return;
    }
    session.request(command).onComplete(answer -> {
      if (answer.succeeded()) {
        message.reply(new JsonObject().put("result", answer.result()));
      } else {
        DeviceFailure failure = DeviceFailure.from(answer.cause());
        message.fail(failure.kind().busCode(), failure.getMessage());
      }
    });
  }
}
