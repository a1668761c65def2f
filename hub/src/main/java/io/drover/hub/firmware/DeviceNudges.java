package io.drover.hub.firmware;

import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.commands.DeviceCommands;
import java.util.List;

/**
 * Tells online devices to look up their firmware target again, through the session that holds them
 * (the device command address, like function calls, so a cluster carries it to the owning node).
 */
final class DeviceNudges {

  /**
   * A release tells at most this many devices at once (one bus request each, most of them answered
   * "offline"); the rest update at their next handshake. Bounds the burst a release to a large fleet
   * makes; a staged rollout paces it instead.
   */
  static final int MAX_DEVICES_TOLD_AT_ONCE = 10_000;

  private final DeviceCommands commands;
  private final TargetingIndex index;

  DeviceNudges(DeviceCommands commands, TargetingIndex index) {
    this.commands = commands;
    this.index = index;
  }

  /** An offline device is no failure: it updates at its next handshake. */
  void askToCheck(String deviceId) {
    DeviceCommand check = new DeviceCommand(deviceId, DeviceCommand.Kind.FIRMWARE_CHECK, null, null, 5000);
    commands.request(check);
  }

  /**
   * Tells the devices now targeted to {@code version} and not running it (at most
   * {@value #MAX_DEVICES_TOLD_AT_ONCE}). One pass over the product: call it off the event loop for a large one.
   *
   * @return all of them
   */
  List<String> tellTargeted(int productId, int version) {
    List<String> reached = index.devicesTargetedTo(productId, version);
    for (int i = 0; i < Math.min(reached.size(), MAX_DEVICES_TOLD_AT_ONCE); i++) {
      askToCheck(reached.get(i));
    }
    return reached;
  }
}
