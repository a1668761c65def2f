package io.drover.gateway.handshake;

import io.vertx.core.json.JsonObject;

/**
 * Asset Tracker settings sent to a device whose checksum differs (docs/device-protocol.md section 9):
 * MQTT's {@code c/cfg}, CoAP's {@code PUT /cfg}.
 */
public record TrackerConfigPush(String checksum, JsonObject configuration) {

  public JsonObject toJson() {
    return new JsonObject().put("checksum", checksum).put("configuration", configuration);
  }
}
