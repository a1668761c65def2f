package io.drover.hub.firmware;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.auth.Principal;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.FleetChanges;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Product firmware, as cloud-api.md "Firmware" and Particle's shapes: upload, list, get, edit,
 * delete while never released, download, release with an impact preview, lock a device, and the
 * "why" of a device's target. Writes need MANAGE_FIRMWARE, reads VIEW.
 */
public final class FirmwareApi implements ApiFeature {

  /** Particle caps product binaries at a few megabytes; 8 MiB leaves room and bounds memory per upload. */
  static final long MAX_UPLOAD_BYTES = 8L * 1024 * 1024;
  private static final String BASE = "/v1/products/:" + ProductAccess.PATH_PARAM;
  /**
   * A release tells at most this many impacted devices at once over their sessions (one bus request
   * each, most of them answered "offline"); the rest update at their next handshake. Bounds the burst
   * a release to a large fleet makes; a staged rollout would pace it instead.
   */
  static final int MAX_DEVICES_TOLD_AT_ONCE = 10_000;

  private final Vertx vertx;
  private final AccessCheck access;
  private final ProductAccess products;
  private final FirmwareRepository firmware;
  private final TargetingIndex index;
  private final FirmwareIndexLoader loader;
  private final Path uploadsDir;

  public FirmwareApi(Vertx vertx, AccessCheck access, ProductAccess products, FirmwareRepository firmware, TargetingIndex index,
      FirmwareIndexLoader loader, Path uploadsDir) {
    this.vertx = vertx;
    this.access = access;
    this.products = products;
    this.firmware = firmware;
    this.index = index;
    this.loader = loader;
    this.uploadsDir = uploadsDir;
  }

  @Override
  public Future<Void> mount(Router router) {
    BodyHandler uploads = BodyHandler.create(uploadsDir.toString()).setBodyLimit(MAX_UPLOAD_BYTES).setDeleteUploadedFilesOnEnd(true);
    router.get(BASE + "/firmware").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::list);
    router.post(BASE + "/firmware").handler(uploads).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(this::upload);
    // before .../firmware/:version, which would take "release" as a version
    router.put(BASE + "/firmware/release").handler(RequestBodies.handler()).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(this::release);
    router.post(BASE + "/firmware/rollouts").handler(RequestBodies.handler()).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(this::startRollout);
    router.get(BASE + "/firmware/rollouts").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::rollouts);
    router.put(BASE + "/firmware/rollouts/:rollout").handler(RequestBodies.handler()).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(this::changeRollout);
    router.get(BASE + "/firmware/:version").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::get);
    router.put(BASE + "/firmware/:version").handler(RequestBodies.handler()).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(this::edit);
    router.delete(BASE + "/firmware/:version").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(this::delete);
    router.get(BASE + "/firmware/:version/binary").handler(access::requireUser)
        .handler(products.require(ProductPermission.VIEW)).handler(this::download);
    router.get(BASE + "/impact").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::impact);
    router.get(BASE + "/devices/:device/firmware-target").handler(access::requireUser)
        .handler(products.require(ProductPermission.VIEW)).handler(this::why);
    // shares its path with the products feature's device edit: this route takes only bodies with the
    // firmware fields, checks MANAGE_FIRMWARE itself, and passes other bodies on to the next route
    router.put(BASE + "/devices/:device").handler(RequestBodies.handler()).handler(access::requireUser)
        .handler(products.require(ProductPermission.VIEW)).handler(this::lock);
    return Future.succeededFuture();
  }

  private void list(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    Map<Integer, Integer> running = index.runningCounts(product.productId());
    firmware.list(product.productId()).onFailure(ctx::fail).onSuccess(all -> {
      JsonArray answer = new JsonArray();
      for (JsonObject one : all) {
        answer.add(one.put("device_count", running.getOrDefault(one.getInteger("version"), 0)));
      }
      ctx.json(answer);
    });
  }

  private void get(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    int version = versionParam(ctx);
    firmware.find(product.productId(), version).onFailure(ctx::fail).onSuccess(found -> {
      if (found == null) {
        ctx.fail(notFound(product, version));
      } else {
        ctx.json(found.put("device_count", index.runningCounts(product.productId()).getOrDefault(version, 0)));
      }
    });
  }

  /**
   * Multipart {@code binary}, {@code version}, {@code title}, {@code description}. The entered
   * version and the product must be those the binary's header states, and its platform the product's.
   */
  private void upload(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    JsonObject fields = RequestBodies.fields(ctx);
    FileUpload file = null;
    for (FileUpload upload : ctx.fileUploads()) {
      if (upload.name().equals("binary")) {
        file = upload;
      }
    }
    if (file == null) {
      throw new ApiException(400, "invalid_request", "binary: attach the firmware file as the multipart field 'binary'");
    }
    int version = positiveInt(fields.getValue("version"), "version");
    String title = requiredText(fields.getValue("title"), "title", 100);
    String description = fields.getValue("description") == null ? "" : fields.getValue("description").toString();
    String fileName = file.fileName() == null || file.fileName().isBlank() ? "firmware.bin" : file.fileName();
    Principal caller = AccessCheck.principal(ctx);
    vertx.fileSystem().readFile(file.uploadedFileName()).compose(buffer -> {
      byte[] binary = buffer.getBytes();
      FirmwareBinary parsed;
      try {
        parsed = FirmwareBinary.parse(binary);
      } catch (FirmwareBinary.InvalidBinary invalid) {
        return Future.failedFuture(new ApiException(400, "invalid_binary", "binary: " + invalid.getMessage()));
      }
      if (parsed.productId() != product.productId()) {
        return Future.failedFuture(new ApiException(400, "product_mismatch",
            "binary: the binary is built for product " + parsed.productId() + ", not product " + product.productId()));
      }
      if (parsed.version() != version) {
        return Future.failedFuture(new ApiException(400, "version_mismatch",
            "version: you entered " + version + " but the binary's header says version " + parsed.version()));
      }
      if (parsed.platformId() != product.platformId()) {
        return Future.failedFuture(new ApiException(400, "platform_mismatch",
            "binary: the binary is for platform " + parsed.platformId() + " but product " + product.productId() + " is platform " + product.platformId()));
      }
      return firmware.insert(product.productId(), parsed, binary, title, description, fileName, caller.userId() == null ? 0 : caller.userId());
    }).compose(stored -> firmware.find(product.productId(), version)).onFailure(ctx::fail).onSuccess(created -> {
      ctx.response().setStatusCode(201);
      ctx.json(created.put("device_count", 0));
    });
  }

  private void edit(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    int version = versionParam(ctx);
    JsonObject fields = RequestBodies.fields(ctx);
    String title = fields.getValue("title") == null ? null : requiredText(fields.getValue("title"), "title", 100);
    String description = fields.getValue("description") == null ? null : fields.getValue("description").toString();
    firmware.edit(product.productId(), version, title, description)
        .compose(found -> found ? firmware.find(product.productId(), version) : Future.failedFuture(notFound(product, version)))
        .onFailure(ctx::fail)
        .onSuccess(edited -> ctx.json(edited.put("device_count", index.runningCounts(product.productId()).getOrDefault(version, 0))));
  }

  private void delete(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    int version = versionParam(ctx);
    firmware.deleteUnreleased(product.productId(), version).compose(deleted -> deleted
        ? Future.<Void>succeededFuture()
        : firmware.find(product.productId(), version).compose(found -> Future.failedFuture(found == null
            ? notFound(product, version)
            : new ApiException(400, "firmware_released",
                "Version " + version + " has been released; released firmware cannot be deleted"))))
        .onFailure(ctx::fail)
        .onSuccess(ignored -> {
          FleetChanges.productChanged(vertx.eventBus(), product.productId());
          ctx.response().setStatusCode(204).end();
        });
  }

  private void download(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    int version = versionParam(ctx);
    firmware.binary(product.productId(), version).onFailure(ctx::fail).onSuccess(binary -> {
      if (binary == null) {
        ctx.fail(notFound(product, version));
      } else {
        ctx.response().putHeader("Content-Type", "application/octet-stream")
            .putHeader("Content-Disposition", "attachment; filename=\"" + product.slug() + "-v" + version + ".bin\"")
            .end(binary);
      }
    });
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
          int told = Math.min(reached.size(), MAX_DEVICES_TOLD_AT_ONCE);
          for (int i = 0; i < told; i++) {
            askToCheck(reached.get(i));
          }
          return released.put("device_count", index.runningCounts(product.productId()).getOrDefault(version, 0))
              .put("impacted_devices", reached.size());
        }))
        .onFailure(ctx::fail)
        .onSuccess(ctx::json);
  }

  /** Particle's rule: a version is released only once it runs on a device of the product (tested first). */
  private Future<Void> requireRunning(ProductScope product, int version) {
    if (index.runningCounts(product.productId()).getOrDefault(version, 0) > 0) {
      return Future.succeededFuture();
    }
    return firmware.versionExists(product.productId(), version).compose(exists -> Future.failedFuture(exists
        ? new ApiException(400, "firmware_not_running", "Version " + version
            + " must run on at least one device of the product before it is released: flash it to a development device first")
        : notFound(product, version)));
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
    int targeted = index.impact(product.productId(), before.with(version, asDefault, groups), version);
    requireRunning(product, version)
        .compose(running -> firmware.startRollout(product.productId(), version, asDefault, groups, batchPercent, threshold, before))
        .compose(id -> loader.reloadProduct(product.productId()).compose(reloaded -> firmware.rollout(product.productId(), id)))
        .onFailure(ctx::fail)
        .onSuccess(rollout -> {
          FleetChanges.productChanged(vertx.eventBus(), product.productId());
          List<String> admitted = tellAdmitted(product.productId(), version);
          ctx.response().setStatusCode(201);
          ctx.json(rollout.put("targeted_devices", targeted).put("admitted_devices", admitted.size()));
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
        .onFailure(ctx::fail)
        .onSuccess(changed -> {
          FleetChanges.productChanged(vertx.eventBus(), product.productId());
          tellAdmitted(product.productId(), changed.getInteger("version"));
          ctx.json(changed);
        });
  }

  /** Tells the online devices now targeted to {@code version} (at most {@value #MAX_DEVICES_TOLD_AT_ONCE}). */
  private List<String> tellAdmitted(int productId, int version) {
    List<String> reached = index.devicesTargetedTo(productId, version);
    for (int i = 0; i < Math.min(reached.size(), MAX_DEVICES_TOLD_AT_ONCE); i++) {
      askToCheck(reached.get(i));
    }
    return reached;
  }

  private static int percent(Object value, String field, int min, int absent) {
    if (value == null && absent > 0) {
      return absent;
    }
    int given = value instanceof Number || value instanceof String ? positiveOrZero(value, field) : -1;
    if (given < min || given > 100) {
      throw new ApiException(400, "invalid_request", field + " must be an integer from " + min + " to 100");
    }
    return given;
  }

  private static int positiveOrZero(Object value, String field) {
    return "0".equals(String.valueOf(value)) ? 0 : positiveInt(value, field);
  }

  /**
   * {@code GET /v1/products/:pid/impact?action=edit_groups_for_firmware&firmware_version=V&product_default=true&groups=a,b}:
   * what the release would do, computed from the targeting index.
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
    vertx.executeBlocking(() -> index.impact(product.productId(), proposed, version), false).onFailure(ctx::fail).onSuccess(impacted -> ctx.json(new JsonObject()
        .put("firmware_version", version)
        .put("product_default", asDefault)
        .put("groups", new JsonArray(groups))
        .put("devices", new JsonObject().put("firmware_update", new JsonObject()
            .put("total", impacted)
            .put("by_version", new JsonArray().add(new JsonObject().put("version", version).put("total", impacted)))))));
  }

  /** {@code GET .../devices/:device/firmware-target}: the target and why. */
  private void why(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    String deviceId = deviceParam(ctx);
    TargetingIndex.DeviceState device = index.device(product.productId(), deviceId);
    if (device == null) {
      throw new ApiException(404, "not_found", "Device " + deviceId + " is not in product " + product.productId());
    }
    firmware.lastFlashStatus(deviceId).onFailure(ctx::fail)
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
            askToCheck(deviceId);
          }
          TargetingIndex.DeviceState device = index.device(product.productId(), deviceId);
          ctx.json(why(product.productId(), deviceId, device).put("id", deviceId).put("flash", flash)
              .put("targeted_firmware_release_version", index.releases(product.productId()).productDefault() == 0 ? null
                  : index.releases(product.productId()).productDefault()));
        });
  }

  /**
   * Tells the session holding the device (on whichever node: the device command address) to look up
   * its target again. An offline device is no failure: it updates at its next handshake.
   */
  private void askToCheck(String deviceId) {
    DeviceCommand check = new DeviceCommand(deviceId, DeviceCommand.Kind.FIRMWARE_CHECK, null, null, 5000);
    vertx.eventBus().request(BusAddresses.DEVICE_COMMANDS, check.toJson(), new DeliveryOptions().setSendTimeout(7000));
  }

  private static String deviceParam(RoutingContext ctx) {
    String id = DeviceIds.normalize(ctx.pathParam("device"));
    if (id == null) {
      throw new ApiException(400, "invalid_request", "The device ID must be 24 hexadecimal digits");
    }
    return id;
  }

  private static int versionParam(RoutingContext ctx) {
    return positiveInt(ctx.pathParam("version"), "version");
  }

  private static ApiException notFound(ProductScope product, int version) {
    return new ApiException(404, "not_found", "Product " + product.productId() + " has no firmware version " + version);
  }

  static int positiveInt(Object value, String field) {
    if (value == null) {
      throw new ApiException(400, "invalid_request", field + " is required");
    }
    if (value instanceof Number number && number.doubleValue() == number.intValue() && number.intValue() > 0) {
      return number.intValue();
    }
    if (value instanceof String text && !text.isEmpty() && text.length() <= 10 && text.chars().allMatch(Character::isDigit)) {
      long parsed = Long.parseLong(text);
      if (parsed > 0 && parsed <= Integer.MAX_VALUE) {
        return (int) parsed;
      }
    }
    throw new ApiException(400, "invalid_request", field + " must be a positive integer");
  }

  private static String requiredText(Object value, String field, int maxLength) {
    if (!(value instanceof String text) || text.isBlank()) {
      throw new ApiException(400, "invalid_request", field + " is required");
    }
    if (text.length() > maxLength) {
      throw new ApiException(400, "invalid_request", field + " must be at most " + maxLength + " characters");
    }
    return text.strip();
  }

  private static boolean bool(Object value, String field) {
    if (value == null) {
      return false;
    }
    if (value instanceof Boolean flag) {
      return flag;
    }
    return switch (value.toString()) {
      case "true", "1" -> true;
      case "false", "0", "" -> false;
      default -> throw new ApiException(400, "invalid_request", field + " must be true or false");
    };
  }

  private static List<String> groups(Object value) {
    List<String> groups = new ArrayList<>();
    if (value == null) {
      return groups;
    }
    if (value instanceof JsonArray array) {
      for (Object group : array) {
        if (!(group instanceof String name) || name.isEmpty()) {
          throw new ApiException(400, "invalid_request", "groups must be a list of group names");
        }
        groups.add(name);
      }
    } else if (value instanceof String list) {
      for (String name : list.split(",")) {
        if (!name.isBlank()) {
          groups.add(name.strip());
        }
      }
    } else {
      throw new ApiException(400, "invalid_request", "groups must be a list of group names");
    }
    return groups;
  }
}
