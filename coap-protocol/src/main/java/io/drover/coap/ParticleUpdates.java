package io.drover.coap;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The legacy OTA updates under way on one Particle listener, by device ID: a device's {@code GET /c}
 * (its list of missing chunks) is handed to its own. One per device at a time. Thread-safe.
 */
final class ParticleUpdates {

  private final ConcurrentMap<String, ParticleFirmwareUpdate> byDevice = new ConcurrentHashMap<>();

  /** @return false when the device has an update under way already */
  boolean begin(String deviceId, ParticleFirmwareUpdate update) {
    return byDevice.putIfAbsent(deviceId, update) == null;
  }

  void end(String deviceId, ParticleFirmwareUpdate update) {
    byDevice.remove(deviceId, update);
  }

  /** @return null when none is under way */
  ParticleFirmwareUpdate of(String deviceId) {
    return byDevice.get(deviceId);
  }
}
