package io.drover.hub.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the HTTP ports hold, refuse and cut, for {@code /metrics}: each bound counts what it turns away.
 * One per node, shared by the API instances: the meters are thread-safe, and {@link #connections} is
 * also the count {@code http.max-connections} is held to.
 */
final class HttpMetrics {

  final AtomicInteger connections = new AtomicInteger();
  final Counter connectionsRefused;
  final Counter headerTimeouts;
  final Counter bodyTimeouts;

  HttpMetrics(MeterRegistry registry) {
    registry.gauge("drover.http.connections", connections);
    connectionsRefused = Counter.builder("drover.http.connections.refused")
        .description("HTTP connections closed at once because http.max-connections were open")
        .register(registry);
    headerTimeouts = Counter.builder("drover.http.timeouts")
        .description("HTTP connections closed, or requests answered 408, because the client was too slow")
        .tag("phase", "headers")
        .register(registry);
    bodyTimeouts = Counter.builder("drover.http.timeouts")
        .description("HTTP connections closed, or requests answered 408, because the client was too slow")
        .tag("phase", "body")
        .register(registry);
  }
}
