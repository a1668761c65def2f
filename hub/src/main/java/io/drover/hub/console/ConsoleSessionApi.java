package io.drover.hub.console;

import io.drover.hub.auth.AttemptLimits;
import io.drover.hub.auth.PersonLogIn;
import io.drover.hub.auth.TokenService;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.ConsoleCookie;
import io.drover.hub.http.RequestBodies;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/**
 * Signing in to and out of the Console: {@code POST /v1/console/session} checks the password as the
 * password grant does and answers the token in the {@link ConsoleCookie} only, never in the body, so
 * no script of the page ever holds it; {@code DELETE /v1/console/session} revokes that token (the
 * server forgets the session, for every tab at once) and clears the cookie. Both need the Console's
 * header: another site can neither sign a browser out nor into an account of its choosing.
 */
public final class ConsoleSessionApi implements ApiFeature {

  /** The Console's OAuth client (the V2 migration registers it): its tokens are listed under that name. */
  static final String CLIENT_ID = "drover-console";

  private final PersonLogIn logIn;
  private final TokenService tokens;
  private final Duration lifetime;

  /** @param lifetime how long a session lasts after signing in (accounts.console-session-days) */
  public ConsoleSessionApi(PersonLogIn logIn, TokenService tokens, Duration lifetime) {
    this.logIn = logIn;
    this.tokens = tokens;
    this.lifetime = lifetime;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post("/v1/console/session").handler(ConsoleSessionApi::fromConsole).handler(RequestBodies.handler()).handler(this::signIn);
    router.delete("/v1/console/session").handler(ConsoleSessionApi::fromConsole).handler(this::signOut);
    return Future.succeededFuture();
  }

  private static void fromConsole(RoutingContext ctx) {
    if (ConsoleCookie.fromConsole(ctx)) {
      ctx.next();
    } else {
      ctx.fail(ConsoleCookie.refusal());
    }
  }

  private void signIn(RoutingContext ctx) {
    JsonObject body = RequestBodies.fields(ctx);
    String address = AttemptLimits.addressOf(ctx.request().remoteAddress());
    logIn.logIn(text(body.getValue("username")), text(body.getValue("password")), CLIENT_ID, lifetime.toSeconds(), address)
        .onSuccess(grant -> {
          ConsoleCookie.set(ctx, grant.accessToken(), lifetime);
          ctx.json(new JsonObject().put("ok", true).put("expires_in", lifetime.toSeconds()));
        })
        .onFailure(ctx::fail);
  }

  /** Answers ok whether or not the cookie still named a live session: either way there is none now. */
  private void signOut(RoutingContext ctx) {
    String token = ConsoleCookie.token(ctx);
    Future<?> revoked = token == null ? Future.succeededFuture()
        : tokens.check(token).compose(principal -> tokens.revoke(principal.userId(), principal.tokenId()))
            .recover(stale -> Future.succeededFuture(false));
    revoked.onComplete(done -> {
      if (done.failed()) {
        ctx.fail(done.cause());
        return;
      }
      ConsoleCookie.clear(ctx);
      ctx.json(new JsonObject().put("ok", true));
    });
  }

  private static String text(Object value) {
    if (value != null && !(value instanceof String)) {
      throw new ApiException(400, "invalid_request", "username and password must be strings");
    }
    return (String) value;
  }
}
