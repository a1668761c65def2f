package io.drover.gateway.contract;

import io.vertx.core.json.JsonObject;

/** What a gateway asks the hub when a device connects. The secret crosses the bus only here. */
public record AuthenticationRequest(String deviceId, String secret, String protocol, String remoteAddress) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("device_id", deviceId)
        .put("secret", secret)
        .put("protocol", protocol)
        .put("remote_address", remoteAddress);
  }

  public static AuthenticationRequest fromJson(JsonObject json) {
    return new AuthenticationRequest(
        json.getString("device_id"), json.getString("secret"), json.getString("protocol"), json.getString("remote_address"));
  }

  @Override
  public String toString() {
    return "AuthenticationRequest[deviceId=" + deviceId + ", protocol=" + protocol + ", remoteAddress=" + remoteAddress + "]";
  }
}
