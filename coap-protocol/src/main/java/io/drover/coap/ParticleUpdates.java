package io.drover.coap;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The legacy OTA updates under way on one Particle listener, by device ID: a device's {@code GET /c}
 * (its list of missing chunks) is handed to its own. One per device: a new update replaces the one
 * before (whose device may have reconnected before that one's requests timed out), and the one
 * replaced is ended. Thread-safe.
 */
final class ParticleUpdates {

  private final ConcurrentMap<String, ParticleFirmwareUpdate> byDevice = new ConcurrentHashMap<>();

  /** @return the update this one replaces, or null */
  ParticleFirmwareUpdate begin(String deviceId, ParticleFirmwareUpdate update) {
    return byDevice.put(deviceId, update);
  }

  void end(String deviceId, ParticleFirmwareUpdate update) {
    byDevice.remove(deviceId, update);
  }

  /** @return null when none is under way */
  ParticleFirmwareUpdate of(String deviceId) {
    return byDevice.get(deviceId);
  }
}
