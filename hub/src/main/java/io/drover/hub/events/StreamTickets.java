package io.drover.hub.events;

import io.drover.hub.auth.Principal;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.regex.Pattern;

/**
 * Stream tickets, for a browser's EventSource, which cannot send an {@code Authorization} header: so
 * that no access token (valid for 90 days) has to travel in a URL, where proxies and servers log it.
 *
 * <ul>
 *   <li>{@code POST /v1/events/stream_tickets {path}} (a bearer token of an account): an opaque ticket
 *       for the event stream at {@code path}, valid {@link StreamTicketStore#LIFETIME}.</li>
 *   <li>{@code GET <path>?stream_ticket=<ticket>}: the stream routes accept it in place of a token
 *       ({@link #requireCaller}), once, on that path only, as the token that asked for it, while that
 *       token is live.</li>
 * </ul>
 *
 * {@code ?access_token=} still opens streams, as Particle's API does; docs/api.md discourages it.
 */
public final class StreamTickets implements ApiFeature {

  /** The event streams (EventStreamApi's routes), as a browser sends their paths; no query. */
  private static final Pattern STREAM_PATH =
      Pattern.compile("^/v1/(?:events|devices/events|devices/[^/?#]+/events|products/[^/?#]+/events|products/[^/?#]+/devices/[^/?#]+/events)(?:/[^?#]*)?$");
  private static final int MAX_PATH_LENGTH = 1024;
  static final String PARAMETER = "stream_ticket";

  private final StreamTicketStore store;
  private final AccessCheck access;

  public StreamTickets(Pool pool, AccessCheck access) {
    this.store = new StreamTicketStore(pool);
    this.access = access;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post("/v1/events/stream_tickets").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::issue);
    return Future.succeededFuture();
  }

  private void issue(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.tokenId() == null) {
      throw new ApiException(403, "forbidden", "The bootstrap admin token belongs to no account: send it in the Authorization header");
    }
    String path = RequestBodies.fields(ctx).getValue("path") instanceof String s ? s : null;
    if (path == null || path.length() > MAX_PATH_LENGTH || !STREAM_PATH.matcher(path).matches()) {
      throw new ApiException(400, "invalid_request",
          "path must be the path of an event stream, without its query: /v1/events, /v1/devices/events, /v1/devices/:id/events, "
              + "/v1/products/:product/events or /v1/products/:product/devices/:id/events, each with an optional /prefix");
    }
    store.issue(caller.tokenId(), path)
        .onSuccess(ticket -> {
          if (ticket == null) {
            ctx.fail(new ApiException(429, "rate_limited",
                "This token holds " + StreamTicketStore.MAX_UNUSED_PER_TOKEN + " unused stream tickets already; use them or wait a minute"));
          } else {
            ctx.json(new JsonObject().put("ok", true).put("ticket", ticket).put("path", path)
                .put("expires_in", StreamTicketStore.LIFETIME.toSeconds()));
          }
        })
        .onFailure(ctx::fail);
  }

  /**
   * The stream routes' caller check: a stream ticket for exactly this path, or else whatever
   * {@link AccessCheck#requireUser} accepts. Called on the event loop.
   */
  public void requireCaller(RoutingContext ctx) {
    String ticket = ctx.request().getParam(PARAMETER);
    if (ticket == null) {
      access.requireUser(ctx);
      return;
    }
    if (AccessCheck.bearerToken(ctx) != null) {
      ctx.fail(new ApiException(400, "invalid_request", "Send a stream ticket or an access token, not both"));
      return;
    }
    String path = ctx.request().path();
    store.redeem(ticket).onComplete(redeemed -> {
      if (redeemed.failed()) {
        ctx.fail(redeemed.cause());
      } else if (redeemed.result() == null || redeemed.result().caller() == null) {
        ctx.fail(new ApiException(401, "invalid_token", "The stream ticket is invalid, used or expired"));
      } else if (!redeemed.result().path().equals(path)) {
        ctx.fail(new ApiException(403, "forbidden", "The stream ticket is for another stream; it is spent"));
      } else {
        AccessCheck.establish(ctx, redeemed.result().caller());
        ctx.next();
      }
    });
  }
}
