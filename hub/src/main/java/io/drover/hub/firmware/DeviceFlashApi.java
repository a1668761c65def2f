package io.drover.hub.firmware;

import io.drover.gateway.commands.DeviceCommands;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.auth.Principal;
import io.drover.hub.firmware.FirmwareRepository.FlashTarget;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A developer's cloud flash, Particle's everyday OTA (particle-api-js {@code flashDevice},
 * {@code particle flash <device> <file>}): {@code PUT /v1/devices/:id} (or a product's
 * {@code .../devices/:id}) with a multipart file sends that binary to that one device over its live
 * session, by the same delivery as a release (MQTT chunks, CoAP Block2), with {@code spark/flash/status}
 * events. The file is a DRFW binary (docs/device-protocol.md section 8.1) or a bare application image,
 * which is wrapped for the device's platform. Nothing is stored: a device offline is refused 404, and a
 * product device that is not a development device 403 (its firmware is the product's releases').
 *
 * <p>Only multipart bodies come here; JSON and form bodies on the same paths go on to the device edit.
 * Mounted before those routes.
 */
public final class DeviceFlashApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceFlashApi.class);
  /** The version a bare image is wrapped as: the cloud cannot know it; a DRFW binary names its own. */
  static final int BARE_IMAGE_VERSION = 1;
  /** The device's session answers a flash at once ("started"); this bounds the hop to it. */
  private static final long COMMAND_TIMEOUT_MILLIS = 5000;
  private static final byte[] MAGIC = {'D', 'R', 'F', 'W'};

  private final Vertx vertx;
  private final AccessCheck access;
  private final ProductAccess products;
  private final FirmwareRepository firmware;
  private final DeviceCommands commands;
  private final Path uploadsDir;

  public DeviceFlashApi(Vertx vertx, AccessCheck access, ProductAccess products, FirmwareRepository firmware, DeviceCommands commands,
      Path uploadsDir) {
    this.vertx = vertx;
    this.access = access;
    this.products = products;
    this.firmware = firmware;
    this.commands = commands;
    this.uploadsDir = uploadsDir;
  }

  @Override
  public Future<Void> mount(Router router) {
    // the caller's checks before the upload's first byte is read, as for product firmware
    RequestBodies.withUploads(router.put("/v1/devices/:device").consumes("multipart/form-data").handler(access::requireUser),
        uploadsDir, RequestBodies.MAX_UPLOAD_BYTES).handler(ctx -> flash(ctx, null));
    RequestBodies.withUploads(router.put("/v1/products/:" + ProductAccess.PATH_PARAM + "/devices/:device").consumes("multipart/form-data")
            .handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_FIRMWARE)),
        uploadsDir, RequestBodies.MAX_UPLOAD_BYTES).handler(ctx -> flash(ctx, ProductAccess.scope(ctx)));
    return Future.succeededFuture();
  }

  /**
   * The one file part whatever its name (particle-api-js sends {@code file}); {@code latest} and
   * {@code build_target_version} ask Particle to compile sources, which this cloud does not: they are ignored.
   */
  private void flash(RoutingContext ctx, ProductScope product) {
    FileUpload file = FirmwareApi.binaryField(ctx);
    Principal caller = AccessCheck.principal(ctx);
    String key = ctx.pathParam("device");
    String id = DeviceIds.normalize(key);
    if (id == null && caller.userId() == null) {
      throw new ApiException(404, "not_found", "The admin token names devices by ID");
    }
    firmware.flashTarget(id, caller.userId(), key).compose(device -> {
      if (device == null || (product == null ? !caller.mayActFor(device.ownerId()) : !Integer.valueOf(product.productId()).equals(device.productId()))) {
        return Future.failedFuture(product == null
            ? new ApiException(404, "not_found", "No such device of yours")
            : new ApiException(404, "not_found", "Device " + key + " is not in product " + product.productId()));
      }
      if (device.productId() != null && !device.development()) {
        return Future.failedFuture(new ApiException(403, "not_development_device", "Device " + device.id() + " is in product "
            + device.productId() + " and is not a development device: it runs the product's released firmware. Mark it as a "
            + "development device to flash it, or release the firmware to it."));
      }
      return vertx.fileSystem().readFile(file.uploadedFileName()).map(buffer -> binaryFor(device, buffer.getBytes()))
          .compose(binary -> commands.request(new DeviceCommand(device.id(), DeviceCommand.Kind.FIRMWARE_FLASH, null,
                  Base64.getEncoder().encodeToString(binary), COMMAND_TIMEOUT_MILLIS))
              .recover(cause -> Future.failedFuture(refusal(DeviceFailure.from(cause))))
              .compose(answer -> "started".equals(answer.getString("result"))
                  ? Future.succeededFuture(answer)
                  // the session ended as the offer reached it
                  : Future.failedFuture(refusal(new DeviceFailure(DeviceFailure.Kind.DEVICE_OFFLINE, "session ended"))))
              .map(answer -> {
                LOG.info("device flash started [device-id: {}, size: {}, caller: {}]", device.id(), binary.length, caller.userId());
                return new JsonObject().put("ok", true).put("id", device.id()).put("status", "Update started");
              }));
    }).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  /** The binary as the device gets it: a DRFW binary checked, a bare image wrapped for the device's platform and product. */
  private static byte[] binaryFor(FlashTarget device, byte[] uploaded) {
    if (uploaded.length >= MAGIC.length && Arrays.equals(uploaded, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      FirmwareBinary parsed;
      try {
        parsed = FirmwareBinary.parse(uploaded);
      } catch (FirmwareBinary.InvalidBinary invalid) {
        throw new ApiException(400, "invalid_binary", "binary: " + invalid.getMessage());
      }
      if (device.platformId() != null && parsed.platformId() != device.platformId()) {
        throw new ApiException(400, "platform_mismatch",
            "binary: the binary is for platform " + parsed.platformId() + " but device " + device.id() + " is platform " + device.platformId());
      }
      return uploaded;
    }
    if (uploaded.length == 0) {
      throw new ApiException(400, "invalid_binary", "binary: the file is empty");
    }
    if (device.platformId() == null) {
      throw new ApiException(400, "platform_unknown", "binary: device " + device.id() + " was registered without its platform_id, so a "
          + "bare image cannot be wrapped for it; send a DRFW binary (bin/drover-firmware wrap)");
    }
    return FirmwareBinary.wrap(device.productId() == null ? 0 : device.productId(), BARE_IMAGE_VERSION, device.platformId(), uploaded);
  }

  private static ApiException refusal(DeviceFailure failure) {
    return switch (failure.kind()) {
      case DEVICE_TIMEOUT, UNAVAILABLE -> new ApiException(408, "timed_out", "Timed out: the device's session did not answer");
      case MALFORMED_PAYLOAD -> new ApiException(400, "invalid_binary", failure.getMessage());
      // a Particle device's session: it takes product releases of modules, not a cloud flash yet
      case NOT_ALLOWED -> new ApiException(400, "flash_not_supported", failure.getMessage());
      default -> new ApiException(404, "device_offline", "Device is not connected: a cloud flash needs the device online");
    };
  }
}
