package io.drover.hub.devices;

import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import java.util.HashMap;
import java.util.Map;

/**
 * Every device's stored secret hash, in memory, so that authenticating a connect costs a hash and no
 * SQL round trip. Loaded at start and kept current by the one verticle that owns it: used only on
 * that verticle's event loop.
 */
final class CredentialIndex {

  private final Map<String, byte[]> secretHashById;

  CredentialIndex(Map<String, byte[]> secretHashById) {
    this.secretHashById = new HashMap<>(secretHashById);
  }

  void put(String deviceId, byte[] secretHash) {
    secretHashById.put(deviceId, secretHash);
  }

  boolean contains(String deviceId) {
    return secretHashById.containsKey(deviceId);
  }

  /** @throws DeviceFailure UNKNOWN_DEVICE or BAD_CREDENTIALS */
  void verify(String deviceId, String secret) {
    byte[] stored = secretHashById.get(deviceId);
    if (stored == null) {
      throw new DeviceFailure(Kind.UNKNOWN_DEVICE, "unknown device");
    }
    if (!DeviceSecrets.matches(secret, stored)) {
      throw new DeviceFailure(Kind.BAD_CREDENTIALS, "wrong secret");
    }
  }

  int size() {
    return secretHashById.size();
  }
}
