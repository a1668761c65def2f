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
   * What escapes a connection's handlers on this instance's event loop. vertx-mqtt refuses some packets
   * by throwing an IllegalArgumentException from its read handler: one before an accepted CONNECT (MQTT
   * 3.1.1 section 3.1; it closes the connection first), an MQTT 5 reason code it does not know (it drops
   * the packet). Left to Vert.x, each is an ERROR with a stack trace, as many as anyone cares to send; it
   * is the client's mistake. Anything else is a fault of this side's.
   */
  private void unhandled(Throwable error) {
    StackTraceElement[] stack = error.getStackTrace();
    if (error instanceof IllegalArgumentException && stack.length > 0 && stack[0].getClassName().startsWith("io.vertx.mqtt.")) {
      LOG.debug("packet refused by vertx-mqtt [instance: {}, reason: {}]", instance, error.getMessage());
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
