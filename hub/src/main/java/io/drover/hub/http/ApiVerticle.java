package io.drover.hub.http;

import io.drover.gateway.ServerTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API and Console: {@code http.instances} {@link ApiInstance}s, each on its own event loop,
 * sharing the plain and TLS ports (Vert.x hands each new connection to the next instance in turn). A
 * connection, its requests and its event stream stay on the instance that accepted it.
 *
 * <p>What is counted per node is shared, not per instance: the HTTP meters and the count
 * {@code http.max-connections} holds (one {@link HttpMetrics}, atomic), and the event streams' per-account
 * limits and live feed (the features' own, made once by the node: {@code LiveFeed}). Everything else
 * the features hold is per instance: each instance makes its own with {@code features}.
 */
public final class ApiVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  /**
   * Vert.x gives a port of 0 a random port for each server; a negative one is one random port shared
   * by every server of this Vert.x that listens on the same negative number and host. The gateway's
   * MQTT listeners use -1 and -2 (a server of another kind on the same key would take their connections).
   */
  private static final int SHARED_RANDOM_PLAIN = -8080;
  private static final int SHARED_RANDOM_TLS = -8443;

  private final HttpSettings settings;
  private final ServerTls tls;
  private final HttpMetrics metrics;
  private final Function<Vertx, List<ApiFeature>> features;
  private final List<ApiInstance> instances = new CopyOnWriteArrayList<>();

  /**
   * @param tls the certificate HTTPS serves; null serves no HTTPS port
   * @param features called once per instance, on its event loop, with its Vert.x instance, so that
   *     features holding timers or consumers belong to that instance's context
   */
  public ApiVerticle(HttpSettings settings, ServerTls tls, MeterRegistry registry, Function<Vertx, List<ApiFeature>> features) {
    this.settings = settings;
    this.tls = tls;
    this.metrics = new HttpMetrics(registry);
    this.features = features;
  }

  /** Deploys the instances; they are undeployed with this verticle. */
  @Override
  public Future<?> start() {
    int plainPort = settings.port() == 0 ? SHARED_RANDOM_PLAIN : settings.port();
    int tlsPort = settings.tlsPort() == 0 ? SHARED_RANDOM_TLS : settings.tlsPort();
    int count = settings.effectiveInstances();
    return vertx.deployVerticle(() -> {
          ApiInstance instance = new ApiInstance(settings, plainPort, tlsPort, tls, metrics, features);
          instances.add(instance);
          return instance;
        }, new DeploymentOptions().setInstances(count))
        .onSuccess(deployed -> LOG.info("HTTP listening [host: {}, port: {}, https-port: {}, instances: {}]", settings.host(),
            actualPort() < 0 ? "off" : actualPort(), actualTlsPort() < 0 ? "off" : actualTlsPort(), count));
  }

  /**
   * Every route the features mounted, as {@code "GET /v1/devices/:device"} (a regular expression route
   * as {@code "GET ~<regex>"}, a route for any method as {@code "ANY ..."}), for the authorization
   * matrix that every route must have an entry in. Filters on every path are not listed. Every instance
   * mounts the same.
   */
  public List<String> routes() {
    return instances.isEmpty() ? List.of() : instances.get(0).routes();
  }

  /** The plain HTTP port, -1 when {@code http.plain-enabled} is false. */
  public int actualPort() {
    return instances.isEmpty() ? -1 : instances.get(0).actualPort();
  }

  /** The HTTPS port, -1 when there is none. */
  public int actualTlsPort() {
    return instances.isEmpty() ? -1 : instances.get(0).actualTlsPort();
  }
}
