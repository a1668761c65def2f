package io.drover.hub.auth;

import io.vertx.core.json.JsonObject;

/** The answer of {@code POST /oauth/token}, in the shape OAuth 2 clients and the Particle tools read. */
public record TokenGrant(String accessToken, String refreshToken, long expiresIn) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("token_type", "bearer")
        .put("access_token", accessToken)
        .put("expires_in", expiresIn)
        .put("refresh_token", refreshToken);
  }
}
