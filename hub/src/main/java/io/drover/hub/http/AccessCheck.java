package io.drover.hub.http;

import io.drover.hub.auth.AdminTokens;
import io.vertx.ext.web.RoutingContext;

/**
 * Who may call a route. For now there is one principal, the bootstrap admin; accounts, scopes and
 * per-device ownership come with the API issue and replace this check route by route.
 */
public final class AccessCheck {

  private final AdminTokens adminTokens;

  public AccessCheck(AdminTokens adminTokens) {
    this.adminTokens = adminTokens;
  }

  /** A route handler: passes on to the next handler only for a valid admin token. */
  public void requireAdmin(RoutingContext ctx) {
    String token = bearerToken(ctx);
    if (token == null) {
      ctx.fail(new ApiException(401, "invalid_request", "The access token was not found"));
    } else if (!adminTokens.isValid(token)) {
      ctx.fail(new ApiException(401, "invalid_token", "The access token provided is invalid."));
    } else {
      ctx.next();
    }
  }

  /** Particle accepts the token as a Bearer header, or as an access_token query or form field. */
  static String bearerToken(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    return ctx.request().getParam("access_token");
  }
}
