package io.drover.hub.devices;

import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import java.util.HashMap;
import java.util.Map;

/**
 * Every device's stored secret hash, and its sealed secret where it has one (for DTLS PSK), in
 * memory, so that authenticating a connect or answering a handshake's key lookup costs no SQL round
 * trip. Loaded at start and kept current by the one verticle that owns it: used only on that
 * verticle's event loop.
 */
final class CredentialIndex {

  private final Map<String, byte[]> secretHashById;
  private final Map<String, byte[]> sealedSecretById;
  /** Device IDs by the base64 of their registered public key (DER SubjectPublicKeyInfo). */
  private final Map<String, String> deviceByPublicKey;

  CredentialIndex(Map<String, byte[]> secretHashById, Map<String, byte[]> sealedSecretById, Map<String, String> deviceByPublicKey) {
    this.secretHashById = new HashMap<>(secretHashById);
    this.sealedSecretById = new HashMap<>(sealedSecretById);
    this.deviceByPublicKey = new HashMap<>(deviceByPublicKey);
  }

  void putPublicKey(String publicKeyBase64, String deviceId) {
    deviceByPublicKey.put(publicKeyBase64, deviceId);
  }

  /** @return the device registered with this key, or null */
  String deviceForPublicKey(String publicKeyBase64) {
    return deviceByPublicKey.get(publicKeyBase64);
  }

  void put(String deviceId, byte[] secretHash, byte[] sealedSecret) {
    secretHashById.put(deviceId, secretHash);
    if (sealedSecret != null) {
      sealedSecretById.put(deviceId, sealedSecret);
    }
  }

  /** @return the sealed secret, or null for an unknown device or one registered before sealed secrets */
  byte[] sealedSecret(String deviceId) {
    return sealedSecretById.get(deviceId);
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
