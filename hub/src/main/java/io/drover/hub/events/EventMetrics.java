package io.drover.hub.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The hub's event meters, created once so the hot path only increments. */
public final class EventMetrics {

  /** A dozen buckets say what matters (is a batch waiting on its timer, or on the database?). */
  private static final Duration[] WRITE_LATENCY_BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
      Duration.ofSeconds(10)};

  final Counter written;
  /** By {@link Refusal#ordinal()}: {@code drover_events_dropped_total{reason}}. */
  final Counter[] dropped = new Counter[Refusal.values().length];
  final Counter writeFailures;
  final Timer writeLatency;
  /** Events per INSERT, one record per batch written. */
  final DistributionSummary batchSize;
  /** One batch's INSERT and commit, as the database took it. */
  final Timer commitLatency;
  /** {@code events.queue-capacity}: what the queue depth is measured against. */
  final AtomicInteger queueCapacity = new AtomicInteger();
  final Counter streamsCut;
  final Counter streamsRefused;
  final AtomicInteger openStreams = new AtomicInteger();
  final AtomicInteger queueDepth = new AtomicInteger();
  final AtomicInteger queueTenants = new AtomicInteger();
  final AtomicLong idsReservedAhead = new AtomicLong();
  /** Bytes written to event streams that the network has not taken yet: what slow readers cost in memory. */
  final AtomicLong streamBytesQueued = new AtomicLong();

  public EventMetrics(MeterRegistry registry) {
    written = Counter.builder("drover.events.written").description("Events written to PostgreSQL").register(registry);
    for (Refusal reason : Refusal.values()) {
      dropped[reason.ordinal()] = Counter.builder("drover.events.dropped")
          .description("Events refused by the hub, by reason")
          .tag("reason", reason.metricName())
          .register(registry);
    }
    writeFailures = Counter.builder("drover.events.write.failures").description("Batch writes that failed and were retried").register(registry);
    writeLatency = Timer.builder("drover.events.write.latency")
        .description("From acceptance by the hub to commit in PostgreSQL")
        .serviceLevelObjectives(WRITE_LATENCY_BUCKETS)
        .register(registry);
    batchSize = DistributionSummary.builder("drover.events.write.batch.size")
        .description("Events per batch written (one INSERT and its commit)")
        .serviceLevelObjectives(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
        .register(registry);
    commitLatency = Timer.builder("drover.events.commit.latency")
        .description("One batch's INSERT and commit, from its send to the database's answer")
        .serviceLevelObjectives(WRITE_LATENCY_BUCKETS)
        .register(registry);
    registry.gauge("drover.events.write.queue", queueDepth);
    Gauge.builder("drover.events.write.queue.capacity", queueCapacity, AtomicInteger::get)
        .description("Events the write queue holds at most (events.queue-capacity)")
        .register(registry);
    Gauge.builder("drover.events.write.queue.tenants", queueTenants, AtomicInteger::get)
        .description("Tenants (products, accounts, the cloud) with events in the write queue: the fair share divides the queue among them")
        .register(registry);
    Gauge.builder("drover.events.ids.reserved", idsReservedAhead, AtomicLong::get)
        .description("Event ids reserved ahead and not yet handed out")
        .register(registry);
    streamsCut = Counter.builder("drover.streams.cut").description("SSE clients cut off because they read too slowly").register(registry);
    registry.gauge("drover.streams.queued.bytes", streamBytesQueued);
    registry.gauge("drover.streams.open", openStreams);
    streamsRefused = Counter.builder("drover.streams.refused").description("Event streams refused by the per-account limits").register(registry);
  }
}
