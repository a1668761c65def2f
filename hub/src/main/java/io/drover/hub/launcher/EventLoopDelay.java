package io.drover.hub.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code drover_eventloop_delay_seconds{loop}}: how long a task handed to each Vert.x event loop waits
 * before it runs, probed twice a second from a thread of its own. A loop that is busy (or blocked)
 * answers late; one probe at a time per loop, so a stuck loop is not flooded with probes.
 */
final class EventLoopDelay implements AutoCloseable {

  private static final Duration PERIOD = Duration.ofMillis(500);
  private static final Duration[] BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2)};

  private final ScheduledExecutorService probe = Executors.newSingleThreadScheduledExecutor(task -> {
    Thread thread = new Thread(task, "drover-eventloop-probe");
    thread.setDaemon(true);
    return thread;
  });

  private EventLoopDelay() {
  }

  static EventLoopDelay start(Vertx vertx, MeterRegistry registry) {
    EventLoopDelay delay = new EventLoopDelay();
    List<Probe> probes = new ArrayList<>();
    int index = 0;
    for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      Timer timer = Timer.builder("drover.eventloop.delay")
          .description("How long a task waits for its Vert.x event loop, probed twice a second")
          .tag("loop", String.valueOf(index++))
          .serviceLevelObjectives(BUCKETS)
          .register(registry);
      probes.add(new Probe(loop, timer, new AtomicBoolean()));
    }
    delay.probe.scheduleAtFixedRate(() -> probes.forEach(Probe::send), PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    return delay;
  }

  @Override
  public void close() {
    probe.shutdownNow();
  }

  private record Probe(EventExecutor loop, Timer timer, AtomicBoolean waiting) {

    void send() {
      if (!waiting.compareAndSet(false, true) || loop.isShuttingDown()) {
        return;
      }
      long sent = System.nanoTime();
      try {
        loop.execute(() -> {
          timer.record(System.nanoTime() - sent, TimeUnit.NANOSECONDS);
          waiting.set(false);
        });
      } catch (RuntimeException rejected) {
        // the loop is shutting down
        waiting.set(false);
      }
    }
  }
}
