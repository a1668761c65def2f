package io.drover.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A scrape reads every meter; it must not do it on the API's event loop, which serves everyone else. */
class MetricsScrapeTest {

  @Test
  void theScrapeReadsMetersOffTheEventLoop() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      AtomicReference<String> readOn = new AtomicReference<>();
      AtomicBoolean onEventLoop = new AtomicBoolean();
      Gauge.builder("drover_test_thread_probe", () -> {
        readOn.set(Thread.currentThread().getName());
        onEventLoop.set(Context.isOnEventLoopThread());
        return 1;
      }).register(registry);
      Router router = Router.router(vertx);
      new OperationsApi(HealthChecks.create(vertx), registry, null).mount(router).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

      HttpResponse<String> metrics = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertEquals(200, metrics.statusCode());
      assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"),
          metrics.headers().toString());
      assertTrue(metrics.body().contains("drover_test_thread_probe 1.0"), metrics.body());
      assertNotNull(readOn.get());
      assertFalse(onEventLoop.get(), "the gauge was read on " + readOn.get());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
