package io.drover.hub.billing;

import io.drover.hub.cluster.ClusterView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the billing pass every {@code billing.tick-seconds} on the cluster's leader only (the oldest hub
 * node, {@link ClusterView}); a new leader takes over at its next tick. Time comes from the injected
 * {@link Clock}: tests give a clock they move and call {@link #tick()} instead of waiting. A pass never
 * overlaps the previous one on this node; an invoice issued twice by two leaders during a handover is
 * refused by its unique (product, period) key.
 */
public final class BillingScheduler extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(BillingScheduler.class);

  private final Billing billing;
  private final ClusterView cluster;
  private final Clock clock;
  private final Counter passes;
  private long timer = -1;
  private volatile Future<Billing.PassResult> running = Future.succeededFuture();

  public BillingScheduler(Billing billing, ClusterView cluster, Clock clock, MeterRegistry registry) {
    this.billing = billing;
    this.cluster = cluster;
    this.clock = clock;
    this.passes = Counter.builder("drover.billing.passes")
        .description("Billing passes this node's timer ran: it runs them only while it leads the cluster")
        .register(registry);
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(billing.settings().tickInterval().toMillis(), id -> {
      // a pass longer than the tick is not followed by a queue of them: the timer skips while one runs
      if (cluster.leads() && running.isComplete()) {
        passes.increment();
        tick().onFailure(cause -> LOG.warn("billing pass failed, retried at the next tick [cause: {}]", cause.getMessage()));
      }
    });
    return Future.succeededFuture();
  }

  /** One pass at the clock's now, after any pass still running; from any thread. */
  public synchronized Future<Billing.PassResult> tick() {
    running = running.transform(previous -> billing.runOnce(clock.instant()))
        .onSuccess(result -> {
          if (result.invoicesIssued + result.charged + result.failed > 0) {
            LOG.info("billing pass [{}]", result);
          }
        });
    return running;
  }

  public Billing billing() {
    return billing;
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
