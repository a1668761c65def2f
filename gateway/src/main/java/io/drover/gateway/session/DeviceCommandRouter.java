package io.drover.gateway.session;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Takes the hub's requests for devices (function calls, variable reads, signals) and hands each to the
 * device's live session on this node, whatever its transport.
 */
public final class DeviceCommandRouter extends VerticleBase {

  private final DeviceSessions sessions;

  public DeviceCommandRouter(DeviceSessions sessions) {
    this.sessions = sessions;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>localConsumer(BusAddresses.DEVICE_COMMANDS, this::route).completion();
  }

  private void route(Message<JsonObject> message) {
    DeviceCommand command = DeviceCommand.fromJson(message.body());
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
