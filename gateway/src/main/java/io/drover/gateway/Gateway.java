package io.drover.gateway;

import io.drover.gateway.coap.CoapListener;
import io.drover.gateway.commands.DeviceCommandRouter;
import io.drover.gateway.mqtt.MqttListener;
import io.drover.gateway.pipeline.GatewayMetrics;
import io.drover.gateway.pipeline.HubClient;
import io.drover.gateway.pipeline.SessionPipeline;
import io.drover.gateway.session.ConnectionBudget;
import io.drover.gateway.session.DeviceSessions;
import io.drover.gateway.session.SessionOwnership;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway role of a node: the session pipeline, shared by the MQTT listener's instances (one per
 * event loop) and the CoAP listener, and the router that takes the cluster's commands for its
 * sessions. It speaks to the hub only over the event bus. Undeploying it undeploys the listeners first
 * (their sessions end and are reported closed).
 */
public final class Gateway extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final GatewaySettings settings;
  private final SessionOwnership ownership;
  private final MeterRegistry registry;
  private final KeyPair dtlsServerKey;
  private DeviceSessions sessions;
  private int mqttPort;
  private CoapListener coap;

  /** @param dtlsServerKey the node's ECDSA P-256 key, for devices that authenticate with raw public keys */
  public Gateway(GatewaySettings settings, SessionOwnership ownership, MeterRegistry registry, KeyPair dtlsServerKey) {
    this.settings = settings;
    this.ownership = ownership;
    this.registry = registry;
    this.dtlsServerKey = dtlsServerKey;
  }

  @Override
  public Future<?> start() {
    sessions = new DeviceSessions(ownership, vertx.eventBus());
    HubClient hub = new HubClient(vertx, settings.hubTimeout(), settings.hubOnThisNode());
    ConnectionBudget budget = settings.maxConnections() > 0 ? new ConnectionBudget(settings.maxConnections()) : ConnectionBudget.fromFileLimit();
    SessionPipeline mqttPipeline = new SessionPipeline("mqtt", hub, sessions, new GatewayMetrics(registry, "mqtt", sessions), budget, 0);
    SessionPipeline coapPipeline = new SessionPipeline("coap", hub, sessions, new GatewayMetrics(registry, "coap", sessions), budget,
        settings.coap().requestsPerSecondPerDevice());
    int instances = settings.effectiveListenerInstances();
    // Vert.x hands each new connection to the next instance in turn. A port of 0 would give each
    // instance a random port of its own; a negative one is Vert.x's way to share one random port.
    int port = settings.mqtt().port() == 0 ? -1 : settings.mqtt().port();
    List<MqttListener> listeners = new CopyOnWriteArrayList<>();
    AtomicInteger numbered = new AtomicInteger();
    coap = new CoapListener(settings.coap(), dtlsServerKey, coapPipeline);
    return vertx.deployVerticle(new DeviceCommandRouter(sessions))
        .compose(routed -> vertx.deployVerticle(() -> {
          MqttListener listener = new MqttListener(settings.mqtt(), port, mqttPipeline, numbered.getAndIncrement());
          listeners.add(listener);
          return listener;
        }, new DeploymentOptions().setInstances(instances)))
        .compose(deployed -> {
          mqttPort = listeners.get(0).actualPort();
          return vertx.deployVerticle(coap);
        })
        .onSuccess(deployed -> LOG.info("gateway started [mqtt-port: {}, mqtt-instances: {}, coaps-port: {}, coap-executors: {}, connection-budget: {}]",
            mqttPort, instances, coap.actualPort(), coap.executors(), budget.limit()));
  }

  public int mqttPort() {
    return mqttPort;
  }

  public int coapPort() {
    return coap.actualPort();
  }

  /** This node's live sessions. */
  public DeviceSessions sessions() {
    return sessions;
  }
}
