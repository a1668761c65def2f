package io.drover.hub.firmware;

import io.vertx.core.json.JsonObject;

/**
 * The device object's firmware fields (cloud-api.md "Device object fields"), from the
 * {@link TargetingIndex} in memory, so that a device list of any length costs no query more:
 * {@code desired_firmware_version}, the version the device is locked to, and
 * {@code targeted_firmware_release_version}, the version the cloud updates it to (the
 * {@code firmware-target} route's {@code target_version}: the lock, else its groups' release, else the
 * product default; null for a development device, one nothing targets, or one in no product).
 */
public final class DeviceFirmwareFields {

  private DeviceFirmwareFields() {
  }

  /** Sets both fields on {@code device}; called on an event loop, reads memory only. */
  public static JsonObject fill(JsonObject device, TargetingIndex index, Integer productId, String deviceId) {
    TargetingIndex.DeviceState state = productId == null ? null : index.device(productId, deviceId);
    if (state == null) {
      return device.put("desired_firmware_version", null).put("targeted_firmware_release_version", null);
    }
    FirmwareTarget target = TargetingIndex.decide(deviceId, state, index.releases(productId));
    return device.put("desired_firmware_version", state.locked() == 0 ? null : state.locked())
        .put("targeted_firmware_release_version", target.version() == 0 ? null : target.version());
  }
}
