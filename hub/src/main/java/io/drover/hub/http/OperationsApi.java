package io.drover.hub.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * What operators and orchestrators read: {@code /health/live} (the process answers),
 * {@code /health/ready} and {@code /health} (every check, the database included; 503 when one is
 * down) and {@code /metrics} (Prometheus text).
 */
public final class OperationsApi implements ApiFeature {

  private final HealthChecks checks;
  private final PrometheusMeterRegistry registry;

  public OperationsApi(HealthChecks checks, PrometheusMeterRegistry registry) {
    this.checks = checks;
    this.registry = registry;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    HealthCheckHandler readiness = HealthCheckHandler.createWithHealthChecks(checks);
    router.get("/health/ready").handler(readiness);
    router.get("/health").handler(readiness);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    return Future.succeededFuture();
  }
}
