package io.drover.hub.events;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes events older than the retention, now and then, in chunks: each DELETE finds its rows
 * through the BRIN index on published_at (rows arrive in time order, so the old ones sit in the first
 * block ranges) and stays short, so neither the writer nor a reader waits on a long lock. Runs on
 * the events verticle's event loop; one pass at a time. The per-tenant day counts
 * ({@code event_tenant_days}, a row per account or product and day) go after the retention too, but
 * never before {@value #COUNT_DAYS} days, what the usage routes show at most.
 */
final class EventRetention {

  private static final Logger LOG = LoggerFactory.getLogger(EventRetention.class);
  private static final int CHUNK = 5000;
  static final int COUNT_DAYS = 90;
  private static final String DELETE_COUNTS = "DELETE FROM event_tenant_days WHERE day < $1";
  private static final String DELETE_CHUNK = """
      DELETE FROM events WHERE id IN (SELECT id FROM events WHERE published_at < $1 LIMIT $2)""";

  private final Vertx vertx;
  private final Pool pool;
  private final Duration retention;
  private boolean running;

  EventRetention(Vertx vertx, Pool pool, Duration retention) {
    this.vertx = vertx;
    this.pool = pool;
    this.retention = retention;
  }

  /** Starts a pass unless one is running. */
  void prune() {
    if (running) {
      return;
    }
    running = true;
    OffsetDateTime cutoff = OffsetDateTime.now(ZoneOffset.UTC).minus(retention);
    LocalDate countsMinimum = LocalDate.now(ZoneOffset.UTC).minusDays(COUNT_DAYS);
    LocalDate countsCutoff = cutoff.toLocalDate().isBefore(countsMinimum) ? cutoff.toLocalDate() : countsMinimum;
    deleteFrom(cutoff, 0).onComplete(result -> {
      if (result.failed()) {
        LOG.warn("old events not pruned [cause: {}]", result.cause().getMessage());
      } else if (result.result() > 0) {
        LOG.info("old events pruned [deleted: {}, before: {}]", result.result(), cutoff);
      }
    }).transform(pruned -> pool.preparedQuery(DELETE_COUNTS).execute(Tuple.of(countsCutoff))).onComplete(result -> {
      running = false;
      if (result.failed()) {
        LOG.warn("old event counts per tenant not pruned [cause: {}]", result.cause().getMessage());
      }
    });
  }

  private Future<Long> deleteFrom(OffsetDateTime cutoff, long deletedSoFar) {
    return pool.preparedQuery(DELETE_CHUNK).execute(Tuple.of(cutoff, CHUNK)).compose(rows -> {
      long deleted = deletedSoFar + rows.rowCount();
      return rows.rowCount() < CHUNK ? Future.succeededFuture(deleted) : deleteFrom(cutoff, deleted);
    });
  }
}
