package io.drover.hub.devices;

import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.devices.certificates.DeviceCas;
import io.drover.hub.devices.certificates.CertificateChecks;
import io.drover.hub.tls.CertificateInputException;
import io.drover.hub.tls.CertificateRequest;
import io.drover.hub.tls.PemCertificates;
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
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;

/**
 * {@code POST /v1/admin/devices}: registers a device identity, as a manufacturer's provisioning step
 * does, and answers its ID and secret. The secret is shown in this answer only. The device may get an
 * X.509 identity at once: a {@code certificate} (PEM) registered to it, or a {@code csr} (PEM) that the
 * node's device CA signs for it (subject CN = its ID), answered as {@code certificate}.
 */
public final class DeviceProvisioningApi implements ApiFeature {

  private static final Duration CSR_VALIDITY = Duration.ofDays(365);

  private final EventBus bus;
  private final AccessCheck access;
  private final DeviceCas cas;

  public DeviceProvisioningApi(EventBus bus, AccessCheck access, DeviceCas cas) {
    this.bus = bus;
    this.access = access;
    this.cas = cas;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post("/v1/admin/devices").handler(access::requireAdmin).handler(RequestBodies.handler()).handler(this::provision);
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
    Object certificateText = body.getValue("certificate");
    Object csrText = body.getValue("csr");
    if (certificateText != null && csrText != null) {
      ctx.fail(new ApiException(400, "invalid_request", "Give certificate or csr, not both"));
      return;
    }
    if ((certificateText != null && !(certificateText instanceof String)) || (csrText != null && !(csrText instanceof String))) {
      ctx.fail(new ApiException(400, "invalid_request", "certificate and csr must be PEM text"));
      return;
    }
    String deviceId = id == null ? null : DeviceIds.normalize((String) id);
    if (id != null && deviceId == null) {
      ctx.fail(new ApiException(400, "invalid_request", "id must be 24 hexadecimal digits"));
      return;
    }
    X509Certificate certificate;
    try {
      if (certificateText != null) {
        certificate = CertificateChecks.registrable((String) certificateText);
      } else if (csrText != null) {
        // the CSR is signed for the ID, so the ID is chosen here rather than by the registry
        deviceId = deviceId == null ? DeviceSecrets.newDeviceId() : deviceId;
        certificate = cas.node().issueDevice(CertificateRequest.parse((String) csrText, "csr").publicKey(), deviceId, CSR_VALIDITY);
      } else {
        certificate = null;
      }
    } catch (CertificateInputException e) {
      ctx.fail(new ApiException(400, "invalid_request", e.getMessage()));
      return;
    }
    JsonObject request = new JsonObject().put("id", deviceId).put("public_key", publicKey)
        .put("platform_id", platformId).put("cellular", cellular != null && Boolean.parseBoolean(String.valueOf(cellular)))
        .put("certificate", certificate == null ? null : Base64.getEncoder().encodeToString(encoded(certificate)));
    bus.<JsonObject>request(HubAddresses.PROVISION_DEVICE, request).onComplete(reply -> {
      if (reply.succeeded()) {
        JsonObject answer = reply.result().body().copy().put("ok", true);
        if (certificate != null) {
          answer.put("certificate", PemCertificates.encode(certificate)).put("fingerprint", PemCertificates.fingerprint(certificate));
        }
        ctx.response().setStatusCode(201);
        ctx.json(answer);
        return;
      }
      DeviceFailure failure = DeviceFailure.from(reply.cause());
      ctx.fail(switch (failure.kind()) {
        case MALFORMED_IDENTITY -> new ApiException(400, "invalid_request", "id must be 24 hexadecimal digits");
        case MALFORMED_PAYLOAD -> new ApiException(400, "invalid_request", failure.getMessage());
        case NOT_ALLOWED -> new ApiException(409, "device_exists", "A device with this id is registered already");
        case BAD_CERTIFICATE -> new ApiException(409, "certificate_registered", "This certificate is registered to another device");
        default -> new ApiException(503, "unavailable", "The device registry is not available; try again");
      });
    });
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
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
