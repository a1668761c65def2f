package io.drover.gateway.contract;

import io.vertx.core.json.JsonObject;

/** The hub's answer to a successful authentication: what the session needs to know of its device. */
public record AuthenticatedDevice(String deviceId) {

  public JsonObject toJson() {
    return new JsonObject().put("device_id", deviceId);
  }

  public static AuthenticatedDevice fromJson(JsonObject json) {
    return new AuthenticatedDevice(json.getString("device_id"));
  }
}
