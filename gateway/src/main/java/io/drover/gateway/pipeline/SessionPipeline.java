package io.drover.gateway.pipeline;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.session.ConnectionBudget;
import io.drover.gateway.session.DeviceSessions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session pipeline of one transport, shared by every listener instance of it: authenticate, open
 * a {@link LiveSession} (register, claim the device in the cluster, tell the hub), count and log what
 * is refused. A transport decodes the wire, calls these steps and maps their failures to its codes;
 * it holds no rule of its own. Thread-safe: what it holds is shared and concurrent.
 */
public final class SessionPipeline {

  private static final Logger LOG = LoggerFactory.getLogger(SessionPipeline.class);

  private final String protocol;
  private final HubClient hub;
  private final DeviceSessions sessions;
  private final GatewayMetrics metrics;
  private final ConnectionBudget budget;
  private final int requestsPerSecond;

  /**
   * @param requestsPerSecond events and descriptions one session may send a second, in bursts of as
   *     many; 0 for no limit
   */
  public SessionPipeline(String protocol, HubClient hub, DeviceSessions sessions, GatewayMetrics metrics, ConnectionBudget budget,
      int requestsPerSecond) {
    this.protocol = protocol;
    this.hub = hub;
    this.sessions = sessions;
    this.metrics = metrics;
    this.budget = budget;
    this.requestsPerSecond = requestsPerSecond;
  }

  public String protocol() {
    return protocol;
  }

  /** The process's connection budget, for transports that hold a descriptor per device. */
  public ConnectionBudget budget() {
    return budget;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public HubClient hub() {
    return hub;
  }

  /** Checks a device's secret with the hub; fails with the hub's DeviceFailure. */
  public Future<AuthenticatedDevice> authenticate(AuthenticationRequest request) {
    return hub.authenticate(request);
  }

  /**
   * Asks the hub whom a device certificate names (the TLS or DTLS handshake proved only that the device
   * holds its key). When the transport has a device ID of its own ({@code claimedDeviceId}), the
   * certificate must name that device: the hub refuses it otherwise, and so does this step should a
   * hub answer with another device, so that no transport opens a session for an ID the device did not
   * prove.
   *
   * @return the device; fails with the hub's DeviceFailure (BAD_CERTIFICATE with its
   *     {@link CertificateRefusal} reason, or UNAVAILABLE), not yet counted: see {@link #connectRefused(DeviceFailure, String, Object)}
   */
  public Future<AuthenticatedDevice> authenticateCertificate(CertificateAuthentication request) {
    String claimed = request.claimedDeviceId();
    return hub.authenticateCertificate(request).compose(device -> claimed == null || claimed.equalsIgnoreCase(device.deviceId())
        ? Future.succeededFuture(device)
        : Future.failedFuture(CertificateRefusal.ID_MISMATCH.failure("the certificate names device " + device.deviceId())));
  }

  /**
   * Opens the device's session on {@code context} (the caller's): it becomes the device's live one,
   * taking over any other, and the hub hears that the device is online.
   */
  public LiveSession open(String deviceId, Context context, DeviceLink link) {
    LiveSession session = new LiveSession(this, sessions, deviceId, sessions.newSessionId(), context, link, requestsPerSecond);
    session.open();
    return session;
  }

  /** {@link #connectRefused(Kind, String, Object, String)} for a failure of a step (or the hub). */
  public void connectRefused(DeviceFailure failure, String deviceId, Object remote) {
    connectRefused(failure.kind(), deviceId, remote, failure.getMessage());
  }

  /**
   * A connection or handshake refused before a session existed: counted by reason, logged once. A
   * BAD_CERTIFICATE refusal is counted by its {@link CertificateRefusal} reason too, read from
   * {@code detail} (the hub's message starts with it).
   */
  public void connectRefused(Kind kind, String deviceId, Object remote, String detail) {
    if (kind == Kind.BAD_CERTIFICATE) {
      certificateRefused(CertificateRefusal.of(new DeviceFailure(kind, detail)), deviceId, remote, detail);
      return;
    }
    metrics.connectRejected(kind);
    if (kind == Kind.OVERLOADED) {
      // a reconnect storm past the budget refuses thousands a second: the counter tells, the log does not
      LOG.debug("connect refused [protocol: {}, remote: {}, reason: {}, detail: {}]", protocol, remote, kind.metricName(), detail);
    } else {
      LOG.info("connect refused [protocol: {}, device-id: {}, remote: {}, reason: {}, detail: {}]", protocol, deviceId, remote, kind.metricName(), detail);
    }
  }

  /**
   * A connection or handshake refused for its X.509 certificate: counted as {@code bad_certificate} and
   * by reason, logged once. A certificate that is untrusted or unreadable can come from anyone who
   * reaches the port (scanners, a device of another fleet pointed at the wrong node) and may come in
   * floods: the counter tells, the log has them at DEBUG. The other reasons concern a certificate the
   * node's own CA issued (expired, revoked, naming no registered device or another one than the
   * device claims): an operator acts on each, so they are logged at INFO.
   */
  public void certificateRefused(CertificateRefusal refusal, String deviceId, Object remote, String detail) {
    metrics.certificateRefused(refusal);
    if (refusal == CertificateRefusal.UNTRUSTED || refusal == CertificateRefusal.MALFORMED) {
      LOG.debug("certificate refused [protocol: {}, device-id: {}, remote: {}, reason: {}, detail: {}]", protocol, deviceId, remote,
          refusal.reason(), detail);
    } else {
      LOG.info("certificate refused [protocol: {}, device-id: {}, remote: {}, reason: {}, detail: {}]", protocol, deviceId, remote,
          refusal.reason(), detail);
    }
  }
}
