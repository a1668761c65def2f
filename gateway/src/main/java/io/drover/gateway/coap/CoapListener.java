package io.drover.gateway.coap;

import io.drover.coap.CoapSettings;
import io.drover.coap.DeviceServer;
import io.drover.gateway.pipeline.SessionPipeline;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.security.KeyPair;

/**
 * Terminates devices' CoAP over DTLS. Californium runs its own threads for the wire; every resource's
 * work and every session's state is pinned to this verticle's context, and the two only hand work to
 * each other: Californium's threads never wait on Vert.x, and this event loop never waits on
 * Californium (binding and closing the sockets run as blocking tasks).
 */
public final class CoapListener extends VerticleBase {

  private final CoapSettings settings;
  private final SessionPipeline pipeline;
  private final KeyPair serverKey;
  private CoapDevices devices;
  private DeviceServer server;
  private long idleTimer;

  /** @param serverKey the node's ECDSA P-256 key, for devices that authenticate with raw public keys */
  public CoapListener(CoapSettings settings, KeyPair serverKey, SessionPipeline pipeline) {
    this.settings = settings;
    this.serverKey = serverKey;
    this.pipeline = pipeline;
  }

  @Override
  public Future<?> start() {
    devices = new CoapDevices(context, pipeline, settings.idleTimeout());
    long sweep = Math.max(1000, Math.min(settings.idleTimeout().toMillis() / 4, 30_000));
    idleTimer = vertx.setPeriodic(sweep, id -> devices.closeIdle());
    return vertx.executeBlocking(() -> {
      DeviceServer built = DeviceServer.builder(settings)
          .credentials(devices)
          .sessionEvents(devices)
          .requests(devices)
          .executor(task -> context.runOnContext(ignored -> task.run()))
          .serverKey(serverKey)
          .build();
      built.start();
      return built;
    }).onSuccess(started -> server = started);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(idleTimer);
    devices.closeAll();
    DeviceServer stopping = server;
    return stopping == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      stopping.stop();
      return null;
    });
  }

  /** The bound CoAPS port: useful when the settings asked for port 0. */
  public int actualPort() {
    return server.securePort();
  }
}
