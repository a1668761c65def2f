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
 * Outbound events (the Console guide's "outbound events": each copy of an event that leaves the cloud),
 * delivered to stream subscribers or by an integration (one per event and integration that took it, at
 * its delivery's success, its retries not counted again), counted in memory per owning account and
 * per product, and added in one transaction per flush: to {@code event_usage} per account and calendar
 * month (UTC), and to {@code product_event_usage} per product and UTC day, which billing sums over each
 * product's own billing period. A failed flush keeps its counts for the next. Deliveries are attributed
 * to the month and day of the flush, so the few seconds around midnight may land in the next day.
 * Each instance is used on one verticle's event loop only (the streams', the integrations'); their
 * flushes add up in the database.
 */
public final class UsageMeter {

  private static final Logger LOG = LoggerFactory.getLogger(UsageMeter.class);
  private static final String ADD = """
      INSERT INTO event_usage (owner_id, period, delivered)
      SELECT * FROM unnest($1::bigint[], $2::date[], $3::bigint[])
      ON CONFLICT (owner_id, period) DO UPDATE SET delivered = event_usage.delivered + excluded.delivered""";
  private static final String ADD_PRODUCTS = """
      INSERT INTO product_event_usage (product_id, day, delivered)
      SELECT p, $2::date, n FROM unnest($1::integer[], $3::bigint[]) AS t (p, n)
      ON CONFLICT (product_id, day) DO UPDATE SET delivered = product_event_usage.delivered + excluded.delivered""";

  private final Pool pool;
  private Map<Long, long[]> pending = new HashMap<>();
  private Map<Integer, long[]> pendingProducts = new HashMap<>();
  private boolean flushing;

  public UsageMeter(Pool pool) {
    this.pool = pool;
  }

  /** Per event, however many streams took it; {@code productId} null for an event of no product. */
  public void delivered(Long ownerId, Integer productId, int deliveries) {
    if (deliveries == 0) {
      return;
    }
    if (ownerId != null) {
      add(pending, ownerId, deliveries);
    }
    if (productId != null) {
      add(pendingProducts, productId, deliveries);
    }
  }

  private static <K> void add(Map<K, long[]> counts, K key, long deliveries) {
    long[] count = counts.get(key);
    if (count == null) {
      counts.put(key, new long[] {deliveries});
    } else {
      count[0] += deliveries;
    }
  }

  public Future<Void> flush() {
    if (flushing || (pending.isEmpty() && pendingProducts.isEmpty())) {
      return Future.succeededFuture();
    }
    Map<Long, long[]> batch = pending;
    Map<Integer, long[]> productBatch = pendingProducts;
    pending = new HashMap<>();
    pendingProducts = new HashMap<>();
    int n = batch.size();
    Long[] owners = new Long[n];
    LocalDate[] periods = new LocalDate[n];
    Long[] counts = new Long[n];
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    LocalDate period = today.withDayOfMonth(1);
    int i = 0;
    for (Map.Entry<Long, long[]> entry : batch.entrySet()) {
      owners[i] = entry.getKey();
      periods[i] = period;
      counts[i] = entry.getValue()[0];
      i++;
    }
    Integer[] products = new Integer[productBatch.size()];
    Long[] productCounts = new Long[productBatch.size()];
    i = 0;
    for (Map.Entry<Integer, long[]> entry : productBatch.entrySet()) {
      products[i] = entry.getKey();
      productCounts[i] = entry.getValue()[0];
      i++;
    }
    flushing = true;
    return pool.withTransaction(connection -> connection.preparedQuery(ADD).execute(Tuple.of(owners, periods, counts))
            .compose(added -> connection.preparedQuery(ADD_PRODUCTS).execute(Tuple.of(products, today, productCounts))))
        .<Void>mapEmpty().onComplete(result -> {
          flushing = false;
          if (result.failed()) {
            LOG.warn("event usage not recorded, kept for the next flush [accounts: {}, products: {}, cause: {}]", n, products.length,
                result.cause().getMessage());
            batch.forEach((owner, count) -> add(pending, owner, count[0]));
            productBatch.forEach((product, count) -> add(pendingProducts, product, count[0]));
          }
        });
  }
}
