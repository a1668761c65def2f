package io.drover.gateway.handshake;

import io.drover.gateway.contract.DeviceFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * What a device says when its session starts (docs/device-protocol.md section 8.2): the product it
 * belongs to, the product firmware version it runs, its platform, and the checksum of the
 * configuration it holds (Asset Tracker settings sync: {@link TrackerConfigSync}).
 *
 * @param firmwareVersion 0 when the device runs no product firmware yet
 */
public record Handshake(int productId, int firmwareVersion, int platformId, String configChecksum) {

  /** @throws DeviceFailure MALFORMED_PAYLOAD naming the field that is wrong */
  public static Handshake parse(String payload) {
    JsonObject json;
    try {
      json = new JsonObject(payload);
    } catch (DecodeException | ClassCastException e) {
      throw malformed("the handshake must be a JSON object");
    }
    int productId = integer(json, "product_id", true);
    int version = integer(json, "firmware_version", false);
    int platformId = integer(json, "platform_id", false);
    Object checksum = json.getValue("config_checksum");
    if (checksum != null && !(checksum instanceof String)) {
      throw malformed("config_checksum must be a string");
    }
    return new Handshake(productId, version, platformId, (String) checksum);
  }

  public JsonObject toTargetRequest(String deviceId) {
    return new JsonObject().put("device_id", deviceId).put("product_id", productId)
        .put("firmware_version", firmwareVersion).put("platform_id", platformId);
  }

  private static int integer(JsonObject json, String field, boolean positive) {
    Object value = json.getValue(field);
    if (value == null && !positive) {
      return 0;
    }
    if (!(value instanceof Number number) || number.doubleValue() != number.intValue() || number.intValue() < (positive ? 1 : 0)) {
      throw malformed(field + " must be " + (positive ? "a positive" : "a non-negative") + " integer");
    }
    return number.intValue();
  }

  private static DeviceFailure malformed(String message) {
    return new DeviceFailure(DeviceFailure.Kind.MALFORMED_PAYLOAD, message);
  }
}
