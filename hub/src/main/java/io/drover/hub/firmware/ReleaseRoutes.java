package io.drover.hub.firmware;

import static io.drover.hub.firmware.FirmwareFields.bool;
import static io.drover.hub.firmware.FirmwareFields.groups;
import static io.drover.hub.firmware.FirmwareFields.notFound;
import static io.drover.hub.firmware.FirmwareFields.percent;
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
import java.util.ArrayList;
import java.util.List;

/**
 * Releases: {@code PUT .../firmware/release} with its impact preview {@code GET .../impact}, and
 * staged rollouts. Mounted before the firmware routes, whose {@code .../firmware/:version} would
 * take "release" and "rollouts" for versions.
 */
final class ReleaseRoutes {

  private final Vertx vertx;
  private final AccessCheck access;
  private final ProductAccess products;
  private final FirmwareRepository firmware;
  private final TargetingIndex index;
  private final FirmwareIndexLoader loader;
  private final DeviceNudges nudges;

  ReleaseRoutes(Vertx vertx, AccessCheck access, ProductAccess products, FirmwareRepository firmware, TargetingIndex index,
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
    router.put(base + "/firmware/release").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(RequestBodies.handler()).handler(this::release);
    router.post(base + "/firmware/rollouts").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(RequestBodies.handler()).handler(this::startRollout);
    router.get(base + "/firmware/rollouts").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::rollouts);
    router.put(base + "/firmware/rollouts/:rollout").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(RequestBodies.handler()).handler(this::changeRollout);
    router.get(base + "/impact").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::impact);
  }

  /**
   * {@code PUT .../firmware/release {version, product_default, groups[]}}. Refused unless the version
   * runs on at least one device of the product (Particle's rule: a release is tested first).
   */
  private void release(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    JsonObject fields = RequestBodies.fields(ctx);
    int version = positiveInt(fields.getValue("version"), "version");
    boolean asDefault = bool(fields.getValue("product_default"), "product_default");
    List<String> groups = groups(fields.getValue("groups"));
    requireRunning(product, version)
        .compose(running -> firmware.release(product.productId(), version, asDefault, groups))
        .compose(released -> loader.reloadProduct(product.productId()))
        .compose(reloaded -> vertx.executeBlocking(() -> index.devicesTargetedTo(product.productId(), version), false))
        .compose(reached -> firmware.find(product.productId(), version).map(released -> {
          // other nodes' indexes reload the product; the sessions of the devices it reaches hear at once
          FleetChanges.productChanged(vertx.eventBus(), product.productId());
          for (int i = 0; i < Math.min(reached.size(), DeviceNudges.MAX_DEVICES_TOLD_AT_ONCE); i++) {
            nudges.askToCheck(reached.get(i));
          }
          FirmwareEvents.released(vertx.eventBus(), AccessCheck.principal(ctx), product.productId(), released, null);
          return released.put("device_count", index.runningCounts(product.productId()).getOrDefault(version, 0))
              .put("impacted_devices", reached.size());
        }))
        .onFailure(ctx::fail)
        .onSuccess(ctx::json);
  }
  /** Particle's rule: a version is released only once it runs on a device of the product (tested first). */
  private Future<Void> requireRunning(ProductScope product, int version) {
    return refusal(product, version).compose(refused -> refused == null ? Future.succeededFuture() : Future.failedFuture(refused));
  }

  /**
   * Why a release of {@code version} would be refused now, or null when it would not: the one place
   * the rule is written, which the release, a rollout and the impact preview all ask.
   */
  private Future<ApiException> refusal(ProductScope product, int version) {
    if (index.runningCounts(product.productId()).getOrDefault(version, 0) > 0) {
      return Future.succeededFuture();
    }
    return firmware.versionExists(product.productId(), version).map(exists -> exists
        ? new ApiException(400, "firmware_not_running", "Version " + version
            + " must run on at least one device of the product before it is released: flash it to a development device first")
        : notFound(product, version));
  }
  /**
   * {@code POST .../firmware/rollouts {version, product_default, groups[], batch_percent, failure_threshold_percent}}:
   * a release admitted in batches of {@code batch_percent} of the devices it targets; the first
   * batch at once, the next on {@code PUT .../rollouts/:id {action: "next"}}.
   */
  private void startRollout(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    JsonObject fields = RequestBodies.fields(ctx);
    int version = positiveInt(fields.getValue("version"), "version");
    boolean asDefault = bool(fields.getValue("product_default"), "product_default");
    List<String> groups = groups(fields.getValue("groups"));
    int batchPercent = percent(fields.getValue("batch_percent"), "batch_percent", 1, 0);
    int threshold = percent(fields.getValue("failure_threshold_percent"), "failure_threshold_percent", 0, 20);
    if (!asDefault && groups.isEmpty()) {
      throw new ApiException(400, "invalid_request", "A rollout needs product_default or groups");
    }
    Releases current = index.releases(product.productId());
    Releases before = new Releases(current.productDefault(), current.byGroup());
    // passes over the product's devices run on a worker: ~0.1 s each at a million devices
    vertx.executeBlocking(() -> index.impact(product.productId(), before.with(version, asDefault, groups), version), false)
        .compose(targeted -> requireRunning(product, version)
            .compose(running -> firmware.startRollout(product.productId(), version, asDefault, groups, batchPercent, threshold, before))
            .compose(id -> loader.reloadProduct(product.productId()).compose(reloaded -> firmware.rollout(product.productId(), id)))
            .compose(rollout -> vertx.executeBlocking(() -> nudges.tellTargeted(product.productId(), version), false)
                .map(admitted -> rollout.put("targeted_devices", targeted).put("admitted_devices", admitted.size()))))
        .onFailure(ctx::fail)
        .onSuccess(rollout -> {
          FleetChanges.productChanged(vertx.eventBus(), product.productId());
          FirmwareEvents.released(vertx.eventBus(), AccessCheck.principal(ctx), product.productId(), new JsonObject().put("version", version)
              .put("product_default", asDefault).put("groups", new JsonArray(groups)), rollout.getLong("id"));
          ctx.response().setStatusCode(201);
          ctx.json(rollout);
        });
  }

  private void rollouts(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    firmware.rollouts(product.productId()).onFailure(ctx::fail).onSuccess(all -> ctx.json(new JsonArray(new ArrayList<>(all))));
  }
  /** {@code PUT .../firmware/rollouts/:id {action: next | pause | resume | abort}}. */
  private void changeRollout(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    long id = positiveInt(ctx.pathParam("rollout"), "rollout");
    Object action = RequestBodies.fields(ctx).getValue("action");
    if (!(action instanceof String named)) {
      throw new ApiException(400, "invalid_request", "action is required: next, pause, resume or abort");
    }
    firmware.changeRollout(product.productId(), id, named)
        .compose(changed -> loader.reloadProduct(product.productId()).map(changed))
        .compose(changed -> vertx.executeBlocking(() -> nudges.tellTargeted(product.productId(), changed.getInteger("version")), false)
            .map(changed))
        .onFailure(ctx::fail)
        .onSuccess(changed -> {
          FleetChanges.productChanged(vertx.eventBus(), product.productId());
          ctx.json(changed);
        });
  }
  /**
   * {@code GET /v1/products/:pid/impact?action=edit_groups_for_firmware&firmware_version=V&product_default=true&groups=a,b}:
   * what the release would do, computed from the targeting index, and (Drover's addition) whether the
   * release would be refused now: {@code releasable}, and {@code refusal {status, error, error_description}}
   * as {@code PUT .../firmware/release} would answer, so a preview never promises what the release refuses.
   */
  private void impact(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    String action = ctx.request().getParam("action");
    if (action != null && !action.equals("edit_groups_for_firmware")) {
      throw new ApiException(400, "invalid_request", "action: only edit_groups_for_firmware is known");
    }
    int version = positiveInt(ctx.request().getParam("firmware_version"), "firmware_version");
    boolean asDefault = bool(ctx.request().getParam("product_default"), "product_default");
    String groupList = ctx.request().getParam("groups");
    List<String> groups = groupList == null || groupList.isBlank() ? List.of() : List.of(groupList.split(","));
    Releases proposed = index.releases(product.productId()).with(version, asDefault, groups);
    // one pass over the product's devices: ~0.2 s at a million, so off the event loop
    vertx.executeBlocking(() -> index.impact(product.productId(), proposed, version), false)
        .compose(impacted -> refusal(product, version).map(refused -> {
          JsonObject answer = new JsonObject()
              .put("firmware_version", version)
              .put("product_default", asDefault)
              .put("groups", new JsonArray(groups))
              .put("devices", new JsonObject().put("firmware_update", new JsonObject()
                  .put("total", impacted)
                  .put("by_version", new JsonArray().add(new JsonObject().put("version", version).put("total", impacted)))))
              .put("releasable", refused == null);
          if (refused != null) {
            answer.put("refusal", new JsonObject().put("status", refused.status()).put("error", refused.error())
                .put("error_description", refused.getMessage()));
          }
          return answer;
        }))
        .onFailure(ctx::fail)
        .onSuccess(ctx::json);
  }}
