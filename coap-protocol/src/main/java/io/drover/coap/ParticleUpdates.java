package io.drover.coap;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The legacy OTA updates under way on one Particle listener, by device ID: a device's {@code GET /c}
 * (its list of missing chunks) is handed to its own. One per device ({@link #begin}). Thread-safe.
 */
final class ParticleUpdates {

  private final ConcurrentMap<String, ParticleFirmwareUpdate> byDevice = new ConcurrentHashMap<>();

  /**
   * Registers {@code update} as its device's, unless one is under way in the same DTLS session: Device
   * OS refuses a second {@code POST /u} while it takes a file (5.03, "already in progress"), and the one
   * under way must go on. One of an earlier session (the device came back before that update's requests
   * timed out; Device OS dropped that transfer with its session) is replaced.
   *
   * @return whether {@code update} is now the device's, and the update it replaced
   */
  Begun begin(String deviceId, String sessionId, ParticleFirmwareUpdate update) {
    ParticleFirmwareUpdate[] replaced = new ParticleFirmwareUpdate[1];
    ParticleFirmwareUpdate now = byDevice.compute(deviceId, (id, before) -> {
      if (before != null && before.sessionId().equals(sessionId)) {
        return before;
      }
      replaced[0] = before;
      return update;
    });
    return new Begun(now == update, replaced[0]);
  }

  /** @param replaced the update of an earlier session that {@link #begin} replaced, or null */
  record Begun(boolean accepted, ParticleFirmwareUpdate replaced) {
  }

  void end(String deviceId, ParticleFirmwareUpdate update) {
    byDevice.remove(deviceId, update);
  }

  /** @return null when none is under way */
  ParticleFirmwareUpdate of(String deviceId) {
    return byDevice.get(deviceId);
  }
}
