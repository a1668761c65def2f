package io.drover.hub;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code drover_index_reload_seconds{index}}: how long one reload of an in-memory index takes after a
 * change notice (the SQL read and the swap), whether it succeeded or not. A reload that grows slow
 * leaves the index stale for as long, on every node.
 */
public final class IndexReloads {

  private static final Duration[] BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5)};

  private final Timer timer;

  private IndexReloads(Timer timer) {
    this.timer = timer;
  }

  /** @param index the index's name in the metric's {@code index} label */
  public static IndexReloads create(MeterRegistry registry, String index) {
    return new IndexReloads(Timer.builder("drover.index.reload")
        .description("One reload of an in-memory index after a change notice")
        .tag("index", index)
        .serviceLevelObjectives(BUCKETS)
        .register(registry));
  }

  /** Starts {@code reload} and records how long it took once it completes. */
  public <T> Future<T> timed(Supplier<Future<T>> reload) {
    long started = System.nanoTime();
    return reload.get().onComplete(done -> timer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS));
  }
}
