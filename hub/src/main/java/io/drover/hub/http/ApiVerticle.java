package io.drover.hub.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of the API (and, later, the Console). Each feature mounts its own routes; one
 * failure handler answers every error in the API's shape.
 */
public final class ApiVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  /** Bodies of the JSON and form API; uploads (firmware) will get their own, larger, limit. */
  static final long MAX_BODY_BYTES = 64 * 1024;

  private final HttpSettings settings;
  private final Function<Vertx, List<ApiFeature>> features;
  private final List<ApiFeature> mounted = new ArrayList<>();
  private HttpServer server;

  /**
   * @param features made once the verticle has its Vert.x instance, so that features holding timers
   *     or consumers belong to this verticle's context
   */
  public ApiVerticle(HttpSettings settings, Function<Vertx, List<ApiFeature>> features) {
    this.settings = settings;
    this.features = features;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(ApiErrors::refuseMalformedEscapes);
    List<Future<Void>> mounting = new ArrayList<>();
    for (ApiFeature feature : features.apply(vertx)) {
      mounted.add(feature);
      mounting.add(feature.mount(router));
    }
    router.route().last().handler(ctx -> ctx.fail(new ApiException(404, "not_found", "No such route")));
    router.route().failureHandler(ApiErrors::handle);
    // failures outside any route's handlers get the same shape
    router.errorHandler(500, ApiErrors::handle);
    server = vertx.createHttpServer(new HttpServerOptions().setHost(settings.host()).setPort(settings.port()))
        .requestHandler(router);
    return Future.all(mounting)
        .compose(ignored -> server.listen())
        .onSuccess(s -> LOG.info("HTTP listening [host: {}, port: {}]", settings.host(), s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> closing = new ArrayList<>();
    for (ApiFeature feature : mounted) {
      closing.add(feature.close());
    }
    return Future.join(closing).eventually(() -> server.close());
  }

  public int actualPort() {
    return server.actualPort();
  }
}
