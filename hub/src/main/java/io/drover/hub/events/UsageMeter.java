package io.drover.hub.events;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events delivered to stream subscribers, counted per owning account in memory and added to
 * {@code event_usage} for the billing period (the calendar month, UTC) in one statement per flush.
 * A failed flush keeps its counts for the next. Deliveries are attributed to the month of the flush,
 * so the few seconds around a month's end may land in the next one. Used on the API verticle's
 * event loop only.
 */
final class UsageMeter {

  private static final Logger LOG = LoggerFactory.getLogger(UsageMeter.class);
  private static final String ADD = """
      INSERT INTO event_usage (owner_id, period, delivered)
      SELECT * FROM unnest($1::bigint[], $2::date[], $3::bigint[])
      ON CONFLICT (owner_id, period) DO UPDATE SET delivered = event_usage.delivered + excluded.delivered""";

  private final Pool pool;
  private Map<Long, long[]> pending = new HashMap<>();
  private boolean flushing;

  UsageMeter(Pool pool) {
    this.pool = pool;
  }

  /** Per event, however many streams took it. */
  void delivered(Long ownerId, int deliveries) {
    if (ownerId == null || deliveries == 0) {
      return;
    }
    long[] count = pending.get(ownerId);
    if (count == null) {
      pending.put(ownerId, new long[] {deliveries});
    } else {
      count[0] += deliveries;
    }
  }

  Future<Void> flush() {
    if (flushing || pending.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<Long, long[]> batch = pending;
    pending = new HashMap<>();
    int n = batch.size();
    Long[] owners = new Long[n];
    LocalDate[] periods = new LocalDate[n];
    Long[] counts = new Long[n];
    LocalDate period = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
    int i = 0;
    for (Map.Entry<Long, long[]> entry : batch.entrySet()) {
      owners[i] = entry.getKey();
      periods[i] = period;
      counts[i] = entry.getValue()[0];
      i++;
    }
    flushing = true;
    return pool.preparedQuery(ADD).execute(Tuple.of(owners, periods, counts)).<Void>mapEmpty().onComplete(result -> {
      flushing = false;
      if (result.failed()) {
        LOG.warn("event usage not recorded, kept for the next flush [accounts: {}, cause: {}]", n, result.cause().getMessage());
        for (Map.Entry<Long, long[]> entry : batch.entrySet()) {
          long[] current = pending.get(entry.getKey());
          if (current == null) {
            pending.put(entry.getKey(), entry.getValue());
          } else {
            current[0] += entry.getValue()[0];
          }
        }
      }
    });
  }
}
