package io.drover.hub.events;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upkeep of stored events, one pass now and then on the node that leads the cluster's once-only
 * work: the partitions of today and the next {@value EventPartitions#DAYS_AHEAD} days made
 * ({@link EventPartitions}), then the retention.
 *
 * <p>The retention keeps whole UTC days: the cutoff is the start of the day {@code retention-days}
 * before today, so an event is kept at least {@code retention-days} days and goes within the day after.
 * A day's partition entirely before the cutoff is dropped whole, which costs the database nothing per
 * row (no DELETE, no dead rows to vacuum, no WAL for each). What is older than the cutoff anywhere else
 * (in DEFAULT, or in a partition not made by the hub that the cutoff falls inside) is deleted row by row,
 * in chunks, each DELETE short so that neither the writer nor a reader waits on a long lock; since the
 * cutoff is a day's start, no day partition ever holds such rows. A day whose DROP could not get its lock
 * in time is tried again at the next pass, and the row-wise DELETE waits for it (it would otherwise delete
 * that day's rows one by one). The per-tenant day counts ({@code event_tenant_days}, a row per account or
 * product and day) go after the retention too, but never before {@value #COUNT_DAYS} days, what the usage
 * routes show at most.
 *
 * <p>Runs on the events verticle's event loop; one pass at a time.
 */
final class EventRetention {

  private static final Logger LOG = LoggerFactory.getLogger(EventRetention.class);
  private static final int CHUNK = 5000;
  static final int COUNT_DAYS = 90;
  private static final String DELETE_COUNTS = "DELETE FROM event_tenant_days WHERE day < $1";
  /** The condition on published_at outside too, so that only partitions that can hold such rows are scanned. */
  private static final String DELETE_CHUNK = """
      DELETE FROM events WHERE published_at < $1 AND id IN (SELECT id FROM events WHERE published_at < $1 LIMIT $2)""";

  private final Pool pool;
  private final EventPartitions partitions;
  private final int retentionDays;
  private boolean running;

  EventRetention(Pool pool, int retentionDays) {
    this.pool = pool;
    this.partitions = new EventPartitions(pool);
    this.retentionDays = retentionDays;
  }

  /** Starts a pass unless one is running. */
  void prune() {
    if (running) {
      return;
    }
    running = true;
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    LocalDate cutoffDay = today.minusDays(retentionDays);
    OffsetDateTime cutoff = EventPartitions.start(cutoffDay);
    LocalDate countsMinimum = today.minusDays(COUNT_DAYS);
    LocalDate countsCutoff = cutoffDay.isBefore(countsMinimum) ? cutoffDay : countsMinimum;
    partitions.days()
        .compose(days -> makeAhead(days, today).compose(made -> dropBefore(days, cutoffDay)))
        .compose(allDropped -> allDropped ? deleteFrom(cutoff, 0) : Future.succeededFuture(0L))
        .onComplete(result -> {
          if (result.failed()) {
            LOG.warn("old events not pruned [cause: {}]", result.cause().getMessage());
          } else if (result.result() > 0) {
            LOG.info("old events pruned row by row [deleted: {}, before: {}]", result.result(), cutoff);
          }
        })
        .transform(pruned -> pool.preparedQuery(DELETE_COUNTS).execute(Tuple.of(countsCutoff)))
        .onComplete(result -> {
          running = false;
          if (result.failed()) {
            LOG.warn("old event counts per tenant not pruned [cause: {}]", result.cause().getMessage());
          }
        });
  }

  /** Makes the missing days from today on; a day that fails is logged and left for the next pass. */
  private Future<Void> makeAhead(TreeSet<LocalDate> days, LocalDate today) {
    Future<Void> chain = Future.succeededFuture();
    for (int ahead = 0; ahead <= EventPartitions.DAYS_AHEAD; ahead++) {
      LocalDate day = today.plusDays(ahead);
      if (!days.contains(day)) {
        chain = chain.compose(previous -> partitions.make(day).transform(made -> {
          if (made.failed()) {
            LOG.warn("event partition not made, tried again at the next pass [day: {}, cause: {}]", day, made.cause().getMessage());
          } else {
            LOG.info("event partition made [day: {}, rows-moved-from-default: {}]", day, made.result());
          }
          return Future.<Void>succeededFuture();
        }));
      }
    }
    return chain;
  }

  /** Drops the days before the cutoff; true when none is left. */
  private Future<Boolean> dropBefore(TreeSet<LocalDate> days, LocalDate cutoffDay) {
    List<LocalDate> old = new ArrayList<>(days.headSet(cutoffDay));
    Future<Boolean> chain = Future.succeededFuture(true);
    for (LocalDate day : old) {
      chain = chain.compose(allSoFar -> partitions.drop(day).transform(dropped -> {
        if (dropped.failed()) {
          LOG.warn("old event partition not dropped, tried again at the next pass [day: {}, cause: {}]", day, dropped.cause().getMessage());
          return Future.succeededFuture(false);
        }
        LOG.info("old event partition dropped [day: {}]", day);
        return Future.succeededFuture(allSoFar);
      }));
    }
    return chain;
  }

  private Future<Long> deleteFrom(OffsetDateTime cutoff, long deletedSoFar) {
    return pool.preparedQuery(DELETE_CHUNK).execute(Tuple.of(cutoff, CHUNK)).compose(rows -> {
      long deleted = deletedSoFar + rows.rowCount();
      return rows.rowCount() < CHUNK ? Future.succeededFuture(deleted) : deleteFrom(cutoff, deleted);
    });
  }
}
