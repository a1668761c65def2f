package io.drover.hub.devices.certificates;

import io.drover.gateway.commands.DeviceCommands;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.auth.Principal;
import io.drover.hub.devices.certificates.CertificateRepository.Registered;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ApiUserScopes;
import io.drover.hub.products.ProductPermission;
import io.drover.hub.products.ProductRole;
import io.drover.hub.tls.CertificateInputException;
import io.drover.hub.tls.CertificateRequest;
import io.drover.hub.tls.PemCertificates;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's X.509 certificates: {@code GET /v1/devices/:deviceId/certificates} lists them,
 * {@code POST} registers one ({@code {"certificate": PEM}}) or has the node's device CA sign a CSR
 * ({@code {"csr": PEM}}), {@code DELETE .../certificates/:fingerprint} revokes one. The device's owner,
 * node administrators, and the members of its product whose role allows (VIEW to list, MANAGE_DEVICES
 * to change) may; anyone else gets 404, as for the device itself.
 *
 * <p>Mounted before {@code DevicesApi}, whose {@code /v1/devices/:device/:function} would take these paths.
 */
public final class DeviceCertificatesApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceCertificatesApi.class);
  private static final String BASE = "/v1/devices/:deviceId/certificates";
  private static final Set<String> FIELDS = Set.of("certificate", "csr", "days", "access_token");
  private static final int DEFAULT_DAYS = 365;
  private static final int MAX_DAYS = 3650;
  /** The session answers at once, without the device: this bounds only the hops to the node that holds it. */
  private static final long END_SESSION_TIMEOUT_MILLIS = 3000;

  private final AccessCheck access;
  private final CertificateRepository repository;
  private final CertificateIndex index;
  private final DeviceCas cas;
  private final DeviceCommands sessions;

  /** @param sessions reaches the device's live session, on whichever node holds it, to end it when its certificate is revoked */
  public DeviceCertificatesApi(AccessCheck access, CertificateRepository repository, CertificateIndex index, DeviceCas cas, DeviceCommands sessions) {
    this.access = access;
    this.repository = repository;
    this.index = index;
    this.cas = cas;
    this.sessions = sessions;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(BASE).handler(access::requireUser).handler(this::list);
    router.post(BASE).handler(access::requireUser).handler(RequestBodies.handler()).handler(this::register);
    router.delete(BASE + "/:fingerprint").handler(access::requireUser).handler(this::revoke);
    return Future.succeededFuture();
  }

  private void list(RoutingContext ctx) {
    device(ctx, ProductPermission.VIEW)
        .compose(repository::deviceCertificates)
        .onSuccess(rows -> {
          JsonArray certificates = new JsonArray();
          for (Row row : rows) {
            certificates.add(CertificateJson.deviceCertificate(row));
          }
          ctx.json(new JsonObject().put("ok", true).put("certificates", certificates));
        })
        .onFailure(ctx::fail);
  }

  /**
   * Registers the given certificate to the device, or signs the given CSR with the node's device CA
   * (subject CN = the device ID, whatever the CSR asked) and registers what it issued. Either way the
   * fingerprint then names the device, on every hub node.
   */
  private void register(RoutingContext ctx) {
    JsonObject body = RequestBodies.fields(ctx);
    device(ctx, ProductPermission.MANAGE_DEVICES)
        .compose(deviceId -> {
          X509Certificate certificate = certificateFor(deviceId, body);
          byte[] der = encoded(certificate);
          String fingerprint = PemCertificates.fingerprint(der);
          return repository.register(fingerprint, deviceId, der, CertificateRepository.utc(certificate.getNotAfter()))
              .compose(registered -> switch (registered) {
                case OTHER_DEVICE -> Future.failedFuture(new ApiException(409, "certificate_registered",
                    "This certificate (sha256 " + fingerprint + ") is registered to another device"));
                case REVOKED -> Future.failedFuture(new ApiException(409, "certificate_revoked",
                    "This certificate (sha256 " + fingerprint + ") was revoked; a revoked certificate is not registered again"));
                case CREATED, ALREADY -> {
                  if (registered == Registered.CREATED) {
                    index.changed(fingerprint, new CertificateIndex.Registration(deviceId, false));
                    LOG.info("device certificate registered [device-id: {}, sha256: {}, issued-here: {}, by: {}]", deviceId, fingerprint,
                        body.getValue("csr") != null, AccessCheck.principal(ctx).username());
                  }
                  yield repository.deviceCertificate(fingerprint).map(row -> {
                    ctx.response().setStatusCode(registered == Registered.CREATED ? 201 : 200);
                    return CertificateJson.deviceCertificate(row).put("ok", true).put("certificate", PemCertificates.encode(certificate));
                  });
                }
              });
        })
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  /** The certificate the body gives, or the one the node's device CA issues for the CSR it gives. */
  private X509Certificate certificateFor(String deviceId, JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw new ApiException(400, "invalid_request", "Unknown field " + field + "; give certificate (PEM) or csr (PEM), and days with a csr");
      }
    }
    Object certificate = body.getValue("certificate");
    Object csr = body.getValue("csr");
    if ((certificate == null) == (csr == null)) {
      throw new ApiException(400, "invalid_request", "Give either certificate (a PEM certificate to register) or csr (a PEM CSR for the node's device CA to sign)");
    }
    if (certificate != null && !(certificate instanceof String)) {
      throw new ApiException(400, "invalid_request", "certificate must be PEM text");
    }
    if (csr != null && !(csr instanceof String)) {
      throw new ApiException(400, "invalid_request", "csr must be PEM text");
    }
    try {
      if (certificate != null) {
        return CertificateChecks.registrable((String) certificate);
      }
      CertificateRequest request = CertificateRequest.parse((String) csr, "csr");
      return cas.node().issueDevice(request.publicKey(), deviceId, Duration.ofDays(days(body.getValue("days"))));
    } catch (CertificateInputException e) {
      throw new ApiException(400, "invalid_request", e.getMessage());
    }
  }

  private static int days(Object given) {
    if (given == null) {
      return DEFAULT_DAYS;
    }
    try {
      int days = Integer.parseInt(String.valueOf(given));
      if (days >= 1 && days <= MAX_DAYS) {
        return days;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", "days must be a whole number from 1 to " + MAX_DAYS);
  }

  /**
   * Revokes a fingerprint of the device: from now on a certificate with it is refused on every hub
   * node, and the device's live session ends if it was authenticated with that certificate (an
   * {@code END_SESSION} command, through the node that holds the session). {@code ?unregistered=true}
   * revokes a fingerprint the node never registered (a certificate a device CA issued outside Drover);
   * without it an unknown fingerprint is a 404, so that a mistyped one is not taken for revoked. The
   * answer says whether a session ended; the revocation stands whatever came of that.
   */
  private void revoke(RoutingContext ctx) {
    String fingerprint = PemCertificates.normalizeFingerprint(ctx.pathParam("fingerprint"));
    boolean unregistered = "true".equals(ctx.request().getParam("unregistered"));
    device(ctx, ProductPermission.MANAGE_DEVICES)
        .compose(deviceId -> {
          if (fingerprint == null) {
            return Future.failedFuture(new ApiException(400, "invalid_request",
                "The fingerprint must be the certificate's SHA-256: 64 hexadecimal digits, colons allowed"));
          }
          return repository.revoke(fingerprint, deviceId, unregistered).compose(revocation -> {
            if (revocation == null) {
              return Future.failedFuture(new ApiException(404, "not_found", "No certificate with this fingerprint is registered to device "
                  + deviceId + "; to revoke a certificate the node never registered, add ?unregistered=true"));
            }
            if (!revocation.deviceId().equals(deviceId)) {
              return Future.failedFuture(new ApiException(409, "certificate_registered",
                  "This fingerprint belongs to another device; revoke it there"));
            }
            index.changed(fingerprint, new CertificateIndex.Registration(deviceId, true));
            LOG.info("device certificate revoked [device-id: {}, sha256: {}, registered: {}, by: {}]", deviceId, fingerprint,
                revocation.registered(), AccessCheck.principal(ctx).username());
            return endSession(deviceId, fingerprint).map(ended -> new JsonObject().put("ok", true).put("fingerprint", fingerprint)
                .put("revoked_at", CertificateJson.time(revocation.revokedAt())).put("registered", revocation.registered())
                .put("session_ended", ended));
          });
        })
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  /**
   * Ends the device's live session if it was authenticated with the revoked certificate.
   *
   * @return whether one ended; false too when the device is offline, or the session's node did not
   *     answer (logged: the certificate is refused at the next handshake all the same)
   */
  private Future<Boolean> endSession(String deviceId, String fingerprint) {
    DeviceCommand end = new DeviceCommand(deviceId, DeviceCommand.Kind.END_SESSION, null, fingerprint, END_SESSION_TIMEOUT_MILLIS);
    return sessions.request(end)
        .map(reply -> "ended".equals(reply.getString("result")))
        .recover(cause -> {
          DeviceFailure failure = DeviceFailure.from(cause);
          if (failure.kind() != DeviceFailure.Kind.DEVICE_OFFLINE) {
            LOG.warn("the session of a revoked certificate could not be asked to end [device-id: {}, sha256: {}, cause: {}]", deviceId, fingerprint,
                failure.getMessage());
          }
          return Future.succeededFuture(false);
        });
  }

  /**
   * The device named in the path, if the caller may do what {@code permission} says to it: its owner
   * and node administrators may do anything; a member of its product (or the product's API user) what
   * their role (or scopes) grant. Anyone else gets 404, so that device IDs cannot be probed; a member
   * whose role does not allow it gets 403.
   */
  private Future<String> device(RoutingContext ctx, ProductPermission permission) {
    Principal caller = AccessCheck.principal(ctx);
    String id = DeviceIds.normalize(ctx.pathParam("deviceId"));
    if (id == null) {
      return Future.failedFuture(new ApiException(404, "not_found", "No such device of yours"));
    }
    return repository.deviceAccess(id, caller.userId()).compose(row -> {
      if (row == null) {
        return Future.failedFuture(new ApiException(404, "not_found", "No such device of yours"));
      }
      if (caller.mayActFor(row.getLong(1))) {
        return Future.succeededFuture(id);
      }
      Integer productId = row.getInteger(2);
      Set<ProductPermission> granted;
      String who;
      if (productId != null && caller.kind() == Principal.Kind.API_USER && productId.equals(caller.productId())) {
        granted = ApiUserScopes.permissions(caller.scope());
        who = "This API user's scopes do not";
      } else {
        ProductRole role = caller.kind() == Principal.Kind.PERSON ? ProductRole.parse(row.getString(3)) : null;
        granted = role == null ? Set.of() : role.permissions();
        who = role == null ? null : "The " + role.wireName() + " role does not";
      }
      if (granted.isEmpty()) {
        return Future.failedFuture(new ApiException(404, "not_found", "No such device of yours"));
      }
      if (!granted.contains(permission)) {
        return Future.failedFuture(new ApiException(403, "forbidden", who + " allow managing device certificates in product " + productId));
      }
      return Future.succeededFuture(id);
    });
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }
}
