package io.drover.gateway.handshake;

import io.vertx.core.json.JsonObject;

/**
 * The cloud's answer to a handshake (docs/device-protocol.md section 8.2): whether an update follows,
 * the version the device should run and the rule that chose it; when an update follows, the size and
 * SHA-256 of the binary on offer. MQTT sends it on {@code c/h}; CoAP answers {@code POST /h} with it.
 *
 * @param targetVersion null when no firmware is targeted at the device
 * @param size null unless an update follows
 * @param sha256 null unless an update follows
 */
public record HandshakeAnswer(boolean firmwareUpdate, Integer targetVersion, String rule, Integer size, String sha256) {

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("firmware_update", firmwareUpdate).put("target_version", targetVersion).put("rule", rule);
    if (firmwareUpdate) {
      json.put("size", size).put("sha256", sha256);
    }
    return json;
  }
}
