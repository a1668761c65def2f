package io.drover.gateway.pipeline;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
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
   * Opens the device's session on {@code context} (the caller's): it becomes the device's live one,
   * taking over any other, and the hub hears that the device is online.
   */
  public LiveSession open(String deviceId, Context context, DeviceLink link) {
    LiveSession session = new LiveSession(this, sessions, deviceId, sessions.newSessionId(), context, link, requestsPerSecond);
    session.open();
    return session;
  }

  /** A connection or handshake refused before a session existed: counted by reason, logged. */
  public void connectRefused(Kind kind, String deviceId, Object remote, String detail) {
    metrics.connectRejected(kind);
    if (kind == Kind.OVERLOADED) {
      // a reconnect storm past the budget refuses thousands a second: the counter tells, the log does not
      LOG.debug("connect refused [protocol: {}, remote: {}, reason: {}, detail: {}]", protocol, remote, kind.metricName(), detail);
    } else {
      LOG.info("connect refused [protocol: {}, device-id: {}, remote: {}, reason: {}, detail: {}]", protocol, deviceId, remote, kind.metricName(), detail);
    }
  }
}
