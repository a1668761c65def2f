package io.drover.hub.firmware;

import io.drover.gateway.commands.DeviceCommands;

import static io.drover.hub.firmware.FirmwareFields.notFound;
import static io.drover.hub.firmware.FirmwareFields.positiveInt;
import static io.drover.hub.firmware.FirmwareFields.requiredText;
import static io.drover.hub.firmware.FirmwareFields.versionParam;

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
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.Map;

/**
 * Product firmware, as cloud-api.md "Firmware" and Particle's shapes: upload, list, get, edit,
 * delete while never released, download; with {@link ReleaseRoutes} (release, impact, staged
 * rollouts) and {@link DeviceTargetRoutes} (a device's target and why, lock, flash now). Writes need
 * MANAGE_FIRMWARE, reads VIEW.
 */
public final class FirmwareApi implements ApiFeature {

  private static final String BASE = "/v1/products/:" + ProductAccess.PATH_PARAM;

  private final Vertx vertx;
  private final AccessCheck access;
  private final ProductAccess products;
  private final FirmwareRepository firmware;
  private final TargetingIndex index;
  private final Path uploadsDir;
  private final ReleaseRoutes releases;
  private final DeviceTargetRoutes targets;

  public FirmwareApi(Vertx vertx, AccessCheck access, ProductAccess products, FirmwareRepository firmware, TargetingIndex index,
      FirmwareIndexLoader loader, Path uploadsDir, DeviceCommands commands) {
    this.vertx = vertx;
    this.access = access;
    this.products = products;
    this.firmware = firmware;
    this.index = index;
    this.uploadsDir = uploadsDir;
    DeviceNudges nudges = new DeviceNudges(commands, index);
    this.releases = new ReleaseRoutes(vertx, access, products, firmware, index, loader, nudges);
    this.targets = new DeviceTargetRoutes(vertx, access, products, firmware, index, loader, nudges);
  }

  @Override
  public Future<Void> mount(Router router) {
    releases.mount(router, BASE); // first: .../firmware/:version would take "release" and "rollouts"
    // the caller's checks before the upload's first byte is read: an anonymous 8 MiB reaches neither memory nor disk
    RequestBodies.withUploads(router.post("/v1/admin/firmware/off-the-shelf").handler(access::requireAdmin), uploadsDir,
        RequestBodies.MAX_UPLOAD_BYTES).handler(this::addOffTheShelf);
    router.get(BASE + "/firmware").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::list);
    RequestBodies.withUploads(router.post(BASE + "/firmware").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)), uploadsDir, RequestBodies.MAX_UPLOAD_BYTES).handler(this::upload);
    router.get(BASE + "/firmware/:version").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::get);
    router.put(BASE + "/firmware/:version").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(RequestBodies.handler()).handler(this::edit);
    router.delete(BASE + "/firmware/:version").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_FIRMWARE)).handler(this::delete);
    router.get(BASE + "/firmware/:version/binary").handler(access::requireUser)
        .handler(products.require(ProductPermission.VIEW)).handler(this::download);
    targets.mount(router, BASE);
    return Future.succeededFuture();
  }

  /**
   * {@code POST /v1/admin/firmware/off-the-shelf} (administrators): multipart {@code binary},
   * {@code title}, {@code description}; the binary's header names product 0, and its platform and
   * version say where it belongs. Tracker products of that platform list it until they upload their own.
   */
  private void addOffTheShelf(RoutingContext ctx) {
    JsonObject fields = RequestBodies.fields(ctx);
    FileUpload file = binaryField(ctx);
    String title = requiredText(fields.getValue("title"), "title", 100);
    String description = fields.getValue("description") == null ? "" : fields.getValue("description").toString();
    vertx.fileSystem().readFile(file.uploadedFileName()).compose(buffer -> {
      byte[] binary = buffer.getBytes();
      FirmwareBinary parsed = parseUpload(binary);
      if (parsed.productId() != 0) {
        return Future.failedFuture(new ApiException(400, "product_mismatch",
            "binary: off-the-shelf firmware names product 0 in its header, not product " + parsed.productId()));
      }
      return firmware.addOffTheShelf(parsed, binary, title, description).compose(added -> added
          ? Future.succeededFuture(new JsonObject().put("platform_id", parsed.platformId()).put("version", parsed.version())
              .put("title", title).put("size", binary.length).put("sha256", parsed.sha256Hex()))
          : Future.failedFuture(new ApiException(400, "invalid_version",
              "Platform " + parsed.platformId() + " has off-the-shelf version " + parsed.version() + " already")));
    }).onFailure(ctx::fail).onSuccess(added -> {
      ctx.response().setStatusCode(201);
      ctx.json(added);
    });
  }

  /**
   * The firmware file of a multipart upload: the part named {@code binary} (the Console, the shared
   * reference), else the one file part whatever its name: particle-api-js names its file parts
   * {@code file}, {@code file2}, ... and Particle's cloud takes them. Two file parts neither of which is
   * {@code binary} are ambiguous and refused.
   */
  static FileUpload binaryField(RoutingContext ctx) {
    FileUpload only = null;
    int files = 0;
    for (FileUpload upload : ctx.fileUploads()) {
      if (upload.name().equals("binary")) {
        return upload;
      }
      only = upload;
      files++;
    }
    if (files == 1) {
      return only;
    }
    throw new ApiException(400, "invalid_request", files == 0
        ? "binary: attach the firmware file as a multipart file part (named 'binary' or 'file')"
        : "binary: " + files + " file parts were sent; send one firmware file (or name it 'binary')");
  }

  /**
   * A Particle module binary, for a device running Device OS (docs/device-protocol.md section 10): a user
   * part of the product's platform whose product firmware version is the one entered, whole (CRC-32 and
   * SHA-256). Stored as uploaded; the device flashes it as it is.
   */
  private static Future<FirmwareBinary> checkedModule(ProductScope product, int version, byte[] binary) {
    ParticleModule module;
    try {
      module = ParticleModule.parse(binary);
    } catch (FirmwareBinary.InvalidBinary invalid) {
      return Future.failedFuture(new ApiException(400, "invalid_binary", "binary: " + invalid.getMessage()));
    }
    if (module.platformId() != product.platformId()) {
      return Future.failedFuture(new ApiException(400, "platform_mismatch",
          "binary: the module is for platform " + module.platformId() + " but product " + product.productId() + " is platform " + product.platformId()));
    }
    if (module.productVersion() != version) {
      return Future.failedFuture(new ApiException(400, "version_mismatch",
          "version: you entered " + version + " but the module's product firmware version is " + module.productVersion()));
    }
    return Future.succeededFuture(new FirmwareBinary(product.productId(), version, module.platformId(), module.sha256(), binary));
  }

  private static FirmwareBinary parseUpload(byte[] binary) {
    try {
      return FirmwareBinary.parse(binary);
    } catch (FirmwareBinary.InvalidBinary invalid) {
      throw new ApiException(400, "invalid_binary", "binary: " + invalid.getMessage());
    }
  }

  private void list(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    Map<Integer, Integer> running = index.runningCounts(product.productId());
    Future<Void> adopted = product.tracker() ? firmware.adoptOffTheShelf(product.productId(), product.platformId()) : Future.succeededFuture();
    adopted.compose(ignored -> firmware.list(product.productId())).onFailure(ctx::fail).onSuccess(all -> {
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
    FileUpload file = binaryField(ctx);
    int version = positiveInt(fields.getValue("version"), "version");
    String title = requiredText(fields.getValue("title"), "title", 100);
    String description = fields.getValue("description") == null ? "" : fields.getValue("description").toString();
    String fileName = file.fileName() == null || file.fileName().isBlank() ? "firmware.bin" : file.fileName();
    Principal caller = AccessCheck.principal(ctx);
    vertx.fileSystem().readFile(file.uploadedFileName()).compose(buffer -> {
      byte[] binary = buffer.getBytes();
      if (ParticleModule.looksLikeModule(binary)) {
        return checkedModule(product, version, binary)
            .compose(parsed -> firmware.insert(product.productId(), parsed, binary, title, description, fileName, caller.userId() == null ? 0 : caller.userId()));
      }
      FirmwareBinary parsed = parseUpload(binary);
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
      FirmwareEvents.created(vertx.eventBus(), caller, product.productId(), created);
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
  }}
