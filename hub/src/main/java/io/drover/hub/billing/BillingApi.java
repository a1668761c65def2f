package io.drover.hub.billing;

import io.drover.hub.auth.Principal;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;

/**
 * Billing's routes (docs/api.md, "Billing"). Particle has public routes for none of this but the legacy
 * {@code GET /v1/card}; the others follow its style under /v1.
 * <ul>
 *   <li>{@code GET /v1/billing}: the Billing page: card, lock, failed payments, each product the caller
 *       owns with its plan, period, usage and renewal date, and their invoices</li>
 *   <li>{@code GET /v1/billing/plans}: the plans</li>
 *   <li>{@code GET /v1/billing/notices}: the failed-payment banner of every Console page</li>
 *   <li>{@code GET /v1/card}, {@code PUT /v1/card {token}}: the card on file; the token comes from the
 *       gateway's tokenising endpoint (the Console's UPDATE button)</li>
 *   <li>{@code GET /v1/products/:p/billing}, {@code PUT /v1/products/:p/billing {plan}}: a product's plan,
 *       usage and invoices; a plan change (MANAGE_BILLING: the product's administrators)</li>
 * </ul>
 */
public final class BillingApi implements ApiFeature {

  private final AccessCheck access;
  private final ProductAccess products;
  private final Billing billing;
  private final Clock clock;

  public BillingApi(AccessCheck access, ProductAccess products, Billing billing, Clock clock) {
    this.access = access;
    this.products = products;
    this.billing = billing;
    this.clock = clock;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get("/v1/billing").handler(access::requireUser).handler(this::status);
    router.get("/v1/billing/plans").handler(access::requireUser).handler(this::plans);
    router.get("/v1/billing/notices").handler(access::requireUser).handler(this::notices);
    router.get("/v1/card").handler(access::requireUser).handler(this::card);
    router.put("/v1/card").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::updateCard);
    String product = "/v1/products/:" + ProductAccess.PATH_PARAM + "/billing";
    router.get(product).handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_BILLING)).handler(this::product);
    router.put(product).handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_BILLING)).handler(RequestBodies.handler())
        .handler(this::changePlan);
    return Future.succeededFuture();
  }

  /** Billing is a person's: API users and customers have none; the bootstrap admin token belongs to no account. */
  private static Long person(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.kind() != Principal.Kind.PERSON) {
      throw new ApiException(403, "forbidden", "Billing belongs to a person's account, not to an API user or a customer");
    }
    return caller.userId();
  }

  private void status(RoutingContext ctx) {
    Long user = person(ctx);
    if (user == null) {
      ctx.json(new JsonObject().put("ok", true).put("card", null).put("locked", false).put("failed_payments", new JsonArray())
          .put("products", new JsonArray()).put("invoices", new JsonArray()));
      return;
    }
    billing.status(user).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  /** Anyone signed in: a customer, an API user or the bootstrap token has nothing to be told. */
  private void notices(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.kind() != Principal.Kind.PERSON || caller.userId() == null) {
      ctx.json(new JsonObject().put("ok", true).put("own", null).put("products", new JsonArray()));
      return;
    }
    billing.notices(caller.userId()).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void plans(RoutingContext ctx) {
    JsonArray plans = new JsonArray();
    billing.settings().plans().values().forEach(plan -> plans.add(plan.toJson()));
    ctx.json(new JsonObject().put("ok", true).put("plans", plans).put("self_service_device_limit", BillingSettings.SELF_SERVICE_DEVICE_LIMIT));
  }

  /** Particle's legacy shape: {@code {card: {last4, brand, exp_month, exp_year}}}, card null when none. */
  private void card(RoutingContext ctx) {
    Long user = person(ctx);
    if (user == null) {
      ctx.json(new JsonObject().put("card", null));
      return;
    }
    billing.card(user).onSuccess(card -> ctx.json(new JsonObject().put("card", card))).onFailure(ctx::fail);
  }

  private void updateCard(RoutingContext ctx) {
    Long user = person(ctx);
    if (user == null) {
      throw new ApiException(400, "invalid_request", "The bootstrap admin token belongs to no account, so has no card");
    }
    JsonObject body = RequestBodies.fields(ctx);
    if (body.containsKey("number") || body.containsKey("card_number")) {
      // the number goes to the gateway only: refuse it here, and never log it
      throw new ApiException(400, "invalid_request", "Send the card number to the payment gateway (" + billing.gateway().tokenizeUrl()
          + ") and give its token here; this node never takes card numbers");
    }
    Object token = body.getValue("token");
    billing.updateCard(user, token instanceof String text ? text : null, clock.instant())
        .onSuccess(answer -> ctx.json(answer.put("ok", true)))
        .onFailure(ctx::fail);
  }

  private void product(RoutingContext ctx) {
    billing.product(ProductAccess.scope(ctx).productId()).onSuccess(answer -> ctx.json(answer.put("ok", true))).onFailure(ctx::fail);
  }

  /** The owner's, whose card pays for it (the guide: the owner manages the tier), or a node administrator's. */
  private void changePlan(RoutingContext ctx) {
    ProductAccess.ProductScope scope = ProductAccess.scope(ctx);
    Principal caller = AccessCheck.principal(ctx);
    if (!caller.admin() && !Long.valueOf(scope.ownerId()).equals(caller.userId())) {
      ctx.fail(new ApiException(403, "forbidden", "Only the product's owner changes its plan: the owner's card pays for it"));
      return;
    }
    JsonObject body = RequestBodies.fields(ctx);
    Object plan = body.getValue("plan");
    int productId = scope.productId();
    billing.changePlan(productId, plan instanceof String text ? text : null, AccessCheck.principal(ctx).admin(), clock.instant())
        .compose(change -> billing.product(productId).map(view -> view.put("ok", true).put("change", change)))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }
}
