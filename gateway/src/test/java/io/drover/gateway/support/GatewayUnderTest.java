package io.drover.gateway.support;

import io.drover.coap.CoapSettings;
import io.drover.coap.CoapThreads;
import io.drover.gateway.Gateway;
import io.drover.gateway.GatewaySettings;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.gateway.contract.LocalDurableEvent;
import io.drover.gateway.contract.SessionNoticeCodec;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.intake.EventQuota;
import io.drover.gateway.mqtt.MqttSettings;
import io.drover.gateway.pipeline.ConnectionClose;
import io.drover.gateway.pipeline.SubscriptionRefusal;
import io.drover.gateway.session.SessionOwnership;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The gateway as the tests see it: deployed on a plain Vert.x (no cluster, no database) next to a
 * {@link FakeHub}, listening on free ports. This is the only test class that knows how the gateway is
 * put together (as hub's {@code Node.deployRoles} does it); when the production wiring changes, only
 * {@link #start} changes.
 */
public final class GatewayUnderTest {

  /** How long a session waits for the hub; the fake hub answers at once unless told otherwise. */
  public static final Duration HUB_TIMEOUT = Duration.ofSeconds(2);
  /** Two MQTT listener instances, so that every behaviour is also tested across event loops. */
  public static final int LISTENER_INSTANCES = 2;
  /** Two CoAP executors, so that every behaviour is also tested with the session table sharded. */
  public static final int COAP_EXECUTORS = 2;
  private static final long STEP_SECONDS = 30;

  private final Vertx vertx;
  private final String nodeId;
  private final MeterRegistry registry;
  /** Deployment IDs, last deployed first: the order in which they are undeployed. */
  private final Deque<String> deployments;
  private final int mqttPort;
  private final int mqttTlsPort;
  private final int coapPort;

  private GatewayUnderTest(Vertx vertx, String nodeId, MeterRegistry registry, Deque<String> deployments, int mqttPort, int mqttTlsPort,
      int coapPort) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.registry = registry;
    this.deployments = deployments;
    this.mqttPort = mqttPort;
    this.mqttTlsPort = mqttTlsPort;
    this.coapPort = coapPort;
  }

  /**
   * A Vert.x that makes a blocked event loop visible: a task running longer than 500 ms is reported
   * (with its stack), and {@link #stop} fails when one was. Blocking calls the gateway must not make
   * (a bus request awaited, a DTLS or JDBC round trip) take longer; the class loading of a first
   * connection on a busy two-core machine can take 200 ms.
   */
  public static Vertx strictVertx() {
    BlockedEventLoops.forget();
    return Vertx.vertx(new VertxOptions()
        .setMaxEventLoopExecuteTime(500).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(100).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        // with the stack of the blocked thread, which says who blocked it
        .setWarningExceptionTime(200).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS));
  }

  /**
   * The gateway's settings in the tests, with the bounds a test may change. Defaults: 1,000
   * connections, 10 s to CONNECT, 30 s of outbound stall, 1 event a second in bursts of 20 per
   * device (a burst no other test's device comes near, and a rate slow enough that a test reaches the
   * quota however slow the machine), 1 s of offering an event again to a hub that could not take it.
   */
  public static final class Settings {
    private int maxConnections = 1000;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration outboundStall = Duration.ofSeconds(30);
    private EventQuota eventQuota = new EventQuota(1, 20);
    private Duration overloadRetry = Duration.ofSeconds(1);
    private Duration dataUsageFlush = Duration.ofMillis(200);

    public Settings maxConnections(int connections) {
      maxConnections = connections;
      return this;
    }

    public Settings connectTimeout(Duration timeout) {
      connectTimeout = timeout;
      return this;
    }

    public Settings outboundStall(Duration stall) {
      outboundStall = stall;
      return this;
    }

    public Settings eventQuota(EventQuota quota) {
      eventQuota = quota;
      return this;
    }

    public Settings dataUsageFlush(Duration flush) {
      dataUsageFlush = flush;
      return this;
    }

    public Settings overloadRetry(Duration retry) {
      overloadRetry = retry;
      return this;
    }

    GatewaySettings build() {
      MqttSettings mqttSettings = new MqttSettings("127.0.0.1", 0, 0, true, 16_384, connectTimeout, outboundStall);
      CoapSettings coapSettings = new CoapSettings("127.0.0.1", 0, 0, false, 1000, 1000, Duration.ofHours(1), 0,
          Duration.ofSeconds(60), Duration.ofMinutes(30), new CoapThreads(COAP_EXECUTORS, 0, 0, 0));
      return new GatewaySettings(mqttSettings, coapSettings, HUB_TIMEOUT, LISTENER_INSTANCES, maxConnections, true, eventQuota, overloadRetry, dataUsageFlush);
    }
  }

  /**
   * Deploys {@code hub}, then the gateway's verticles; blocks until all listen: plain MQTT, MQTT over
   * TLS and CoAP over DTLS, with the certificates of {@link TestCertificates#shared()} (so every CoAP
   * test also proves that PSK works on a node that accepts certificates).
   */
  public static GatewayUnderTest start(Vertx vertx, FakeHub hub) throws Exception {
    return start(vertx, hub, new Settings());
  }

  /** {@link #start(Vertx, FakeHub)} with other bounds. */
  public static GatewayUnderTest start(Vertx vertx, FakeHub hub, Settings settings) throws Exception {
    vertx.eventBus().registerCodec(new DeviceEventCodec());
    vertx.eventBus().registerCodec(new LocalDurableEvent.Codec());
    vertx.eventBus().registerCodec(new SessionNoticeCodec());
    Deque<String> deployments = new ArrayDeque<>();
    deployments.push(await(vertx.deployVerticle(hub)));

    String nodeId = UUID.randomUUID().toString();
    MeterRegistry registry = new SimpleMeterRegistry();
    SessionOwnership ownership = await(SessionOwnership.open(vertx, nodeId));
    TestCertificates certificates = TestCertificates.shared();
    Gateway gateway = new Gateway(settings.build(), ownership, registry, certificates.dtlsIdentity(), certificates.serverTls());
    deployments.push(await(vertx.deployVerticle(gateway)));

    return new GatewayUnderTest(vertx, nodeId, registry, deployments, gateway.mqttPort(), gateway.mqttTlsPort(), gateway.coapPort());
  }

  public int mqttPort() {
    return mqttPort;
  }

  /** MQTT over TLS, with the certificate {@link TestCertificates#serverCaFile()} verifies. */
  public int mqttTlsPort() {
    return mqttTlsPort;
  }

  public int coapPort() {
    return coapPort;
  }

  /** The node ID commands are addressed to ({@code BusAddresses.deviceCommands(nodeId)}). */
  public String nodeId() {
    return nodeId;
  }

  /** {@code drover.events.rejected{protocol, reason}}: events (and other device messages) refused. */
  public double eventsRejected(String protocol, Kind reason) {
    return count("drover.events.rejected", protocol, reason);
  }

  /** {@code drover.listener.connections{protocol, instance}}: connections one listener instance holds. */
  public double listenerConnections(String protocol, int instance) {
    return listenerConnections(protocol, Integer.toString(instance));
  }

  /** The same by the instance's name: {@code "0"}, or {@code "tls-0"} for MQTT over TLS. */
  public double listenerConnections(String protocol, String instance) {
    io.micrometer.core.instrument.Gauge gauge = registry.find("drover.listener.connections")
        .tags("protocol", protocol, "instance", instance).gauge();
    return gauge == null ? -1 : gauge.value();
  }

  /** {@code drover.devices.connected{protocol}}. */
  public double devicesConnected(String protocol) {
    return registry.find("drover.devices.connected").tags("protocol", protocol).gauge().value();
  }

  /** {@code drover.connects.rejected{protocol, reason}}. */
  public double connectsRejected(String protocol, Kind reason) {
    return count("drover.connects.rejected", protocol, reason);
  }

  /** {@code drover.gateway.certificate.refusals{protocol, reason}}. */
  public double certificateRefusals(String protocol, CertificateRefusal reason) {
    Counter counter = registry.find("drover.gateway.certificate.refusals").tags("protocol", protocol, "reason", reason.reason()).counter();
    return counter == null ? 0 : counter.count();
  }

  /** {@code drover.gateway.dtls.resumptions.refused{protocol=coap, reason}}. */
  public double resumptionsRefused(CertificateRefusal reason) {
    Counter counter = registry.find("drover.gateway.dtls.resumptions.refused").tags("protocol", "coap", "reason", reason.reason()).counter();
    return counter == null ? 0 : counter.count();
  }

  /** {@code drover.connects{protocol}}: sessions accepted. */
  public double connectsAccepted(String protocol) {
    Counter counter = registry.find("drover.connects").tags("protocol", protocol).counter();
    return counter == null ? 0 : counter.count();
  }

  /** {@code drover.gateway.connections.closed{protocol, reason}}. */
  public double connectionsClosed(String protocol, ConnectionClose reason) {
    return count("drover.gateway.connections.closed", protocol, reason.metricName());
  }

  /** {@code drover.gateway.subscriptions.refused{protocol, reason}}. */
  public double subscriptionsRefused(String protocol, SubscriptionRefusal reason) {
    return count("drover.gateway.subscriptions.refused", protocol, reason.metricName());
  }

  /** {@code drover.gateway.events.retried{protocol}}. */
  public double eventsRetried(String protocol) {
    return counter("drover.gateway.events.retried", protocol);
  }

  /** {@code drover.gateway.sessions.taken.over{protocol}}. */
  public double sessionsTakenOver(String protocol) {
    return counter("drover.gateway.sessions.taken.over", protocol);
  }

  /** {@code drover.gateway.outbound.dropped{protocol}}. */
  public double outboundDropped(String protocol) {
    return counter("drover.gateway.outbound.dropped", protocol);
  }

  /** {@code drover.messages.malformed{protocol}}. */
  public double malformedMessages(String protocol) {
    return counter("drover.messages.malformed", protocol);
  }

  /** {@code drover.gateway.outbound.backlog{protocol}}: bytes waiting to go to devices. */
  public double outboundBacklog(String protocol) {
    return registry.find("drover.gateway.outbound.backlog").tags("protocol", protocol).gauge().value();
  }

  private double counter(String name, String protocol) {
    Counter counter = registry.find(name).tags("protocol", protocol).counter();
    return counter == null ? 0 : counter.count();
  }

  private double count(String name, String protocol, String reason) {
    Counter counter = registry.find(name).tags("protocol", protocol, "reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  private double count(String name, String protocol, Kind reason) {
    Counter counter = registry.find(name).tags("protocol", protocol, "reason", reason.metricName()).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Undeploys the gateway, then the hub; fails if an event loop was blocked meanwhile. */
  public void stop() throws Exception {
    while (!deployments.isEmpty()) {
      await(vertx.undeploy(deployments.pop()));
    }
    BlockedEventLoops.assertNone();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(STEP_SECONDS, TimeUnit.SECONDS);
  }
}
