package io.drover.hub.sims;

import io.drover.gateway.commands.DeviceCommands;
import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.events.EventsVerticle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateways' data-usage batches ({@link BusAddresses#DATA_USAGE}) into each SIM's usage of the day:
 * one upsert per batch (devices without a SIM fall out in its join), then one statement that pauses
 * the SIMs of the batch now past their monthly limit. A paused SIM's device is refused at its next
 * connect ({@link SimBlocks}), its live session is ended and a {@code spark/sim/data_limit} event is
 * published as that device. Rows are written in ICCID order, so two batches that share SIMs (two gateways
 * reporting a device that moved between them) lock them in the same order and cannot deadlock. A day
 * is the hub's UTC day when the batch is written. At most {@value #MAX_IN_FLIGHT} batches are written at
 * once; a batch that comes while they are is merged, device by device, into one pending batch, written
 * as soon as a write ends: bytes are never dropped for being early. Only past {@value #MAX_PENDING_DEVICES}
 * devices pending (the database away for long) is a batch dropped, counted and logged at a bounded rate.
 */
public final class SimMeter extends VerticleBase {

  static final String LIMIT_EVENT = "spark/sim/data_limit";
  private static final Logger LOG = LoggerFactory.getLogger(SimMeter.class);
  static final int MAX_IN_FLIGHT = 16;
  static final int MAX_PENDING_DEVICES = 200_000;
  private static final long END_SESSION_TIMEOUT_MILLIS = 3000;
  private static final DeliveryOptions EVENT_DELIVERY = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME)
      .addHeader(EventsVerticle.CLOUD_MADE_HEADER, "true");

  private static final String RECORD = """
      INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out)
      SELECT s.iccid, (now() AT TIME ZONE 'UTC')::date, b.rx, b.tx
      FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS b(device_id, rx, tx) JOIN sims s ON s.device_id = b.device_id
      ORDER BY s.iccid
      ON CONFLICT (iccid, day) DO UPDATE SET bytes_in = sim_data_usage.bytes_in + excluded.bytes_in,
        bytes_out = sim_data_usage.bytes_out + excluded.bytes_out
      RETURNING iccid""";
  private static final String PAUSE_OVER_LIMIT = """
      UPDATE sims s SET status = 'inactive', last_status_change_action = 'data_limit_reached',
        deactivations_count = deactivations_count + 1, updated_at = now()
      WHERE s.iccid = ANY($1) AND s.status = 'active' AND s.mb_limit IS NOT NULL
        AND (SELECT coalesce(sum(u.bytes_in + u.bytes_out), 0) FROM sim_data_usage u
             WHERE u.iccid = s.iccid AND u.day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date) > s.mb_limit::bigint * 1000000
      RETURNING s.iccid, s.device_id, s.mb_limit""";

  private final Pool pool;
  private final DeviceCommands commands;
  /** False when the carrier reports the SIMs' usage itself (Carrier#meteredByGateways): the batches are not counted. */
  private final boolean meteredHere;
  /** Bytes of batches that came while {@value #MAX_IN_FLIGHT} were written: device ID to {rx, tx}. */
  private final java.util.Map<String, long[]> pending = new java.util.LinkedHashMap<>();
  private final Counter merged;
  private final Counter droppedBatches;
  private int inFlight;
  private long dropped;

  public SimMeter(Pool pool, DeviceCommands commands, Carrier carrier, MeterRegistry registry) {
    this.pool = pool;
    this.commands = commands;
    this.meteredHere = carrier.meteredByGateways();
    this.merged = Counter.builder("drover.sims.usage.batches.merged")
        .description("Data-usage batches merged into the pending one because " + MAX_IN_FLIGHT + " writes were under way")
        .register(registry);
    this.droppedBatches = Counter.builder("drover.sims.usage.batches.dropped")
        .description("Data-usage batches dropped: " + MAX_PENDING_DEVICES + " devices were pending already")
        .register(registry);
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>consumer(BusAddresses.DATA_USAGE, this::onBatch).completion();
  }

  /** Called on this verticle's event loop. */
  private void onBatch(Message<JsonObject> message) {
    JsonArray devices = message.body().getJsonArray("devices");
    if (!meteredHere || devices == null || devices.isEmpty()) {
      return;
    }
    if (inFlight >= MAX_IN_FLIGHT) {
      if (pending.size() + devices.size() > MAX_PENDING_DEVICES) {
        dropped++;
        droppedBatches.increment();
        if (dropped == 1 || dropped % 100 == 0) {
          LOG.warn("data usage batch dropped: the database is behind [devices: {}, dropped-batches: {}]", devices.size(), dropped);
        }
        return;
      }
      for (int i = 0; i < devices.size(); i++) {
        JsonObject device = devices.getJsonObject(i);
        long[] bytes = pending.computeIfAbsent(device.getString("device_id"), id -> new long[2]);
        bytes[0] += device.getLong("rx", 0L);
        bytes[1] += device.getLong("tx", 0L);
      }
      merged.increment();
      return;
    }
    String[] ids = new String[devices.size()];
    Long[] rx = new Long[ids.length];
    Long[] tx = new Long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      JsonObject device = devices.getJsonObject(i);
      ids[i] = device.getString("device_id");
      rx[i] = device.getLong("rx", 0L);
      tx[i] = device.getLong("tx", 0L);
    }
    write(ids, rx, tx);
  }

  private void write(String[] ids, Long[] rx, Long[] tx) {
    inFlight++;
    record(ids, rx, tx)
        .onFailure(cause -> LOG.warn("data usage not recorded [devices: {}, cause: {}]", ids.length, cause.getMessage()))
        .onComplete(done -> {
          inFlight--;
          writePending();
        });
  }

  /** The batches merged while the writes were full, as one write; on this verticle's event loop. */
  private void writePending() {
    if (pending.isEmpty() || inFlight >= MAX_IN_FLIGHT) {
      return;
    }
    String[] ids = new String[pending.size()];
    Long[] rx = new Long[ids.length];
    Long[] tx = new Long[ids.length];
    int i = 0;
    for (java.util.Map.Entry<String, long[]> entry : pending.entrySet()) {
      ids[i] = entry.getKey();
      rx[i] = entry.getValue()[0];
      tx[i] = entry.getValue()[1];
      i++;
    }
    pending.clear();
    write(ids, rx, tx);
  }

  /** @return the SIMs paused by this batch */
  Future<List<String>> record(String[] deviceIds, Long[] rx, Long[] tx) {
    return pool.preparedQuery(RECORD).execute(Tuple.of((Object) deviceIds, (Object) rx, (Object) tx)).compose(metered -> {
      if (metered.size() == 0) {
        return Future.succeededFuture(List.of());
      }
      String[] iccids = new String[metered.size()];
      int i = 0;
      for (Row row : metered) {
        iccids[i++] = row.getString(0);
      }
      return pool.preparedQuery(PAUSE_OVER_LIMIT).execute(Tuple.of((Object) iccids)).map(paused -> {
        List<String> pausedIccids = new ArrayList<>();
        for (Row row : paused) {
          pausedIccids.add(row.getString("iccid"));
          paused(row.getString("iccid"), row.getString("device_id"), row.getInteger("mb_limit"));
        }
        return pausedIccids;
      });
    });
  }

  private void paused(String iccid, String deviceId, int mbLimit) {
    LOG.info("SIM paused at its data limit [iccid: {}, device-id: {}, mb-limit: {}]", iccid, deviceId, mbLimit);
    if (deviceId == null) {
      return;
    }
    SimBlocks.publish(vertx.eventBus(), deviceId, true);
    String data = new JsonObject().put("iccid", iccid).put("mb_limit", mbLimit).put("status", "inactive").encode();
    vertx.eventBus().send(BusAddresses.PUBLISH_EVENT,
        new DeviceEvent(deviceId, LIMIT_EVENT, data, System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false), EVENT_DELIVERY);
    SimSessions.end(commands, deviceId, "sim_data_limit", END_SESSION_TIMEOUT_MILLIS);
  }
}
