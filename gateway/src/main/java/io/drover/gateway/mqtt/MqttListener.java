package io.drover.gateway.mqtt;

import io.drover.gateway.pipeline.SessionPipeline;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.mqtt.MqttServerOptions;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terminates device MQTT connections, plain or over TLS, and hands each to an {@link MqttAcceptor}
 * and then its own {@link MqttConnection}. Deployed as several instances on one port: Vert.x spreads
 * the accepted connections over the instances, each on its own event loop, and a connection stays on
 * the loop that accepted it. Past the TLS handshake a connection is the same as a plain one: the same
 * pipeline, the same metrics (protocol {@code mqtt}).
 */
public final class MqttListener extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MqttListener.class);

  private final MqttSettings settings;
  private final MqttServerOptions options;
  private final SslContext tls;
  private final SessionPipeline pipeline;
  private final String instance;
  private NetServer server;

  /**
   * @param options the server to run ({@link MqttSettings#serverOptions}) on the settings' port, or on a
   *     negative one for a random port its instances share
   * @param tls the TLS of the port ({@link MqttSettings#tlsContext}); null for plain MQTT
   * @param instance this instance's name, for its connection gauge: its number from 0, {@code tls-} before it over TLS
   */
  public MqttListener(MqttSettings settings, MqttServerOptions options, SslContext tls, SessionPipeline pipeline, String instance) {
    this.settings = settings;
    this.options = options;
    this.tls = tls;
    this.pipeline = pipeline;
    this.instance = instance;
  }

  @Override
  public Future<?> start() {
    EventLoopWrites.check();
    ConnectDetails.check();
    AtomicInteger held = pipeline.metrics().listenerConnections(instance);
    MqttAcceptor acceptor = new MqttAcceptor(context, options, settings, tls, pipeline, held);
    // the TCP layer is Vert.x's; TLS, the MQTT codec and everything after are the acceptor's
    server = vertx.createNetServer(new MqttServerOptions(options).setSsl(false))
        .connectHandler(acceptor::accept)
        .exceptionHandler(error -> LOG.debug("MQTT connection failed before it was accepted [instance: {}, cause: {}]", instance, error.toString()));
    return server.listen().onSuccess(s -> LOG.debug("MQTT listener instance up [host: {}, port: {}, tls: {}]",
        settings.host(), s.actualPort(), tls != null));
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
