package io.drover.hub.integrations.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** The delivery engine's meters, made once so that a delivery only increments. */
public final class DeliveryMetrics {

  enum Outcome {
    SUCCESS, ERROR, RETRY, DEAD, SKIPPED, THROTTLED, DROPPED;

    String metricName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Counter[] outcomes = new Counter[Outcome.values().length];
  final Timer requestLatency;
  final Timer acceptedToAnswered;
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger held = new AtomicInteger();
  final AtomicInteger integrations = new AtomicInteger();

  public DeliveryMetrics(MeterRegistry registry) {
    for (Outcome outcome : Outcome.values()) {
      outcomes[outcome.ordinal()] = Counter.builder("drover.integration.deliveries")
          .description("Webhook delivery attempts by outcome (success, error: 4xx or refused, retry: failed and due again, dead: retries spent, "
              + "skipped: integration disabled, throttled: waited for its host's rate or put back, dropped: integration gone)")
          .tag("outcome", outcome.metricName()).register(registry);
    }
    Duration[] buckets = {Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20)};
    requestLatency = Timer.builder("drover.integration.request.latency").description("From a webhook request's start to its answer's end")
        .serviceLevelObjectives(buckets).register(registry);
    acceptedToAnswered = Timer.builder("drover.integration.delivery.latency")
        .description("From the event's acceptance to its webhook's answer, first attempts only").serviceLevelObjectives(buckets).register(registry);
    Gauge.builder("drover.integration.in.flight", inFlight, AtomicInteger::get).description("Webhook requests in flight on this node").register(registry);
    Gauge.builder("drover.integration.held", held, AtomicInteger::get)
        .description("Deliveries this node holds in memory (claimed, waiting for their host, or in flight)").register(registry);
    Gauge.builder("drover.integration.loaded", integrations, AtomicInteger::get).description("Webhook integrations in this node's index").register(registry);
  }

  void count(Outcome outcome) {
    outcomes[outcome.ordinal()].increment();
  }
}
