package io.drover.hub.tracker;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what devices report and what was sent to them, for the sync state the API answers. Kept in
 * memory and written in one statement per flush: a fleet change makes every online tracker ack within
 * seconds, which must not be a round trip each. Bounded: past {@link #MAX_PENDING} devices waiting for
 * a flush, more are dropped and counted (the next handshake records them again). Called on one event
 * loop (the {@link TrackerVerticle}'s).
 */
final class ConfigSyncRecorder {

  static final int MAX_PENDING = 50_000;
  private static final Logger LOG = LoggerFactory.getLogger(ConfigSyncRecorder.class);

  private static final String UPSERT = """
      INSERT INTO tracker_config_sync (device_id, reported_checksum, reported_at, sent_checksum, sent_at)
      SELECT u.id, u.reported, CASE WHEN u.reported_ms > 0 THEN to_timestamp(u.reported_ms / 1000.0) END,
             u.sent, CASE WHEN u.sent_ms > 0 THEN to_timestamp(u.sent_ms / 1000.0) END
      FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[]) AS u (id, reported, reported_ms, sent, sent_ms)
      JOIN devices d ON d.id = u.id
      ON CONFLICT (device_id) DO UPDATE SET
        reported_checksum = coalesce(EXCLUDED.reported_checksum, tracker_config_sync.reported_checksum),
        reported_at = coalesce(EXCLUDED.reported_at, tracker_config_sync.reported_at),
        sent_checksum = coalesce(EXCLUDED.sent_checksum, tracker_config_sync.sent_checksum),
        sent_at = coalesce(EXCLUDED.sent_at, tracker_config_sync.sent_at)""";

  /** A device's news since the last flush; null fields: nothing new. */
  private static final class Entry {
    String reported;
    long reportedAt;
    String sent;
    long sentAt;
  }

  private final Pool pool;
  private Map<String, Entry> pending = new HashMap<>();
  private long dropped;
  private boolean flushing;

  ConfigSyncRecorder(Pool pool) {
    this.pool = pool;
  }

  void reported(String deviceId, String checksum, long at) {
    Entry entry = entry(deviceId);
    if (entry != null) {
      entry.reported = checksum;
      entry.reportedAt = at;
    }
  }

  void sent(String deviceId, String checksum, long at) {
    Entry entry = entry(deviceId);
    if (entry != null) {
      entry.sent = checksum;
      entry.sentAt = at;
    }
  }

  long dropped() {
    return dropped;
  }

  /** Writes what is pending; one flush at a time, the next one takes what arrived meanwhile. */
  Future<Void> flush() {
    if (flushing || pending.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<String, Entry> batch = pending;
    pending = new HashMap<>();
    int size = batch.size();
    String[] ids = new String[size];
    String[] reported = new String[size];
    Long[] reportedAt = new Long[size];
    String[] sent = new String[size];
    Long[] sentAt = new Long[size];
    int i = 0;
    for (Map.Entry<String, Entry> item : batch.entrySet()) {
      ids[i] = item.getKey();
      reported[i] = item.getValue().reported;
      reportedAt[i] = item.getValue().reportedAt;
      sent[i] = item.getValue().sent;
      sentAt[i] = item.getValue().sentAt;
      i++;
    }
    flushing = true;
    return pool.preparedQuery(UPSERT).execute(Tuple.of(ids, reported, reportedAt, sent, sentAt))
        .<Void>mapEmpty()
        .onComplete(done -> flushing = false)
        .onFailure(cause -> LOG.warn("configuration sync state not written [devices: {}, cause: {}]", size, cause.getMessage()));
  }

  private Entry entry(String deviceId) {
    Entry entry = pending.get(deviceId);
    if (entry == null) {
      if (pending.size() >= MAX_PENDING) {
        dropped++;
        return null;
      }
      entry = new Entry();
      pending.put(deviceId, entry);
    }
    return entry;
  }
}
