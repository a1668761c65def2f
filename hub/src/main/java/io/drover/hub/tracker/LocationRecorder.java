package io.drover.hub.tracker;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.hub.HubAddresses;
import io.drover.hub.events.LiveEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps tracker locations: listens (node-locally) to the {@code loc} events this node accepted
 * ({@link HubAddresses#LOCATION_EVENTS}), takes those of tracker devices, validates them ({@link LocationReport}) and writes them in
 * batches: history and last known location in one statement each per flush, no round trip per
 * message. Bounded: past {@link #MAX_QUEUED} waiting locations, more are dropped and counted.
 * Handlers run on this verticle's event loop.
 */
public final class LocationRecorder extends VerticleBase {

  static final String EVENT_NAME = HubAddresses.LOCATION_EVENT;
  static final int MAX_QUEUED = 20_000;
  static final int BATCH = 1_000;
  static final long FLUSH_MILLIS = 250;
  private static final Logger LOG = LoggerFactory.getLogger(LocationRecorder.class);

  private static final String UNNEST = """
      FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::float8[], $6::float8[], $7::text[], $8::text[], $9::bigint[])
        AS u (device_id, product_id, at_ms, received_ms, lat, lon, loc, trig, req_id)
      JOIN devices d ON d.id = u.device_id AND d.product_id = u.product_id""";
  private static final String HISTORY = """
      INSERT INTO tracker_locations (device_id, product_id, at, received_at, lat, lon, loc, trig, req_id)
      SELECT u.device_id, u.product_id, to_timestamp(u.at_ms / 1000.0), to_timestamp(u.received_ms / 1000.0), u.lat, u.lon,
             u.loc::jsonb, u.trig::jsonb, u.req_id
      """ + UNNEST;
  private static final String LAST = """
      INSERT INTO tracker_last_locations (device_id, product_id, at, received_at, lat, lon, loc, trig, req_id)
      SELECT DISTINCT ON (u.device_id) u.device_id, u.product_id, to_timestamp(u.at_ms / 1000.0), to_timestamp(u.received_ms / 1000.0),
             u.lat, u.lon, u.loc::jsonb, u.trig::jsonb, u.req_id
      """ + UNNEST + """

      ORDER BY u.device_id, u.at_ms DESC
      ON CONFLICT (device_id) DO UPDATE SET product_id = EXCLUDED.product_id, at = EXCLUDED.at, received_at = EXCLUDED.received_at,
        lat = EXCLUDED.lat, lon = EXCLUDED.lon, loc = EXCLUDED.loc, trig = EXCLUDED.trig, req_id = EXCLUDED.req_id
      WHERE tracker_last_locations.at <= EXCLUDED.at""";

  private record Queued(String deviceId, int productId, LocationReport report, long receivedAt) {
  }

  private final Pool pool;
  private final ConfigIndex trackers;
  private List<Queued> queue = new ArrayList<>();
  private boolean flushing;
  private long timer = -1;
  private long dropped;
  private long invalid;

  public LocationRecorder(Pool pool, ConfigIndex trackers) {
    this.pool = pool;
    this.trackers = trackers;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(FLUSH_MILLIS, id -> flush());
    // local: each event is accepted on one node, so each location is written once in a cluster
    return vertx.eventBus().<LiveEvent>localConsumer(HubAddresses.LOCATION_EVENTS, message -> accept(message.body().event())).completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    flushing = false;
    return flush();
  }

  private void accept(DeviceEvent event) {
    if (!EVENT_NAME.equals(event.name())) {
      return;
    }
    Integer productId = trackers.productOf(event.deviceId());
    if (productId == null) {
      return;
    }
    LocationReport report;
    try {
      report = LocationReport.parse(event.data(), event.publishedAtMillis());
    } catch (LocationReport.Invalid e) {
      invalid++;
      LOG.debug("location not kept [device-id: {}, reason: {}]", event.deviceId(), e.getMessage());
      return;
    }
    if (queue.size() >= MAX_QUEUED) {
      dropped++;
      return;
    }
    queue.add(new Queued(event.deviceId(), productId, report, System.currentTimeMillis()));
    if (queue.size() >= BATCH) {
      flush();
    }
  }

  private Future<Void> flush() {
    if (flushing || queue.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Queued> batch = queue;
    queue = new ArrayList<>();
    int size = batch.size();
    String[] ids = new String[size];
    Integer[] products = new Integer[size];
    Long[] at = new Long[size];
    Long[] received = new Long[size];
    Double[] lat = new Double[size];
    Double[] lon = new Double[size];
    String[] loc = new String[size];
    String[] trig = new String[size];
    Long[] reqIds = new Long[size];
    for (int i = 0; i < size; i++) {
      Queued item = batch.get(i);
      ids[i] = item.deviceId();
      products[i] = item.productId();
      at[i] = item.report().atMillis();
      received[i] = item.receivedAt();
      lat[i] = item.report().lat();
      lon[i] = item.report().lon();
      loc[i] = item.report().loc().encode();
      trig[i] = item.report().trig().encode();
      reqIds[i] = item.report().reqId();
    }
    Tuple values = Tuple.tuple().addArrayOfString(ids).addArrayOfInteger(products).addArrayOfLong(at).addArrayOfLong(received)
        .addArrayOfDouble(lat).addArrayOfDouble(lon).addArrayOfString(loc).addArrayOfString(trig).addArrayOfLong(reqIds);
    flushing = true;
    return pool.withTransaction(connection -> connection.preparedQuery(HISTORY).execute(values)
            .compose(written -> connection.preparedQuery(LAST).execute(values)))
        .<Void>mapEmpty()
        .onComplete(done -> flushing = false)
        .onFailure(cause -> LOG.warn("locations not written [count: {}, cause: {}]", size, cause.getMessage()));
  }

  long dropped() {
    return dropped;
  }

  long invalid() {
    return invalid;
  }
}
