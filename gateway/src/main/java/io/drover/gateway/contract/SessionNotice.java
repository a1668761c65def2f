package io.drover.gateway.contract;

import io.vertx.core.json.JsonObject;

/**
 * A device session opened or closed on a gateway node. {@code sessionId} tells two sessions of one
 * device apart, so that a "closed" that arrives after a newer session's "opened" (they may come from
 * two nodes) cannot mark the device offline; {@code nodeId} names the gateway node that holds it, so
 * that the devices of a node that died can be found and marked offline.
 */
public record SessionNotice(String deviceId, String sessionId, String nodeId, State state, String protocol, String remoteAddress, long atMillis) {

  public enum State { OPENED, CLOSED }

  public JsonObject toJson() {
    return new JsonObject()
        .put("device_id", deviceId)
        .put("session_id", sessionId)
        .put("node_id", nodeId)
        .put("state", state.name())
        .put("protocol", protocol)
        .put("remote_address", remoteAddress)
        .put("at", atMillis);
  }

  public static SessionNotice fromJson(JsonObject json) {
    return new SessionNotice(
        json.getString("device_id"),
        json.getString("session_id"),
        json.getString("node_id"),
        State.valueOf(json.getString("state")),
        json.getString("protocol"),
        json.getString("remote_address"),
        json.getLong("at"));
  }
}
