package io.drover.hub.firmware;

import static io.drover.hub.firmware.FirmwareFields.bool;
import static io.drover.hub.firmware.FirmwareFields.deviceParam;
import static io.drover.hub.firmware.FirmwareFields.positiveInt;

import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.FleetChanges;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * One device's firmware: what it is targeted to run and why ({@code GET .../devices/:id/firmware-target}),
 * and lock, unlock and "flash now" ({@code PUT .../devices/:id {desired_firmware_version, flash}}).
 */
final class DeviceTargetRoutes {

  private final Vertx vertx;
  private final AccessCheck access;
  private final ProductAccess products;
  private final FirmwareRepository firmware;
  private final TargetingIndex index;
  private final FirmwareIndexLoader loader;
  private final DeviceNudges nudges;

  DeviceTargetRoutes(Vertx vertx, AccessCheck access, ProductAccess products, FirmwareRepository firmware, TargetingIndex index,
      FirmwareIndexLoader loader, DeviceNudges nudges) {
    this.vertx = vertx;
    this.access = access;
    this.products = products;
    this.firmware = firmware;
    this.index = index;
    this.loader = loader;
    this.nudges = nudges;
  }

  void mount(Router router, String base) {
    router.get(base + "/devices/:device/firmware-target").handler(access::requireUser)
        .handler(products.require(ProductPermission.VIEW)).handler(this::why);
    // shares its path with the products feature's device edit: this route takes only bodies with the
    // firmware fields, checks MANAGE_FIRMWARE itself, and passes other bodies on to the next route
    router.put(base + "/devices/:device").handler(access::requireUser)
        .handler(products.require(ProductPermission.VIEW)).handler(RequestBodies.handler()).handler(this::lock);
  }

  /** {@code GET .../devices/:device/firmware-target}: the target and why. */
  private void why(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    String deviceId = deviceParam(ctx);
    TargetingIndex.DeviceState device = index.device(product.productId(), deviceId);
    if (device == null) {
      throw new ApiException(404, "not_found", "Device " + deviceId + " is not in product " + product.productId());
    }
    firmware.lastFlashStatus(product.productId(), deviceId).onFailure(ctx::fail)
        .onSuccess(state -> ctx.json(why(product.productId(), deviceId, device).put("update_state", state)));
  }
  private JsonObject why(int productId, String deviceId, TargetingIndex.DeviceState device) {
    Releases releases = index.releases(productId);
    FirmwareTarget target = TargetingIndex.decide(deviceId, device, releases);
    return target.toJson()
        .put("device_id", deviceId)
        .put("product_id", productId)
        .put("firmware_version", device.running() == 0 ? null : device.running())
        .put("desired_firmware_version", device.locked() == 0 ? null : device.locked())
        .put("development", device.development())
        .put("groups", new JsonArray(List.of(device.groups())))
        .put("update_pending", target.version() != 0 && target.version() != device.running())
        .put("rollout", releases.rollout() == null ? null : new JsonObject().put("id", releases.rollout().id())
            .put("version", releases.rollout().version()).put("admitted_percent", releases.rollout().admittedPercent())
            .put("open", releases.rollout().open()).put("device_batch", releases.rollout().batchOf(deviceId)));
  }
  /** {@code PUT .../devices/:device {desired_firmware_version: V|null, flash: true}}: lock, unlock, flash now. */
  private void lock(RoutingContext ctx) {
    JsonObject fields = RequestBodies.fields(ctx);
    if (!fields.containsKey("desired_firmware_version") && !fields.containsKey("flash")) {
      ctx.next();
      return;
    }
    ProductScope product = ProductAccess.scope(ctx);
    if (!product.role().may(ProductPermission.MANAGE_FIRMWARE)) {
      throw new ApiException(403, "forbidden", "The " + product.role().wireName() + " role may not lock or flash devices in product " + product.productId());
    }
    String deviceId = deviceParam(ctx);
    boolean flash = bool(fields.getValue("flash"), "flash");
    Object given = fields.getValue("desired_firmware_version");
    boolean changesLock = fields.containsKey("desired_firmware_version");
    Integer version = given == null ? null : positiveInt(given, "desired_firmware_version");
    Future<Boolean> exists = version == null ? Future.succeededFuture(true) : firmware.versionExists(product.productId(), version);
    exists.compose(known -> {
      if (!known) {
        return Future.failedFuture(new ApiException(400, "invalid_request",
            "desired_firmware_version: product " + product.productId() + " has no firmware version " + version));
      }
      if (!changesLock) {
        return Future.succeededFuture(index.device(product.productId(), deviceId) != null);
      }
      return firmware.lock(product.productId(), deviceId, version);
    }).compose(member -> member
        ? loader.reloadDevices(List.of(deviceId))
        : Future.failedFuture(new ApiException(404, "not_found", "Device " + deviceId + " is not in product " + product.productId())))
        .onFailure(ctx::fail)
        .onSuccess(reloaded -> {
          FleetChanges.devicesChanged(vertx.eventBus(), product.productId(), List.of(deviceId));
          if (flash) {
            nudges.askToCheck(deviceId);
          }
          TargetingIndex.DeviceState device = index.device(product.productId(), deviceId);
          ctx.json(DeviceFirmwareFields.fill(why(product.productId(), deviceId, device).put("id", deviceId).put("flash", flash), index,
              product.productId(), deviceId));
        });
  }}
