package io.drover.gateway.coap;

import io.drover.coap.CoapSettings;
import io.drover.coap.DeviceServer;
import io.drover.coap.ParticleDeviceServer;
import io.drover.coap.DtlsServerIdentity;
import io.drover.gateway.pipeline.SessionPipeline;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Terminates devices' CoAP over DTLS. Scandium runs its own threads for the wire (one socket for every
 * device: datagrams, records, handshakes); the sessions live on {@code coap.executors} {@link CoapShard}s,
 * child verticles each on a context of its own, and a device always on the same one ({@link CoapShards}).
 * Californium's protocol stage (CoAP's layers and the resources) runs on the first shard's context,
 * unless {@code coap.protocol-stage-threads} asks for a pool of its own: a request of a device of that
 * shard is then handled where its session lives, with no hand-over to Vert.x and back (the CoAP
 * benchmark, docs/benchmarks.md "CoAP: the protocol stage on the session context"). The threads only hand work to
 * each other: Scandium's and Californium's threads never wait on Vert.x, and no event loop waits on them
 * (binding and closing the sockets run as blocking tasks).
 *
 * <p>With a Particle host, a second DTLS socket on it serves Particle devices (Device OS's protocol,
 * {@link ParticleDeviceServer}) into the same shards, pipeline and session table: a Particle device is a
 * CoAP device to the rest of the cloud (protocol {@code coap} in the metrics).
 *
 * <p>Stopping: Vert.x undeploys the shards first (each ends its sessions and answers 5.03 from then on),
 * then {@link #stop} closes the sockets.
 */
public final class CoapListener extends VerticleBase {

  private final CoapSettings settings;
  private final SessionPipeline pipeline;
  private final DtlsServerIdentity serverIdentity;
  private final String particleHost;
  private DeviceServer server;
  private ParticleDeviceServer particle;
  private long sweepTimer = -1;

  /**
   * @param serverIdentity the node's ECDSA P-256 key, for devices that authenticate with raw public
   *     keys, and its certificate chain if it has one, for devices with X.509 certificates
   */
  public CoapListener(CoapSettings settings, DtlsServerIdentity serverIdentity, SessionPipeline pipeline) {
    this(settings, serverIdentity, pipeline, null);
  }

  /**
   * @param particleHost the address the Particle listener binds on UDP 5684 (docs/architecture.md,
   *     "Particle devices", item 1), or null or blank for none; it needs {@code serverIdentity}
   */
  public CoapListener(CoapSettings settings, DtlsServerIdentity serverIdentity, SessionPipeline pipeline, String particleHost) {
    this.particleHost = particleHost == null || particleHost.isBlank() ? null : particleHost.trim();
    if (this.particleHost != null && serverIdentity == null) {
      throw new IllegalArgumentException("the Particle listener needs the node's DTLS key");
    }
    this.settings = settings;
    this.serverIdentity = serverIdentity;
    this.pipeline = pipeline;
  }

  @Override
  public Future<?> start() {
    List<CoapShard> shards = new CopyOnWriteArrayList<>();
    DeploymentOptions instances = new DeploymentOptions().setInstances(settings.threads().effectiveSessionExecutors());
    CoapWireMeter wireMeter = new CoapWireMeter(settings.maxConnections());
    sweepTimer = vertx.setPeriodic(CoapWireMeter.UNADOPTED_SECONDS * 1000, id -> wireMeter.sweep());
    return vertx.deployVerticle(() -> {
      CoapShard shard = new CoapShard(pipeline, settings.idleTimeout(), wireMeter);
      shards.add(shard);
      return shard;
    }, instances).compose(deployed -> {
      CoapShards devices = new CoapShards(shards, pipeline);
      return vertx.executeBlocking(() -> {
        DeviceServer.Builder builder = DeviceServer.builder(settings)
            .credentials(devices)
            .sessionEvents(devices)
            .requests(devices)
            .serverIdentity(serverIdentity)
            .datagramMeter(wireMeter);
        if (settings.threads().protocolStage() == 0) {
          builder.protocolStage(shards.get(0).executor());
        }
        DeviceServer built = builder.build();
        built.start();
        server = built;
        if (particleHost != null) {
          CoapSettings own = new CoapSettings(particleHost, ParticleDeviceServer.PORT, settings.plainPort(), false,
              settings.maxConnections(), settings.maxActivePeers(), settings.staleSessionThreshold(), settings.udpReceiveBufferBytes(),
              settings.exchangeLifetime(), settings.idleTimeout(), settings.threads());
          ParticleDeviceServer particleServer = ParticleDeviceServer.create(own, serverIdentity, devices, devices, devices);
          particleServer.start();
          particle = particleServer;
        }
        return built;
      });
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    DeviceServer stopping = server;
    ParticleDeviceServer stoppingParticle = particle;
    return stopping == null && stoppingParticle == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      if (stoppingParticle != null) {
        stoppingParticle.stop();
      }
      if (stopping != null) {
        stopping.stop();
      }
      return null;
    });
  }

  /** The bound CoAPS port: useful when the settings asked for port 0. */
  public int actualPort() {
    return server.securePort();
  }

  /** The session executors the sessions are spread over. */
  public int executors() {
    return settings.threads().effectiveSessionExecutors();
  }
}
