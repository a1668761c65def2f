package io.drover.hub.products.fleet;

import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.devices.DeviceCalls;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * A product device's functions and variables, as Particle serves them under the product
 * (cloud-api.md: every device route also exists under {@code /v1/products/:productIdOrSlug}):
 * {@code POST .../devices/:deviceId/:function {arg}} for the team's roles that operate devices
 * ({@code devices.function:call}), {@code GET .../devices/:deviceId/:variable} for every role that
 * views the product ({@code devices.variable:get}). A device not in the product is 404, as if it did
 * not exist. The call goes the way the account's does ({@link DeviceCalls}).
 *
 * <p>Mounted after every other {@code .../devices/:deviceId/...} route of a product (the firmware
 * target, the event stream): these two would take their paths.
 */
public final class ProductDeviceCallsApi implements ApiFeature {

  private static final String BASE = "/v1/products/:" + ProductAccess.PATH_PARAM + "/devices/:deviceId";
  private static final String ONE_DEVICE = """
      SELECT d.id, d.name, d.functions, d.variables, c.last_heard, c.last_handshake_at, d.product_id
      FROM devices d JOIN device_connectivity c ON c.device_id = d.id WHERE d.id = $1 AND d.product_id = $2""";

  private final Pool pool;
  private final AccessCheck access;
  private final ProductAccess products;
  private final DeviceCalls calls;

  public ProductDeviceCallsApi(Pool pool, AccessCheck access, ProductAccess products, DeviceCalls calls) {
    this.pool = pool;
    this.access = access;
    this.products = products;
    this.calls = calls;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post(BASE + "/:function").handler(access::requireUser).handler(products.require(ProductPermission.OPERATE_DEVICES))
        .handler(RequestBodies.handler()).handler(this::callFunction);
    router.get(BASE + "/:variable").handler(access::requireUser).handler(products.require(ProductPermission.VIEW))
        .handler(this::readVariable);
    return Future.succeededFuture();
  }

  private void callFunction(RoutingContext ctx) {
    String argument = DeviceCalls.argument(RequestBodies.fields(ctx));
    find(ctx).compose(device -> calls.call(device, ctx.pathParam("function"), argument)).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void readVariable(RoutingContext ctx) {
    boolean raw = "raw".equals(ctx.request().getParam("format"));
    find(ctx).compose(device -> calls.read(device, ctx.pathParam("variable"), raw)).onSuccess(answer -> {
      if (answer instanceof JsonObject json) {
        ctx.json(json);
      } else {
        ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end((String) answer);
      }
    }).onFailure(ctx::fail);
  }

  /** The device in the path if it is in this product; by ID only, as the product's other device routes. */
  private Future<DeviceCalls.Target> find(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    String given = ctx.pathParam("deviceId");
    String id = DeviceIds.normalize(given);
    if (id == null) {
      return Future.failedFuture(new ApiException(404, "not_found", "No device " + given + " in this product"));
    }
    return pool.preparedQuery(ONE_DEVICE).execute(Tuple.of(id, product.productId())).compose(rows -> {
      if (rows.size() != 1) {
        return Future.failedFuture(new ApiException(404, "not_found", "No device " + id + " in this product"));
      }
      Row row = rows.iterator().next();
      Object functions = row.getValue("functions");
      Object variables = row.getValue("variables");
      return Future.succeededFuture(new DeviceCalls.Target(id, row.getString("name"),
          functions instanceof JsonArray array ? array : new JsonArray(),
          variables instanceof JsonObject object ? object : new JsonObject(),
          ProductDeviceJson.time(row.getOffsetDateTime("last_heard")), ProductDeviceJson.time(row.getOffsetDateTime("last_handshake_at")),
          product.productId()));
    });
  }
}
