package io.drover.hub.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * What operators and orchestrators read: {@code /health/live} (the process answers),
 * {@code /health/ready} and {@code /health} (every check, the database included; 503 when one is
 * down) and {@code /metrics} (Prometheus text).
 *
 * Node IDs, roles and the database's error text are for the operator: {@code /metrics} needs the
 * metrics token ({@link MetricsToken}, as {@code Authorization: Bearer}), and without it the health
 * routes answer only {@code {"status":"UP"|"DOWN"}}, which is all a load balancer needs.
 */
public final class OperationsApi implements ApiFeature {

  /** Prometheus' text exposition format, what {@link PrometheusMeterRegistry#scrape()} writes. */
  private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

  private final HealthChecks checks;
  private final PrometheusMeterRegistry registry;
  private final MetricsToken token;

  /** @param token null serves everything to everyone ({@code metrics.auth=none}) */
  public OperationsApi(HealthChecks checks, PrometheusMeterRegistry registry, MetricsToken token) {
    this.checks = checks;
    this.registry = registry;
    this.token = token;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    HealthCheckHandler detail = HealthCheckHandler.createWithHealthChecks(checks);
    Handler<RoutingContext> health = ctx -> {
      if (operator(ctx)) {
        detail.handle(ctx);
      } else {
        statusOnly(ctx);
      }
    };
    router.get("/health/ready").handler(health);
    router.get("/health").handler(health);
    router.get("/metrics").handler(ctx -> {
      if (operator(ctx)) {
        scrape(ctx);
      } else if (AccessCheck.bearerHeader(ctx) == null) {
        ctx.fail(new ApiException(401, "invalid_request", "/metrics needs the node's metrics token as Authorization: Bearer"));
      } else {
        ctx.fail(new ApiException(401, "invalid_token", "This is not the node's metrics token"));
      }
    });
    return Future.succeededFuture();
  }

  /**
   * On a worker: a scrape walks every meter and formats them all, which took over a second on a
   * loaded node and held the API's event loop (every other request on it waited).
   */
  private void scrape(RoutingContext ctx) {
    ctx.vertx().executeBlocking(registry::scrape, false).onComplete(text -> {
      if (text.failed()) {
        ctx.fail(text.cause());
      } else {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT_FORMAT).end(text.result());
      }
    });
  }

  /** Only the header: a token in a URL would land in logs. */
  private boolean operator(RoutingContext ctx) {
    return token == null || token.matches(AccessCheck.bearerHeader(ctx));
  }

  private void statusOnly(RoutingContext ctx) {
    checks.checkStatus().onComplete(result -> {
      boolean up = result.succeeded() && CheckResult.isUp(result.result());
      ctx.response().setStatusCode(up ? 200 : 503);
      ctx.json(new JsonObject().put("status", up ? "UP" : "DOWN"));
    });
  }
}
