package io.drover.hub.tracker;

import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.commands.DeviceCommands;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asset Tracker settings (cloud-api.md, "Tracker"; console-guide.md, "Product Settings"):
 * {@code GET/PUT /v1/products/:pid/config} for the fleet, {@code GET/PUT/DELETE .../config/:deviceId}
 * for a development device's own settings. {@code GET} with {@code Accept: application/schema+json}
 * answers the JSON schema. Answers carry the effective settings and their checksum
 * ({@link ConfigChecksum}). VIEW reads; MANAGE_SETTINGS writes. Tracker products only.
 *
 * <p>A write is committed, this node's index reloaded, then every node told ({@link ConfigChanges}),
 * so that a read after the answer sees the change.
 */
public final class TrackerConfigApi implements ApiFeature {

  static final String SCHEMA_TYPE = "application/schema+json";
  static final int MAX_PER_PAGE = 100;
  private static final int PUSH_BATCH = 100;
  private static final long PUSH_TIMEOUT_MILLIS = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(TrackerConfigApi.class);
  private static final String BASE = "/v1/products/:" + ProductAccess.PATH_PARAM + "/config";

  private final EventBus bus;
  private final AccessCheck access;
  private final ProductAccess products;
  private final TrackerConfigRepository repository;
  private final ConfigIndexLoader loader;
  private final DeviceCommands commands;
  private final ConfigSyncStatus status;

  public TrackerConfigApi(EventBus bus, AccessCheck access, ProductAccess products, TrackerConfigRepository repository, ConfigIndexLoader loader,
      DeviceCommands commands, Pool pool) {
    this.bus = bus;
    this.commands = commands;
    this.status = new ConfigSyncStatus(pool);
    this.access = access;
    this.products = products;
    this.repository = repository;
    this.loader = loader;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(BASE).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::readFleet);
    router.put(BASE).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_SETTINGS)).handler(RequestBodies.handler()).handler(this::writeFleet);
    // before .../config/:deviceId, which would take "status" for a device ID
    router.get(BASE + "/status").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::syncStatus);
    router.get(BASE + "/:deviceId").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::readDevice);
    router.put(BASE + "/:deviceId").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_SETTINGS)).handler(RequestBodies.handler()).handler(this::writeDevice);
    router.delete(BASE + "/:deviceId").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_SETTINGS)).handler(this::clearDevice);
    return Future.succeededFuture();
  }

  private void readFleet(RoutingContext ctx) {
    ProductScope product = tracker(ctx);
    if (wantsSchema(ctx)) {
      ctx.response().putHeader("Content-Type", SCHEMA_TYPE).end(TrackerSettings.schema().encodePrettily());
      return;
    }
    repository.fleet(product.productId())
        .onSuccess(stored -> ctx.json(answer(TrackerSettings.merged(TrackerSettings.defaults(), stored))))
        .onFailure(ctx::fail);
  }

  private void writeFleet(RoutingContext ctx) {
    ProductScope product = tracker(ctx);
    JsonObject change = TrackerSettings.validChange(RequestBodies.fields(ctx));
    repository.updateFleet(product.productId(), AccessCheck.principal(ctx).userId(), stored -> {
          JsonObject next = TrackerSettings.merged(stored, change);
          TrackerSettings.checkComplete(TrackerSettings.merged(TrackerSettings.defaults(), next));
          return next;
        })
        .compose(stored -> loader.reloadFleet(product.productId()).map(reloaded -> stored))
        .onSuccess(stored -> {
          ConfigChanges.fleetChanged(bus, product.productId());
          ctx.json(answer(TrackerSettings.merged(TrackerSettings.defaults(), stored)));
          push(loader.index().devicesOnFleet(product.productId()), 0);
        })
        .onFailure(ctx::fail);
  }

  private void readDevice(RoutingContext ctx) {
    ProductScope product = tracker(ctx);
    String deviceId = ctx.pathParam("deviceId").toLowerCase(Locale.ROOT);
    if (wantsSchema(ctx)) {
      ctx.response().putHeader("Content-Type", SCHEMA_TYPE).end(TrackerSettings.schema().encodePrettily());
      return;
    }
    Future<TrackerConfigRepository.DeviceSettings> device = repository.device(product.productId(), deviceId);
    Future<JsonObject> fleet = repository.fleet(product.productId());
    Future.all(device, fleet).onSuccess(all -> {
      if (device.result() == null) {
        ctx.fail(notInProduct(deviceId, product));
        return;
      }
      ctx.json(deviceAnswer(fleet.result(), device.result()));
    }).onFailure(ctx::fail);
  }

  private void writeDevice(RoutingContext ctx) {
    ProductScope product = tracker(ctx);
    String deviceId = ctx.pathParam("deviceId").toLowerCase(Locale.ROOT);
    JsonObject change = TrackerSettings.validChange(RequestBodies.fields(ctx));
    changeDevice(ctx, product, deviceId, current -> {
      if (!current.development()) {
        throw new ApiException(400, "not_development", "Device " + deviceId + " is not a development device, so it runs the fleet's settings;"
            + " mark it as a development device to give it settings of its own");
      }
      return TrackerSettings.merged(current.own(), change);
    });
  }

  /** Drops a device's own settings: it runs the fleet's again. */
  private void clearDevice(RoutingContext ctx) {
    ProductScope product = tracker(ctx);
    changeDevice(ctx, product, ctx.pathParam("deviceId").toLowerCase(Locale.ROOT), current -> new JsonObject());
  }

  private void changeDevice(RoutingContext ctx, ProductScope product, String deviceId,
      java.util.function.Function<TrackerConfigRepository.DeviceSettings, JsonObject> change) {
    repository.fleet(product.productId()).compose(fleet -> repository.updateDevice(product.productId(), deviceId,
            AccessCheck.principal(ctx).userId(), current -> {
              JsonObject own = change.apply(current);
              TrackerSettings.checkComplete(TrackerSettings.merged(TrackerSettings.merged(TrackerSettings.defaults(), fleet), own));
              return own;
            })
            .compose(own -> {
              if (own == null) {
                return Future.failedFuture(notInProduct(deviceId, product));
              }
              return loader.reloadDevices(List.of(deviceId)).compose(reloaded -> repository.device(product.productId(), deviceId))
                  .map(device -> deviceAnswer(fleet, device));
            }))
        .onSuccess(answer -> {
          ConfigChanges.devicesChanged(bus, product.productId(), List.of(deviceId));
          ctx.json(answer);
          push(List.of(deviceId), 0);
        })
        .onFailure(ctx::fail);
  }

  /** {@code GET .../config/status?state=stale&page=1&per_page=25}: see {@link ConfigSyncStatus}. */
  private void syncStatus(RoutingContext ctx) {
    ProductScope product = tracker(ctx);
    String state = ctx.request().getParam("state");
    if (state != null && !ConfigSyncStatus.STATES.contains(state)) {
      throw new ApiException(400, "invalid_request", "state must be one of " + String.join(", ", ConfigSyncStatus.STATES));
    }
    int page = positive(ctx, "page", 1, Integer.MAX_VALUE);
    int perPage = positive(ctx, "per_page", 25, MAX_PER_PAGE);
    status.of(product.productId(), state, page, perPage).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private static int positive(RoutingContext ctx, String name, int fallback, int max) {
    String given = ctx.request().getParam(name);
    if (given == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(given);
      if (value >= 1 && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", name + " must be an integer from 1 to " + max);
  }

  /**
   * Tells the sessions of online devices to compare their settings again, {@value #PUSH_BATCH} at a
   * time: each is a lookup of the session's holder and a bus request to it. An offline device fails
   * fast (DEVICE_OFFLINE) and gets its settings at its next handshake.
   */
  private void push(List<String> deviceIds, int from) {
    if (from >= deviceIds.size()) {
      return;
    }
    List<Future<?>> batch = new ArrayList<>(PUSH_BATCH);
    for (int i = from; i < Math.min(from + PUSH_BATCH, deviceIds.size()); i++) {
      String deviceId = deviceIds.get(i);
      // the checksum this node's (reloaded) index expects: a hub node that answers the session's check
      // before its own index reloads reads the device's settings first (TrackerVerticle.check)
      ConfigIndex.Effective expected = loader.index().effective(deviceId);
      batch.add(commands.request(new DeviceCommand(deviceId, DeviceCommand.Kind.TRACKER_CONFIG_CHECK, null,
              expected == null ? null : expected.checksum(), PUSH_TIMEOUT_MILLIS))
          .onFailure(cause -> LOG.debug("settings not pushed [device-id: {}, cause: {}]", deviceId, cause.getMessage())));
    }
    Future.join(batch).onComplete(done -> push(deviceIds, from + PUSH_BATCH));
  }

  private static JsonObject answer(JsonObject settings) {
    return new JsonObject().put("configuration", settings).put("checksum", ConfigChecksum.of(settings));
  }

  /** A device's effective settings; {@code own} lists the fields it sets itself, which count while it is a development device. */
  private static JsonObject deviceAnswer(JsonObject fleetStored, TrackerConfigRepository.DeviceSettings device) {
    JsonObject fleet = TrackerSettings.merged(TrackerSettings.defaults(), fleetStored);
    boolean ownCounts = device.development() && !device.own().isEmpty();
    JsonObject effective = ownCounts ? TrackerSettings.merged(fleet, device.own()) : fleet;
    return answer(effective).put("development", device.development()).put("source", ownCounts ? "device" : "fleet").put("own", device.own());
  }

  private static ProductScope tracker(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    if (!product.tracker()) {
      throw new ApiException(400, "not_tracker", "Product " + product.productId() + " is not an Asset Tracker product: settings are for tracker products");
    }
    return product;
  }

  private static boolean wantsSchema(RoutingContext ctx) {
    String accept = ctx.request().getHeader("Accept");
    return accept != null && accept.contains(SCHEMA_TYPE);
  }

  private static ApiException notInProduct(String deviceId, ProductScope product) {
    return new ApiException(404, "not_found", "Device " + deviceId + " is not in product " + product.productId());
  }
}
