package io.drover.hub.integrations.delivery;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts per integration per UTC hour (success, error, skipped, throttled), kept in memory and added
 * to {@code integration_counts} every few seconds in one statement. Thread-safe: skipped is counted on
 * the events verticle's event loop as events match, the rest on the delivery verticle's.
 */
final class DeliveryCounts {

  static final int SUCCESS = 0;
  static final int ERROR = 1;
  static final int SKIPPED = 2;
  static final int THROTTLED = 3;

  private static final String ADD = """
      INSERT INTO integration_counts (integration_id, hour, success, error, skipped, throttled)
      SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
      ON CONFLICT (integration_id, hour) DO UPDATE SET
        success = integration_counts.success + excluded.success, error = integration_counts.error + excluded.error,
        skipped = integration_counts.skipped + excluded.skipped, throttled = integration_counts.throttled + excluded.throttled""";

  private final ConcurrentHashMap<Key, AtomicLongArray> counts = new ConcurrentHashMap<>();

  void skipped(String integration) {
    add(integration, SKIPPED);
  }

  void add(String integration, int kind) {
    long hour = System.currentTimeMillis() / 3_600_000L;
    counts.computeIfAbsent(new Key(integration, hour), k -> new AtomicLongArray(4)).incrementAndGet(kind);
  }

  /** What is counted and not yet flushed, of {@code kind} for the integration, over every hour held. */
  long unflushed(String integration, int kind) {
    long total = 0;
    for (Map.Entry<Key, AtomicLongArray> entry : counts.entrySet()) {
      if (entry.getKey().integration.equals(integration)) {
        total += entry.getValue().get(kind);
      }
    }
    return total;
  }

  /** Adds what was counted since the last flush; what fails to be written is counted again for the next. */
  Future<Void> flush(Pool pool) {
    List<String> ids = new ArrayList<>();
    List<OffsetDateTime> hours = new ArrayList<>();
    List<Long[]> values = new ArrayList<>();
    long currentHour = System.currentTimeMillis() / 3_600_000L;
    for (Map.Entry<Key, AtomicLongArray> entry : counts.entrySet()) {
      AtomicLongArray array = entry.getValue();
      Long[] taken = new Long[4];
      boolean any = false;
      for (int i = 0; i < 4; i++) {
        taken[i] = array.getAndSet(i, 0);
        any |= taken[i] != 0;
      }
      if (entry.getKey().hour < currentHour) {
        // a past hour gets no more counts once flushed (a late increment goes to a new entry)
        counts.remove(entry.getKey(), array);
      }
      if (any) {
        ids.add(entry.getKey().integration);
        hours.add(OffsetDateTime.ofInstant(Instant.ofEpochSecond(entry.getKey().hour * 3600), ZoneOffset.UTC));
        values.add(taken);
      }
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    Long[][] columns = new Long[4][ids.size()];
    for (int row = 0; row < ids.size(); row++) {
      for (int i = 0; i < 4; i++) {
        columns[i][row] = values.get(row)[i];
      }
    }
    Tuple tuple = Tuple.tuple().addArrayOfString(ids.toArray(String[]::new)).addArrayOfOffsetDateTime(hours.toArray(OffsetDateTime[]::new))
        .addArrayOfLong(columns[0]).addArrayOfLong(columns[1]).addArrayOfLong(columns[2]).addArrayOfLong(columns[3]);
    return pool.preparedQuery(ADD).execute(tuple).<Void>mapEmpty().onFailure(failed -> {
      for (int row = 0; row < ids.size(); row++) {
        AtomicLongArray array = counts.computeIfAbsent(new Key(ids.get(row), hours.get(row).toEpochSecond() / 3600), k -> new AtomicLongArray(4));
        for (int i = 0; i < 4; i++) {
          array.addAndGet(i, values.get(row)[i]);
        }
      }
    });
  }

  private record Key(String integration, long hour) {
  }
}
