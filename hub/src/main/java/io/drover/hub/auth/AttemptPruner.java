package io.drover.hub.auth;

import io.drover.hub.cluster.ClusterView;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every ten minutes, the cluster's leader deletes the attempt counts and known addresses that have run out. */
public final class AttemptPruner extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AttemptPruner.class);
  private static final long EVERY_MS = 10 * 60 * 1000;

  private final AttemptLimits limits;
  private final ClusterView cluster;
  private long timer;

  public AttemptPruner(AttemptLimits limits, ClusterView cluster) {
    this.limits = limits;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(EVERY_MS, id -> {
      if (cluster.leads()) {
        limits.prune().onFailure(cause -> LOG.warn("attempt counts not pruned [cause: {}]", cause.getMessage()));
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
