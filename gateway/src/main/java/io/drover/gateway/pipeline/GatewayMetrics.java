package io.drover.gateway.pipeline;

import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.session.DeviceSessions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's meters for one protocol. Counters are created once here, so the per-message path only
 * increments.
 */
public final class GatewayMetrics {

  private final Counter connects;
  private final Counter eventsReceived;
  private final Counter recordsDropped;
  private final Counter malformedMessages;
  private final Map<DeviceFailure.Kind, Counter> rejectedConnects = new EnumMap<>(DeviceFailure.Kind.class);
  private final Map<DeviceFailure.Kind, Counter> rejectedEvents = new EnumMap<>(DeviceFailure.Kind.class);
  private final Map<CertificateRefusal, Counter> refusedCertificates = new EnumMap<>(CertificateRefusal.class);
  private final Map<ConnectionClose, Counter> closedConnections = new EnumMap<>(ConnectionClose.class);
  private final Map<SubscriptionRefusal, Counter> refusedSubscriptions = new EnumMap<>(SubscriptionRefusal.class);
  /** Made at the first refusal of each reason: only DTLS resumes sessions, and rarely refuses one. */
  private final Map<CertificateRefusal, Counter> refusedResumptions = new ConcurrentHashMap<>();
  private final Counter eventsRetried;
  private final Counter sessionsTakenOver;
  private final Counter outboundDropped;
  private final Counter subscribedEventsSent;
  private final Counter subscribedEventsDropped;
  private final LongAdder outboundBacklog = new LongAdder();
  private final MeterRegistry registry;
  private final String protocol;

  public GatewayMetrics(MeterRegistry registry, String protocol, DeviceSessions sessions) {
    this.registry = registry;
    this.protocol = protocol;
    Gauge.builder("drover.devices.connected", sessions, s -> s.count(protocol))
        .description("Devices with a live session on this node")
        .tag("protocol", protocol)
        .register(registry);
    connects = Counter.builder("drover.connects")
        .description("Device sessions accepted")
        .tag("protocol", protocol)
        .register(registry);
    eventsReceived = Counter.builder("drover.events.received")
        .description("Events accepted from devices by the gateway")
        .tag("protocol", protocol)
        .register(registry);
    recordsDropped = Counter.builder("drover.records.dropped")
        .description("Incoming records dropped before they reached a session (DTLS replays, bad MACs, unknown sessions)")
        .tag("protocol", protocol)
        .register(registry);
    malformedMessages = Counter.builder("drover.messages.malformed")
        .description("Packets that were not messages of the protocol: CoAP datagrams in a valid DTLS session (dropped), MQTT packets (the connection is closed)")
        .tag("protocol", protocol)
        .register(registry);
    for (DeviceFailure.Kind kind : DeviceFailure.Kind.values()) {
      rejectedConnects.put(kind, Counter.builder("drover.connects.rejected")
          .description("Device connections refused, by reason")
          .tags("protocol", protocol, "reason", kind.metricName())
          .register(registry));
      rejectedEvents.put(kind, Counter.builder("drover.events.rejected")
          .description("Messages from devices refused (events, descriptions, handshakes, firmware and settings steps), by reason")
          .tags("protocol", protocol, "reason", kind.metricName())
          .register(registry));
    }
    eventsRetried = Counter.builder("drover.gateway.events.retried")
        .description("Durable events offered to the hub again after it could not take them (overloaded, unavailable), the device held meanwhile")
        .tag("protocol", protocol)
        .register(registry);
    sessionsTakenOver = Counter.builder("drover.gateway.sessions.taken.over")
        .description("Device sessions closed because a newer session of the same device took over (many: two clients share one device ID)")
        .tag("protocol", protocol)
        .register(registry);
    outboundDropped = Counter.builder("drover.gateway.outbound.dropped")
        .description("Notices (c/err) not sent to a device because it was not reading what was sent to it before")
        .tag("protocol", protocol)
        .register(registry);
    subscribedEventsSent = Counter.builder("drover.gateway.subscribed.events.sent")
        .description("The owner's events sent to devices that subscribed to them (a Particle device's GET /e/{prefix})")
        .tag("protocol", protocol)
        .register(registry);
    subscribedEventsDropped = Counter.builder("drover.gateway.subscribed.events.dropped")
        .description("Events for a subscribed device dropped because too many were already on their way to it")
        .tag("protocol", protocol)
        .register(registry);
    Gauge.builder("drover.gateway.outbound.backlog", outboundBacklog, LongAdder::sum)
        .description("Bytes of messages to devices that the operating system has not taken yet (devices reading slowly or not at all)")
        .baseUnit("bytes")
        .tag("protocol", protocol)
        .register(registry);
    for (ConnectionClose reason : ConnectionClose.values()) {
      closedConnections.put(reason, Counter.builder("drover.gateway.connections.closed")
          .description("Device connections the gateway closed for a bound or a protocol error, by reason")
          .tags("protocol", protocol, "reason", reason.metricName())
          .register(registry));
    }
    for (SubscriptionRefusal reason : SubscriptionRefusal.values()) {
      refusedSubscriptions.put(reason, Counter.builder("drover.gateway.subscriptions.refused")
          .description("Topic filters refused in a SUBACK, by reason")
          .tags("protocol", protocol, "reason", reason.metricName())
          .register(registry));
    }
    for (CertificateRefusal refusal : CertificateRefusal.values()) {
      refusedCertificates.put(refusal, Counter.builder("drover.gateway.certificate.refusals")
          .description("Device certificates refused (each also counted in drover.connects.rejected as bad_certificate), by reason")
          .tags("protocol", protocol, "reason", refusal.reason())
          .register(registry));
    }
    if ("coap".equals(protocol)) {
      // at zero from the start, as the other counters: a dashboard's rate() of it then reads 0, not "no data"
      for (CertificateRefusal refusal : CertificateRefusal.values()) {
        resumptionRefusedCounter(refusal);
      }
    }
  }

  /**
   * The count of connections one listener instance holds, as the gauge
   * {@code drover_listener_connections{protocol, instance}}: how the sessions spread over the event loops.
   *
   * @param instance the instance's name: its number, or {@code tls-} and its number for MQTT over TLS
   */
  public AtomicInteger listenerConnections(String instance) {
    AtomicInteger held = new AtomicInteger();
    Gauge.builder("drover.listener.connections", held, AtomicInteger::get)
        .description("Device connections held by one listener instance (one event loop each)")
        .tags("protocol", protocol, "instance", instance)
        .register(registry);
    return held;
  }

  public void connectAccepted() {
    connects.increment();
  }

  public void connectRejected(DeviceFailure.Kind reason) {
    rejectedConnects.get(reason).increment();
  }

  /** A connection refused for its certificate: counted as a BAD_CERTIFICATE connect rejection and by its reason. */
  public void certificateRefused(CertificateRefusal reason) {
    rejectedConnects.get(DeviceFailure.Kind.BAD_CERTIFICATE).increment();
    refusedCertificates.get(reason).increment();
  }

  /** A DTLS session not resumed: its certificate or raw key is no longer accepted. */
  public void resumptionRefused(CertificateRefusal reason) {
    resumptionRefusedCounter(reason).increment();
  }

  private Counter resumptionRefusedCounter(CertificateRefusal reason) {
    return refusedResumptions.computeIfAbsent(reason, refusal -> Counter.builder("drover.gateway.dtls.resumptions.refused")
        .description("DTLS sessions not resumed because their certificate or raw key is no longer accepted (revoked, expired, unregistered), by reason")
        .tags("protocol", protocol, "reason", refusal.reason())
        .register(registry));
  }

  public void eventReceived() {
    eventsReceived.increment();
  }

  public void malformedMessage() {
    malformedMessages.increment();
  }

  public void recordDropped() {
    recordsDropped.increment();
  }

  public void eventRejected(DeviceFailure.Kind reason) {
    rejectedEvents.get(reason).increment();
  }

  public void eventRetried() {
    eventsRetried.increment();
  }

  public void sessionTakenOver() {
    sessionsTakenOver.increment();
  }

  public void connectionClosed(ConnectionClose reason) {
    closedConnections.get(reason).increment();
  }

  public void subscriptionRefused(SubscriptionRefusal reason) {
    refusedSubscriptions.get(reason).increment();
  }

  public void subscribedEventSent() {
    subscribedEventsSent.increment();
  }

  public void subscribedEventDropped() {
    subscribedEventsDropped.increment();
  }

  public void outboundDropped() {
    outboundDropped.increment();
  }

  /** Adds to (or, negative, takes from) the bytes waiting to go to devices; see {@code drover.gateway.outbound.backlog}. */
  public void outboundBacklog(long bytes) {
    outboundBacklog.add(bytes);
  }
}
