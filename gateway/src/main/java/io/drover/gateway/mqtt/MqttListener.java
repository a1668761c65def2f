package io.drover.gateway.mqtt;

import io.drover.gateway.pipeline.SessionPipeline;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.mqtt.MqttServer;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terminates device MQTT connections and hands each to its own {@link MqttConnection}. Deployed as
 * several instances on one port: Vert.x spreads the accepted connections over the instances, each on
 * its own event loop, and a connection stays on the loop that accepted it.
 */
public final class MqttListener extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MqttListener.class);

  private final MqttSettings settings;
  private final int port;
  private final SessionPipeline pipeline;
  private final int instance;
  private MqttServer server;

  /**
   * @param port the port to bind: the settings' own, or a negative one for a random port its instances share
   * @param instance this instance's number, from 0, for its connection gauge
   */
  public MqttListener(MqttSettings settings, int port, SessionPipeline pipeline, int instance) {
    this.settings = settings;
    this.port = port;
    this.pipeline = pipeline;
    this.instance = instance;
  }

  @Override
  public Future<?> start() {
    AtomicInteger held = pipeline.metrics().listenerConnections(instance);
    server = MqttServer.create(vertx, settings.serverOptions().setPort(port))
        .endpointHandler(endpoint -> new MqttConnection(endpoint, context, pipeline, settings.maxMessageSize(), held).open())
        .exceptionHandler(error -> LOG.debug("MQTT connection failed before CONNECT", error));
    return server.listen().onSuccess(s -> LOG.debug("MQTT listener instance up [host: {}, port: {}]", settings.host(), s.actualPort()));
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
