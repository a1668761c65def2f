package io.drover.hub.http;

import io.drover.gateway.ServerTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One instance of the API: its HTTP servers (on the ports every instance shares), its router and the
 * features mounted on it, all on this instance's event loop. Each feature mounts its own routes; one
 * failure handler answers every error in the API's shape. Deployed by {@link ApiVerticle}, which
 * holds what the instances share.
 */
final class ApiInstance extends VerticleBase {

  private final HttpSettings settings;
  private final int plainPort;
  private final int tlsPort;
  private final ServerTls tls;
  private final HttpMetrics metrics;
  private final Function<Vertx, List<ApiFeature>> features;
  private final List<ApiFeature> mounted = new ArrayList<>();
  private HttpServer server;
  private HttpServer tlsServer;
  private volatile List<String> routes = List.of();

  /**
   * @param plainPort the plain HTTP port to listen on: Vert.x shares a port among the servers of one
   *     Vert.x that listen on it, and a negative one stands for one random port they share
   * @param tlsPort the HTTPS port, likewise
   * @param tls the certificate HTTPS serves; null serves no HTTPS port
   * @param metrics the node's, shared by the instances
   * @param features made once the instance has its Vert.x instance, so that features holding timers
   *     or consumers belong to this instance's context
   */
  ApiInstance(HttpSettings settings, int plainPort, int tlsPort, ServerTls tls, HttpMetrics metrics, Function<Vertx, List<ApiFeature>> features) {
    this.settings = settings;
    this.plainPort = plainPort;
    this.tlsPort = tlsPort;
    this.tls = tls;
    this.metrics = metrics;
    this.features = features;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    ConnectionLimits connections = new ConnectionLimits(vertx, settings, metrics);
    // first: it pauses a request's body before any handler can take time over it
    router.route().handler(new RequestGate(vertx, settings, connections, metrics));
    if (tls != null && !settings.hstsMaxAge().isZero()) {
      // RFC 6797 section 7.2: only a response over TLS may carry it. A browser that has seen it uses
      // HTTPS for this host on every port (section 8.3), plain 8080 included: operations.md says so
      String hsts = "max-age=" + settings.hstsMaxAge().toSeconds();
      router.route().handler(ctx -> {
        if (ctx.request().isSSL()) {
          ctx.response().putHeader("Strict-Transport-Security", hsts);
        }
        ctx.next();
      });
    }
    router.route().handler(ApiErrors::refuseMalformedEscapes);
    router.route().handler(ApiErrors::refuseMultipartWithoutBoundary);
    List<Future<Void>> mounting = new ArrayList<>();
    for (ApiFeature feature : features.apply(vertx)) {
      mounted.add(feature);
      mounting.add(feature.mount(router));
    }
    routes = routeList(router);
    router.route().last().handler(ctx -> ctx.fail(new ApiException(404, "not_found", "No such route")));
    router.route().failureHandler(ApiErrors::handle);
    // failures outside any route's handlers get the same shape
    router.errorHandler(500, ApiErrors::handle);
    if (settings.plainEnabled()) {
      // HTTP/1.1 only: without h2c, a connection is handed over (and counted, and timed) as it is
      // accepted, not once its first bytes have told HTTP/1.1 from HTTP/2's preface
      server = vertx.createHttpServer(bounded(new HttpServerOptions().setHost(settings.host()).setPort(plainPort))
              .setHttp2ClearTextEnabled(false))
          .connectionHandler(connections::opened)
          .invalidRequestHandler(ApiErrors::invalidRequest)
          .requestHandler(router);
    }
    if (tls != null) {
      // ALPN offers h2 first, then http/1.1: the JDK's TLS does ALPN since Java 9
      tlsServer = vertx.createHttpServer(bounded(tls.applyTo(new HttpServerOptions().setHost(settings.host()).setPort(tlsPort)))
              .setUseAlpn(true))
          .connectionHandler(connections::opened)
          .invalidRequestHandler(ApiErrors::invalidRequest)
          .requestHandler(router);
    }
    return Future.all(mounting)
        .compose(ignored -> server == null ? Future.succeededFuture() : server.listen())
        .compose(ignored -> tlsServer == null ? Future.succeededFuture() : tlsServer.listen());
  }

  /**
   * A connection silent both ways for the idle timeout is closed (Netty's all-idle state): longer than
   * the event streams' keep-alive, which NodeConfig checks.
   */
  private HttpServerOptions bounded(HttpServerOptions options) {
    return options.setIdleTimeout((int) settings.idleTimeout().toSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> closing = new ArrayList<>();
    for (ApiFeature feature : mounted) {
      closing.add(feature.close());
    }
    return Future.join(closing).eventually(() -> Future.join(
        server == null ? Future.succeededFuture() : server.close(),
        tlsServer == null ? Future.succeededFuture() : tlsServer.close()));
  }

  /** Every route the features mounted: see {@link ApiVerticle#routes()}. */
  List<String> routes() {
    return routes;
  }

  private static List<String> routeList(Router router) {
    List<String> list = new ArrayList<>();
    for (io.vertx.ext.web.Route route : router.getRoutes()) {
      String path = route.getPath() != null ? route.getPath() : route.isRegexPath() ? "~" + route.getName() : null;
      if (path == null) {
        continue;
      }
      if (route.methods() == null || route.methods().isEmpty()) {
        list.add("ANY " + path);
      } else {
        for (io.vertx.core.http.HttpMethod method : route.methods()) {
          list.add(method.name() + " " + path);
        }
      }
    }
    return List.copyOf(new java.util.LinkedHashSet<>(list));
  }

  /** The plain HTTP port, -1 when {@code http.plain-enabled} is false. */
  int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  /** The HTTPS port, -1 when there is none. */
  int actualTlsPort() {
    return tlsServer == null ? -1 : tlsServer.actualPort();
  }
}
