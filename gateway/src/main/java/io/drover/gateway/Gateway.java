package io.drover.gateway;

import io.drover.coap.DtlsServerIdentity;
import io.drover.gateway.coap.CoapListener;
import io.drover.gateway.commands.DeviceCommandRouter;
import io.drover.gateway.mqtt.MqttListener;
import io.drover.gateway.mqtt.MqttSettings;
import io.drover.gateway.pipeline.GatewayMetrics;
import io.drover.gateway.pipeline.HubClient;
import io.drover.gateway.pipeline.DataUsageMeter;
import io.drover.gateway.pipeline.SessionPipeline;
import io.drover.gateway.session.ConnectionBudget;
import io.drover.gateway.session.DeviceSessions;
import io.drover.gateway.session.SessionOwnership;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.mqtt.MqttServerOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway role of a node: the session pipeline, shared by the MQTT listener's instances (one per
 * event loop, on the plain port and on the TLS port) and the CoAP listener, and the router that takes
 * the cluster's commands for its sessions. It speaks to the hub only over the event bus. Undeploying
 * it undeploys the listeners first (their sessions end and are reported closed).
 */
public final class Gateway extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final GatewaySettings settings;
  private final SessionOwnership ownership;
  private final MeterRegistry registry;
  private final DtlsServerIdentity dtlsIdentity;
  private final ServerTls tls;
  private DeviceSessions sessions;
  private int mqttPort = -1;
  private int mqttTlsPort = -1;
  private CoapListener coap;
  private DataUsageMeter dataUsage;
  private long dataUsageTimer = -1;

  /**
   * @param dtlsIdentity the node's ECDSA P-256 key, for devices that authenticate with raw public keys,
   *     and its certificate chain if it has one (an empty chain: raw public keys only), for devices
   *     that present X.509 certificates over DTLS
   * @param tls the certificate of MQTT over TLS; null serves no TLS port
   */
  public Gateway(GatewaySettings settings, SessionOwnership ownership, MeterRegistry registry, DtlsServerIdentity dtlsIdentity, ServerTls tls) {
    this.settings = settings;
    this.ownership = ownership;
    this.registry = registry;
    this.dtlsIdentity = dtlsIdentity;
    this.tls = tls;
  }

  @Override
  public Future<?> start() {
    sessions = new DeviceSessions(ownership, vertx.eventBus());
    HubClient hub = new HubClient(vertx, settings.hubTimeout(), settings.hubOnThisNode());
    // every transport's wire bytes, summed per device and sent to the hub in batches (SIM data usage)
    DataUsageMeter dataUsage = new DataUsageMeter(vertx.eventBus());
    dataUsageTimer = vertx.setPeriodic(settings.dataUsageFlush().toMillis(), id -> dataUsage.flush());
    this.dataUsage = dataUsage;
    ConnectionBudget budget = settings.maxConnections() > 0 ? new ConnectionBudget(settings.maxConnections()) : ConnectionBudget.fromFileLimit();
    Gauge.builder("drover.gateway.connections.held", budget, ConnectionBudget::held)
        .description("Device connections counted against gateway.max-connections, from the TCP accept")
        .register(registry);
    Gauge.builder("drover.gateway.connections.limit", budget, ConnectionBudget::limit)
        .description("Device connections this process holds before refusing more (gateway.max-connections)")
        .register(registry);
    // one pipeline for plain MQTT and MQTT over TLS: past the handshake they are the same protocol;
    // the event quota and the overload rule are the same for every transport
    SessionPipeline mqttPipeline = new SessionPipeline("mqtt", hub, sessions, new GatewayMetrics(registry, "mqtt", sessions), budget,
        settings.eventQuota(), settings.overloadRetry(), dataUsage);
    SessionPipeline coapPipeline = new SessionPipeline("coap", hub, sessions, new GatewayMetrics(registry, "coap", sessions), budget,
        settings.eventQuota(), settings.overloadRetry(), dataUsage);
    MqttSettings mqtt = settings.mqtt();
    coap = new CoapListener(settings.coap(), dtlsIdentity, coapPipeline, settings.particleHost());
    return vertx.deployVerticle(new DeviceCommandRouter(sessions))
        .compose(routed -> mqtt.plainEnabled()
            ? deployMqtt(mqttPipeline, "", null, mqtt.port(), -1)
            : Future.succeededFuture(-1))
        .compose(bound -> {
          mqttPort = bound;
          return tls == null
              ? Future.succeededFuture(-1)
              : vertx.executeBlocking(() -> MqttSettings.tlsContext(tls, vertx))
                  .compose(context -> deployMqtt(mqttPipeline, "tls-", context, mqtt.tlsPort(), -2));
        })
        .compose(bound -> {
          mqttTlsPort = bound;
          return vertx.deployVerticle(coap);
        })
        .onSuccess(deployed -> LOG.info("gateway started [mqtt-port: {}, mqtts-port: {}, mqtt-instances: {}, coaps-port: {}, coap-executors: {}, connection-budget: {}]",
            mqttPort < 0 ? "off" : mqttPort, mqttTlsPort < 0 ? "off" : mqttTlsPort, settings.effectiveListenerInstances(),
            coap.actualPort(), coap.executors(), budget.limit()));
  }

  /**
   * Deploys the MQTT listener's instances on one port; completes with the port they share.
   *
   * @param names before each instance's number in its connection gauge
   * @param tlsContext the port's TLS; null for plain MQTT
   * @param randomPortKey the negative port standing for port 0, different for each listener
   */
  /** The listeners (deployed from here) stopped first, their sessions closed: their last bytes go to the hub. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(dataUsageTimer);
    if (dataUsage != null) {
      dataUsage.flush();
    }
    return Future.succeededFuture();
  }

  /** What the meter holds, for tests: sessions counted. */
  public DataUsageMeter dataUsage() {
    return dataUsage;
  }

  private Future<Integer> deployMqtt(SessionPipeline pipeline, String names, SslContext tlsContext, int configuredPort, int randomPortKey) {
    // Vert.x hands each new connection to the next instance in turn. A port of 0 would give each
    // instance a random port of its own; a negative one is Vert.x's way to share one random port
    // among the servers given the same negative number, so plain and TLS need two of them.
    MqttServerOptions shared = settings.mqtt().serverOptions(configuredPort == 0 ? randomPortKey : configuredPort);
    List<MqttListener> listeners = new CopyOnWriteArrayList<>();
    AtomicInteger numbered = new AtomicInteger();
    return vertx.deployVerticle(() -> {
          MqttListener listener = new MqttListener(settings.mqtt(), shared, tlsContext, pipeline, names + numbered.getAndIncrement());
          listeners.add(listener);
          return listener;
        }, new DeploymentOptions().setInstances(settings.effectiveListenerInstances()))
        .map(deployed -> listeners.get(0).actualPort());
  }

  /** The plain MQTT port, -1 when {@code mqtt.plain-enabled} is false. */
  public int mqttPort() {
    return mqttPort;
  }

  /** The MQTT over TLS port, -1 when the gateway was given no certificate. */
  public int mqttTlsPort() {
    return mqttTlsPort;
  }

  public int coapPort() {
    return coap.actualPort();
  }

  /** This node's live sessions. */
  public DeviceSessions sessions() {
    return sessions;
  }
}
