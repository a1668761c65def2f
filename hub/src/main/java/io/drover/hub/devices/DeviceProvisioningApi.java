package io.drover.hub.devices;

import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.HubAddresses;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/admin/devices}: registers a device identity, as a manufacturer's provisioning step
 * does, and answers its ID and secret. The secret is shown in this answer only.
 */
public final class DeviceProvisioningApi implements ApiFeature {

  private final EventBus bus;
  private final AccessCheck access;

  public DeviceProvisioningApi(EventBus bus, AccessCheck access) {
    this.bus = bus;
    this.access = access;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post("/v1/admin/devices").handler(RequestBodies.handler()).handler(access::requireAdmin).handler(this::provision);
    return Future.succeededFuture();
  }

  private void provision(RoutingContext ctx) {
    JsonObject body = RequestBodies.fields(ctx);
    Object id = body.getValue("id");
    if (id != null && !(id instanceof String)) {
      ctx.fail(new ApiException(400, "invalid_request", "id must be a string of 24 hexadecimal digits"));
      return;
    }
    Object publicKey = body.getValue("public_key");
    if (publicKey != null && !(publicKey instanceof String)) {
      ctx.fail(new ApiException(400, "invalid_request", "public_key must be a string: an ECDSA P-256 public key, PEM or base64 DER"));
      return;
    }
    Object platform = body.getValue("platform_id");
    Integer platformId = platform == null ? null : parsePlatform(platform);
    Object cellular = body.getValue("cellular");
    if (cellular != null && !(cellular instanceof Boolean) && !"true".equals(cellular) && !"false".equals(cellular)) {
      ctx.fail(new ApiException(400, "invalid_request", "cellular must be true or false"));
      return;
    }
    JsonObject request = new JsonObject().put("id", id).put("public_key", publicKey)
        .put("platform_id", platformId).put("cellular", cellular != null && Boolean.parseBoolean(String.valueOf(cellular)));
    bus.<JsonObject>request(HubAddresses.PROVISION_DEVICE, request).onComplete(reply -> {
      if (reply.succeeded()) {
        ctx.response().setStatusCode(201);
        ctx.json(reply.result().body().copy().put("ok", true));
        return;
      }
      DeviceFailure failure = DeviceFailure.from(reply.cause());
      ctx.fail(switch (failure.kind()) {
        case MALFORMED_IDENTITY -> new ApiException(400, "invalid_request", "id must be 24 hexadecimal digits");
        case MALFORMED_PAYLOAD -> new ApiException(400, "invalid_request", failure.getMessage());
        case NOT_ALLOWED -> new ApiException(409, "device_exists", "A device with this id is registered already");
        default -> new ApiException(503, "unavailable", "The device registry is not available; try again");
      });
    });
  }

  /** Particle's platform IDs (6 Photon, 12 Argon, 13 Boron, 26 Tracker, 32 P2, ...) are small positive integers. */
  private static Integer parsePlatform(Object value) {
    try {
      int platform = Integer.parseInt(String.valueOf(value));
      if (platform > 0 && platform < 65_536) {
        return platform;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", "platform_id must be a whole number from 1 to 65535");
  }
}
