package io.drover.gateway.commands;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.session.SessionOwnership;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * Reaches a device through the node that holds its session, wherever in the cluster that is: looks the
 * holder up in {@link SessionOwnership}, then asks that node on its own command address. Function
 * calls, variable reads, signals and pushes (firmware, configuration) all go this way.
 */
public final class DeviceCommands {

  /** Past the device's own deadline, for the hops between nodes. */
  private static final long BUS_MARGIN_MILLIS = 2000;

  private final EventBus bus;
  private final SessionOwnership ownership;

  public DeviceCommands(EventBus bus, SessionOwnership ownership) {
    this.bus = bus;
    this.ownership = ownership;
  }

  /**
   * @return the device's answer; fails with a {@link DeviceFailure}: DEVICE_OFFLINE when no node holds
   *     a session of the device (or the node that did has left), else what the device's session said
   */
  public Future<JsonObject> request(DeviceCommand command) {
    return ownership.holderOf(command.deviceId())
        .recover(cause -> Future.failedFuture(new DeviceFailure(DeviceFailure.Kind.UNAVAILABLE, "session map unavailable: " + cause.getMessage())))
        .compose(holder -> holder == null
            ? Future.failedFuture(new DeviceFailure(DeviceFailure.Kind.DEVICE_OFFLINE, "device is offline"))
            : bus.<JsonObject>request(BusAddresses.deviceCommands(holder.nodeId()), command.toJson(),
                    new DeliveryOptions().setSendTimeout(command.timeoutMillis() + BUS_MARGIN_MILLIS))
                .map(reply -> reply.body())
                .recover(cause -> Future.failedFuture(cause instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS
                    // the holder's node is gone and no session has replaced it yet
                    ? new DeviceFailure(DeviceFailure.Kind.DEVICE_OFFLINE, "device is offline")
                    : DeviceFailure.from(cause))));
  }
}
