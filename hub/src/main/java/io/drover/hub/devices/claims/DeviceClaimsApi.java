package io.drover.hub.devices.claims;

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
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Locale;

/**
 * Claim codes, as Particle's API makes them (particle-cli's set-up, particle-api-js
 * {@code getClaimCode}): {@code POST /v1/device_claims} gives the caller (a person or a product's
 * customer) a code; {@code POST /v1/products/:pid/device_claims} gives one for a product, to a team
 * member who may import devices, or to one of the product's customers. Both answer
 * {@code {claim_code, device_ids}}, {@code device_ids} being the caller's devices. The code goes to the
 * device (over its set-up: SoftAP, BLE, a serial console), which reports it to the cloud; that report
 * is the proof that the device is in the caller's hands ({@link ClaimCodeReports}).
 */
public final class DeviceClaimsApi implements ApiFeature {

  private static final String PRODUCT_CLAIMS = "/v1/products/:" + ProductAccess.PATH_PARAM + "/device_claims";

  private final Pool pool;
  private final AccessCheck access;
  private final ProductAccess products;
  private final ClaimCodes codes;

  public DeviceClaimsApi(Pool pool, AccessCheck access, ProductAccess products, ClaimCodes codes) {
    this.pool = pool;
    this.access = access;
    this.products = products;
    this.codes = codes;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post("/v1/device_claims").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::forAccount);
    router.post(PRODUCT_CLAIMS).handler(access::requireUser).handler(RequestBodies.handler()).handler(this::forCustomer)
        .handler(products.require(ProductPermission.MANAGE_DEVICES)).handler(this::forTeam);
    return Future.succeededFuture();
  }

  /** {@code POST /v1/device_claims}: a person's or a customer's own code ({@code iccid}, Particle's SIM field, is not used). */
  private void forAccount(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.userId() == null || caller.kind() == Principal.Kind.API_USER) {
      throw new ApiException(403, "forbidden", caller.userId() == null
          ? "The bootstrap admin token belongs to no account, so it has no claim codes; an administrator claims and imports devices without them"
          : "A product's API user owns no devices: make a product claim code with POST /v1/products/:product/device_claims");
    }
    answer(ctx, codes.create(caller.userId(), null));
  }

  /** A customer's product code, for its own product only (any other product, as every product route, is 404 to it). */
  private void forCustomer(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.kind() != Principal.Kind.CUSTOMER) {
      ctx.next();
      return;
    }
    String given = ctx.pathParam(ProductAccess.PATH_PARAM);
    pool.preparedQuery("SELECT slug FROM products WHERE id = $1").execute(Tuple.of(caller.productId()))
        .onFailure(ctx::fail)
        .onSuccess(rows -> {
          String slug = rows.size() == 0 ? null : rows.iterator().next().getString(0);
          if (slug == null || !(given.equals(String.valueOf(caller.productId())) || given.toLowerCase(Locale.ROOT).equals(slug))) {
            ctx.fail(new ApiException(404, "not_found", "Product " + given + " not found"));
          } else {
            answer(ctx, codes.create(caller.userId(), caller.productId()));
          }
        });
  }

  /** A team member's product code: a device that reports it joins the product, as an import of its ID would add it. */
  private void forTeam(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.userId() == null) {
      throw new ApiException(403, "forbidden", "The bootstrap admin token belongs to no account, so it has no claim codes; "
          + "an administrator imports devices by ID without them");
    }
    answer(ctx, codes.create(caller.userId(), ProductAccess.scope(ctx).productId()));
  }

  private static void answer(RoutingContext ctx, Future<ClaimCodes.Made> made) {
    made.onSuccess(code -> ctx.json(new JsonObject().put("claim_code", code.code()).put("device_ids", new JsonArray(code.deviceIds()))))
        .onFailure(ctx::fail);
  }
}
