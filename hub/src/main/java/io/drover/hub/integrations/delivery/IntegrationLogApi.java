package io.drover.hub.integrations.delivery;

import io.drover.hub.HubAddresses;
import io.drover.hub.auth.Principal;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.List;
import java.time.format.DateTimeParseException;

/**
 * The delivery log of an integration over HTTP, for the account's sandbox and for products:
 *
 * <ul>
 *   <li>{@code GET /v1/integrations/:id/log?limit&before&since&outcome}: the latest attempts, newest first;</li>
 *   <li>{@code GET .../counts?since}: success, error, skipped and throttled per UTC hour (30 days by default);</li>
 *   <li>{@code GET .../dead-letters?limit}: deliveries that failed for good;</li>
 *   <li>{@code POST .../dead-letters/replay} with {@code {event_id?}}: all of them (or that event's) are
 *       delivered again.</li>
 * </ul>
 *
 * The same under {@code /v1/products/:productIdOrSlug/integrations/:id/...}: VIEW reads, MANAGE_SETTINGS
 * replays. A sandbox integration is its account's only (a person's token; customers and API users
 * have none); an id that is not the caller's answers 404 as one that does not exist. The answers come
 * from the delivery engine over the bus ({@code hub.integrations.log}, {@code hub.integrations.replay}).
 */
public final class IntegrationLogApi implements ApiFeature {

  private static final String SANDBOX = "/v1/integrations/:integrationId";
  private static final String PRODUCT = "/v1/products/:" + ProductAccess.PATH_PARAM + "/integrations/:integrationId";
  /** An attempt's outcome, as logged: delivered, failed and tried again later, failed for good. */
  private static final List<String> OUTCOMES = List.of("success", "retry", "dead");
  private static final String OWNER = "SELECT user_id, product_id FROM integrations WHERE id = $1";

  private final Pool pool;
  private final EventBus bus;
  private final AccessCheck access;
  private final ProductAccess products;

  public IntegrationLogApi(Pool pool, EventBus bus, AccessCheck access, ProductAccess products) {
    this.pool = pool;
    this.bus = bus;
    this.access = access;
    this.products = products;
  }

  @Override
  public Future<Void> mount(Router router) {
    for (String kind : new String[] {"log", "counts", "dead-letters"}) {
      router.get(SANDBOX + "/" + kind).handler(access::requireUser).handler(ctx -> read(ctx, kind, false));
      router.get(PRODUCT + "/" + kind).handler(access::requireUser).handler(products.require(ProductPermission.VIEW))
          .handler(ctx -> read(ctx, kind, true));
    }
    router.post(SANDBOX + "/dead-letters/replay").handler(access::requireUser).handler(RequestBodies.handler()).handler(ctx -> replay(ctx, false));
    router.post(PRODUCT + "/dead-letters/replay").handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_SETTINGS))
        .handler(RequestBodies.handler()).handler(ctx -> replay(ctx, true));
    return Future.succeededFuture();
  }

  private void read(RoutingContext ctx, String kind, boolean product) {
    JsonObject question = new JsonObject().put("kind", switch (kind) {
      case "log" -> "attempts";
      case "dead-letters" -> "dead_letters";
      default -> "counts";
    });
    String limit = ctx.request().getParam("limit");
    if (limit != null) {
      question.put("limit", number(limit, "limit", 1, 1000));
    }
    putTime(ctx, question, "before");
    putTime(ctx, question, "since");
    String outcome = ctx.request().getParam("outcome");
    if (outcome != null && "log".equals(kind)) {
      if (!OUTCOMES.contains(outcome)) {
        throw new ApiException(400, "invalid_request", "outcome must be one of " + String.join(", ", OUTCOMES));
      }
      question.put("outcome", outcome);
    }
    owned(ctx, product)
        .compose(id -> bus.<JsonObject>request(HubAddresses.INTEGRATIONS_LOG, question.put("id", id)))
        .onSuccess(reply -> ctx.json(reply.body().put("ok", true)))
        .onFailure(cause -> ctx.fail(refusal(cause)));
  }

  private void replay(RoutingContext ctx, boolean product) {
    JsonObject body = RequestBodies.fields(ctx);
    Object event = body.getValue("event_id");
    Long eventId = null;
    if (event != null) {
      eventId = (long) number(String.valueOf(event), "event_id", 1, Long.MAX_VALUE);
    }
    Long chosen = eventId;
    owned(ctx, product)
        .compose(id -> bus.<JsonObject>request(HubAddresses.INTEGRATIONS_REPLAY, new JsonObject().put("id", id).put("event_id", chosen)))
        .onSuccess(reply -> ctx.json(reply.body().put("ok", true)))
        .onFailure(cause -> ctx.fail(refusal(cause)));
  }

  /** The integration's id when the caller may see it: the account's own sandbox integration, or one of the product in the path. */
  private Future<String> owned(RoutingContext ctx, boolean product) {
    String id = ctx.pathParam("integrationId");
    ApiException notFound = new ApiException(404, "not_found", "Integration " + id + " not found");
    if (id == null || !id.matches("^[0-9a-f]{24}$")) {
      return Future.failedFuture(notFound);
    }
    Principal principal = AccessCheck.principal(ctx);
    if (!product && principal.kind() != Principal.Kind.PERSON) {
      return Future.failedFuture(new ApiException(403, "forbidden", "Only a person's account has sandbox integrations"));
    }
    return pool.preparedQuery(OWNER).execute(Tuple.of(id)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(notFound);
      }
      var row = rows.iterator().next();
      boolean mine = product
          ? Integer.valueOf(ProductAccess.scope(ctx).productId()).equals(row.getInteger("product_id"))
          : row.getLong("user_id") != null && row.getLong("user_id").equals(principal.userId());
      return mine ? Future.succeededFuture(id) : Future.failedFuture(notFound);
    });
  }

  private static void putTime(RoutingContext ctx, JsonObject question, String name) {
    String value = ctx.request().getParam(name);
    if (value == null) {
      return;
    }
    try {
      question.put(name, OffsetDateTime.parse(value).toString());
    } catch (DateTimeParseException e) {
      throw new ApiException(400, "invalid_request", name + " must be an ISO-8601 time such as 2026-12-06T17:00:00Z");
    }
  }

  private static long number(String text, String name, long min, long max) {
    try {
      long value = Long.parseLong(text.trim());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", name + " must be a whole number from " + min + " to " + max);
  }

  /** The engine's refusals in the API's shape; anything else (a timeout, no engine) is 503. */
  private static Throwable refusal(Throwable cause) {
    if (cause instanceof ApiException) {
      return cause;
    }
    if (cause instanceof ReplyException reply && reply.failureCode() == 400) {
      return new ApiException(400, "invalid_request", reply.getMessage());
    }
    return new ApiException(503, "unavailable", "The delivery log cannot be read now; try again");
  }
}
