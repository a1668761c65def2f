package io.drover.gateway.mqtt;

import io.drover.gateway.config.ConfigClient;
import io.drover.gateway.firmware.FirmwareClient;
import io.drover.gateway.session.ConnectionBudget;
import io.drover.gateway.session.DeviceSessions;
import io.drover.gateway.session.GatewayMetrics;
import io.drover.gateway.session.HubClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.mqtt.MqttServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Terminates device MQTT connections and hands each to its own {@link MqttDeviceSession}. */
public final class MqttListener extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MqttListener.class);

  private final MqttSettings settings;
  private final DeviceSessions sessions;
  private final HubClient hub;
  private final GatewayMetrics metrics;
  private final ConnectionBudget budget;
  private MqttServer server;

  public MqttListener(MqttSettings settings, DeviceSessions sessions, HubClient hub, GatewayMetrics metrics, ConnectionBudget budget) {
    this.settings = settings;
    this.sessions = sessions;
    this.hub = hub;
    this.metrics = metrics;
    this.budget = budget;
  }

  @Override
  public Future<?> start() {
    FirmwareClient firmware = new FirmwareClient(vertx.eventBus(), settings.hubTimeout());
    ConfigClient config = new ConfigClient(vertx, settings.hubTimeout());
    server = MqttServer.create(vertx, settings.serverOptions())
        .endpointHandler(endpoint -> new MqttDeviceSession(endpoint, context, sessions, hub, firmware, config, metrics, settings.maxMessageSize(), budget).open())
        .exceptionHandler(error -> LOG.debug("MQTT connection failed before CONNECT", error));
    return server.listen().onSuccess(s -> LOG.info("MQTT listening [host: {}, port: {}]", settings.host(), s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }

  /** The bound port: useful when the settings asked for port 0. */
  public int actualPort() {
    return server.actualPort();
  }
}
