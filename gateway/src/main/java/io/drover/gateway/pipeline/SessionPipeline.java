package io.drover.gateway.pipeline;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.handshake.SessionHandshake;
import io.drover.gateway.intake.EventQuota;
import io.drover.gateway.log.LogText;
import io.drover.gateway.log.SampledLog;
import io.drover.gateway.session.ConnectionBudget;
import io.drover.gateway.session.DeviceSessions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Duration;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The session pipeline of one transport, shared by every listener instance of it: authenticate, open
 * a {@link LiveSession} (register, claim the device in the cluster, tell the hub), count and log what
 * is refused. A transport decodes the wire, calls these steps and maps their failures to its codes;
 * it holds no rule of its own. Thread-safe: what it holds is shared and concurrent.
 *
 * <p>What devices and the network can cause by the thousand a second (refused connects and messages,
 * connections closed for a bound, malformed packets) is counted here, every time, and logged here at
 * most once a second per reason ({@link SampledLog}), with every text a device chose escaped
 * ({@link LogText}).
 */
public final class SessionPipeline {

  private final String protocol;
  private final HubClient hub;
  private final DeviceSessions sessions;
  private final GatewayMetrics metrics;
  private final ConnectionBudget budget;
  private final EventQuota eventQuota;
  private final long overloadRetryNanos;
  private final DataUsageMeter dataUsage;
  /** Made at the first subscription: most transports and nodes never have one. */
  private EventSubscriptions subscriptions;
  private final SampledLog log = new SampledLog(LoggerFactory.getLogger(SessionPipeline.class));
  /** What the handshake steps of every session log (updates offered, verified, failed; the hub not answering). */
  private final SampledLog handshakeLog = new SampledLog(LoggerFactory.getLogger(SessionHandshake.class));

  /**
   * @param eventQuota the events and descriptions one session may send
   * @param overloadRetry how long a durable event the hub could not take is offered to it again, where
   *     the transport can hold the device meanwhile ({@link DeviceLink#holdsDurableEvents()})
   * @param dataUsage where every session's wire bytes are summed for the hub (one for every transport)
   */
  public SessionPipeline(String protocol, HubClient hub, DeviceSessions sessions, GatewayMetrics metrics, ConnectionBudget budget,
      EventQuota eventQuota, Duration overloadRetry, DataUsageMeter dataUsage) {
    this.dataUsage = dataUsage;
    this.protocol = protocol;
    this.hub = hub;
    this.sessions = sessions;
    this.metrics = metrics;
    this.budget = budget;
    this.eventQuota = eventQuota;
    this.overloadRetryNanos = overloadRetry.toNanos();
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

  /** Where the sessions' wire bytes are summed. */
  DataUsageMeter dataUsage() {
    return dataUsage;
  }

  /** The sessions subscribed to their owner's events, made at the first subscription. */
  synchronized EventSubscriptions subscriptions(io.vertx.core.Vertx vertx) {
    if (subscriptions == null) {
      subscriptions = new EventSubscriptions(vertx);
    }
    return subscriptions;
  }

  /**
   * An event for a subscribed device dropped: too many were already on their way to it (it does not
   * acknowledge them, or slowly). Counted, logged at most once a second.
   */
  void subscribedEventDropped(String deviceId, String name) {
    metrics.subscribedEventDropped();
    log.info("subscribed-event-dropped", "event for a subscribed device dropped [protocol: {}, device-id: {}, event: {}, reason: {}]",
        protocol, deviceId, LogText.untrusted(name), "too many on their way to the device");
  }

  /** The events and descriptions one session may send. */
  EventQuota eventQuota() {
    return eventQuota;
  }

  /**
   * The log of every session's handshake steps: a release or "flash now" reaches thousands of devices
   * at once, and the hub not answering fails thousands of handshakes; at most a line a second per reason.
   */
  SampledLog handshakeLog() {
    return handshakeLog;
  }

  /** How long a durable event the hub could not take is offered to it again; 0: not at all. */
  long overloadRetryNanos() {
    return overloadRetryNanos;
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
    return open(deviceId, null, context, link);
  }

  /**
   * {@link #open(String, Context, DeviceLink)} for a device that authenticated with an X.509
   * certificate: the session remembers its fingerprint, and ends when the hub says it was revoked.
   *
   * @param certificateFingerprint {@link io.drover.gateway.contract.CertificateAuthentication#fingerprint()}; null for a secret or a key
   */
  public LiveSession open(String deviceId, String certificateFingerprint, Context context, DeviceLink link) {
    LiveSession session = new LiveSession(this, sessions, deviceId, sessions.newSessionNumber(), certificateFingerprint, context, link);
    session.open();
    return session;
  }

  /** {@link #connectRefused(Kind, String, Object, String)} for a failure of a step (or the hub). */
  public void connectRefused(DeviceFailure failure, String deviceId, Object remote) {
    connectRefused(failure.kind(), deviceId, remote, failure.getMessage());
  }

  /**
   * A connection or handshake refused before a session existed: counted by reason, logged at most once
   * a second per reason. A BAD_CERTIFICATE refusal is counted by its {@link CertificateRefusal} reason
   * too, read from {@code detail} (the hub's message starts with it).
   *
   * @param deviceId the device ID, or whatever identity the device gave when it is none (escaped here)
   */
  public void connectRefused(Kind kind, String deviceId, Object remote, String detail) {
    if (kind == Kind.BAD_CERTIFICATE) {
      certificateRefused(CertificateRefusal.of(new DeviceFailure(kind, detail)), deviceId, remote, detail);
      return;
    }
    metrics.connectRejected(kind);
    // a reconnect storm past the budget refuses thousands a second: the counter tells, the log only at DEBUG
    log.log(kind == Kind.OVERLOADED ? Level.DEBUG : Level.INFO, kind.metricName(),
        "connect refused [protocol: {}, device-id: {}, remote: {}, reason: {}, detail: {}]",
        protocol, LogText.untrusted(deviceId), remote, kind.metricName(), LogText.untrusted(detail));
  }

  /**
   * A message of a live session refused (an event, a description, a handshake or firmware step): counted
   * by reason, logged at most once a second per reason.
   */
  public void messageRefused(DeviceFailure failure, String deviceId) {
    metrics.eventRejected(failure.kind());
    log.info("refused-" + failure.kind().metricName(), "message refused [protocol: {}, device-id: {}, reason: {}, detail: {}]",
        protocol, deviceId, failure.kind().metricName(), LogText.untrusted(failure.getMessage()));
  }

  /** A durable event the hub did not write, after any offers again: counted, logged at most once a second per reason. */
  public void eventNotWritten(DeviceFailure failure, String deviceId) {
    metrics.eventRejected(failure.kind());
    log.warn("unwritten-" + failure.kind().metricName(), "event not written [protocol: {}, device-id: {}, reason: {}, detail: {}]",
        protocol, deviceId, failure.kind().metricName(), LogText.untrusted(failure.getMessage()));
  }

  /**
   * A connection the gateway closed itself, for a bound or a protocol error: counted by reason, logged at
   * most once a second per reason (at DEBUG for what scanners cause: handshakes and CONNECTs that never
   * come).
   *
   * @param deviceId null before the device said who it is
   */
  public void connectionClosed(ConnectionClose reason, String deviceId, Object remote, String detail) {
    metrics.connectionClosed(reason);
    if (reason == ConnectionClose.MALFORMED_PACKET) {
      metrics.malformedMessage();
    }
    Level level = reason == ConnectionClose.CONNECT_TIMEOUT || reason == ConnectionClose.TLS_HANDSHAKE_FAILED ? Level.DEBUG : Level.INFO;
    log.log(level, "closed-" + reason.metricName(), "connection closed [protocol: {}, device-id: {}, remote: {}, reason: {}, detail: {}]",
        protocol, deviceId, remote, reason.metricName(), LogText.untrusted(detail));
  }

  /**
   * A session closed because a newer one of its device took over: counted, logged at most once a second
   * (two clients sharing one device ID take each other's session over as fast as they reconnect).
   */
  void sessionTakenOver(String deviceId, Object remote) {
    metrics.sessionTakenOver();
    log.info("taken-over", "session taken over [protocol: {}, device-id: {}, remote: {}]", protocol, deviceId, remote);
  }

  /** A topic filter refused in a SUBACK: counted by reason, logged at most once a second per reason. */
  public void subscriptionRefused(SubscriptionRefusal reason, String deviceId, String filter) {
    metrics.subscriptionRefused(reason);
    log.info("subscription-" + reason.metricName(), "subscription refused [protocol: {}, device-id: {}, reason: {}, filter: {}]",
        protocol, deviceId, reason.metricName(), LogText.untrusted(filter));
  }

  /**
   * A connection or handshake refused for its X.509 certificate: counted as {@code bad_certificate} and
   * by reason, logged at most once a second per reason. A certificate that is untrusted or unreadable can come from anyone who
   * reaches the port (scanners, a device of another fleet pointed at the wrong node) and may come in
   * floods: the counter tells, the log has them at DEBUG. The other reasons concern a certificate the
   * node's own CA issued (expired, revoked, naming no registered device or another one than the
   * device claims): an operator acts on each, so they are logged at INFO.
   */
  public void certificateRefused(CertificateRefusal refusal, String deviceId, Object remote, String detail) {
    metrics.certificateRefused(refusal);
    Level level = refusal == CertificateRefusal.UNTRUSTED || refusal == CertificateRefusal.MALFORMED ? Level.DEBUG : Level.INFO;
    log.log(level, "certificate-" + refusal.reason(), "certificate refused [protocol: {}, device-id: {}, remote: {}, reason: {}, detail: {}]",
        protocol, LogText.untrusted(deviceId), remote, refusal.reason(), LogText.untrusted(detail));
  }

  /**
   * A DTLS session not resumed because its certificate (or raw key) is no longer accepted: counted by
   * reason and logged at most once a second per reason. The device is sent to a full handshake, whose
   * refusal is counted as any other in {@code drover.gateway.certificate.refusals}.
   */
  public void resumptionRefused(CertificateRefusal refusal, Object remote, String detail) {
    metrics.resumptionRefused(refusal);
    log.info("resumption-" + refusal.reason(), "session resumption refused [protocol: {}, remote: {}, reason: {}, detail: {}]",
        protocol, remote, refusal.reason(), LogText.untrusted(detail));
  }
}
