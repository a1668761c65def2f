package io.drover.gateway.mqtt;

import io.drover.gateway.pipeline.SessionPipeline;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terminates device MQTT connections, plain or over TLS, and hands each to its own
 * {@link MqttConnection}. Deployed as several instances on one port: Vert.x spreads the accepted
 * connections over the instances, each on its own event loop, and a connection stays on the loop that
 * accepted it. Past the TLS handshake a connection is the same as a plain one: the same pipeline, the
 * same metrics (protocol {@code mqtt}).
 */
public final class MqttListener extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MqttListener.class);
  /** The vertx-mqtt class whose {@code checkConnected} refuses a packet before an accepted CONNECT. */
  private static final String PACKET_BEFORE_CONNECT_THROWER = "io.vertx.mqtt.impl.MqttServerConnection";

  private final MqttSettings settings;
  private final MqttServerOptions options;
  private final SessionPipeline pipeline;
  private final String instance;
  private MqttServer server;

  /**
   * @param options the server to run: {@link MqttSettings#serverOptions} or {@link MqttSettings#tlsServerOptions}
   *     on the settings' port, or on a negative one for a random port its instances share
   * @param instance this instance's name, for its connection gauge: its number from 0, {@code tls-} before it over TLS
   */
  public MqttListener(MqttSettings settings, MqttServerOptions options, SessionPipeline pipeline, String instance) {
    this.settings = settings;
    this.options = options;
    this.pipeline = pipeline;
    this.instance = instance;
  }

  @Override
  public Future<?> start() {
    AtomicInteger held = pipeline.metrics().listenerConnections(instance);
    context.exceptionHandler(this::unhandled);
    // a failed TLS handshake (a plain CONNECT on the TLS port, an old protocol, no common cipher) ends
    // here: the connection is closed and no session was ever opened. A first packet the decoder refuses
    // closes the connection too, but Vert.x logs its reason (one ERROR line): vertx-mqtt gives a
    // connection no exception handler before its CONNECT
    server = MqttServer.create(vertx, new MqttServerOptions(options))
        .endpointHandler(endpoint -> new MqttConnection(endpoint, context, pipeline, settings.maxMessageSize(), held).open())
        .exceptionHandler(error -> LOG.debug("MQTT connection failed before CONNECT [instance: {}]", instance, error));
    return server.listen().onSuccess(s -> LOG.debug("MQTT listener instance up [host: {}, port: {}, tls: {}]",
        settings.host(), s.actualPort(), options.isSsl()));
  }

  /**
   * What escapes a connection's handlers on this instance's event loop. vertx-mqtt closes a connection
   * that sends a packet before its CONNECT is accepted (MQTT 3.1.1 section 3.1), then throws from its
   * read handler: left to Vert.x, that is an ERROR with a stack trace for every such connection, which
   * anyone could open. It is the client's mistake, and the connection is already closed.
   */
  private void unhandled(Throwable error) {
    StackTraceElement[] stack = error.getStackTrace();
    if (error instanceof IllegalArgumentException && stack.length > 0 && stack[0].getClassName().equals(PACKET_BEFORE_CONNECT_THROWER)) {
      LOG.debug("packet before an accepted CONNECT; connection closed [instance: {}, reason: {}]", instance, error.getMessage());
    } else {
      LOG.error("unhandled failure on an MQTT connection [instance: {}]", instance, error);
    }
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
