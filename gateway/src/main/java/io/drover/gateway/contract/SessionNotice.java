package io.drover.gateway.contract;

import io.vertx.core.json.JsonObject;

/**
 * A device session opened or closed on a gateway. {@code sessionId} tells two sessions of one device
 * apart, so that a late "closed" of a session that was taken over cannot mark the device offline.
 */
public record SessionNotice(String deviceId, String sessionId, State state, String protocol, String remoteAddress, long atMillis) {

  public enum State { OPENED, CLOSED }

  public JsonObject toJson() {
    return new JsonObject()
        .put("device_id", deviceId)
        .put("session_id", sessionId)
        .put("state", state.name())
        .put("protocol", protocol)
        .put("remote_address", remoteAddress)
        .put("at", atMillis);
  }

  public static SessionNotice fromJson(JsonObject json) {
    return new SessionNotice(
        json.getString("device_id"),
        json.getString("session_id"),
        State.valueOf(json.getString("state")),
        json.getString("protocol"),
        json.getString("remote_address"),
        json.getLong("at"));
  }
}
