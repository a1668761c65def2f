package io.drover.hub.tracker;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.IndexReloads;
import io.drover.hub.products.FleetChanges;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's {@link ConfigIndex} current: reloads what a {@link FleetChanges} notice (devices
 * joined, left, became development devices) or a {@link ConfigChanges} notice (settings saved) names.
 * Handlers run on this verticle's event loop; the index itself is safe to read from any.
 */
public final class TrackerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(TrackerVerticle.class);

  private static final JsonObject NOT_TRACKER = new JsonObject().put("tracker", false);

  /** How often what devices reported is written: the sync state the API shows lags by this much. */
  static final long FLUSH_MILLIS = 500;

  private final ConfigIndexLoader loader;
  private final ConfigIndex index;
  private final ConfigSyncRecorder sync;
  private final IndexReloads reloads;
  private long flushTimer = -1;

  public TrackerVerticle(ConfigIndexLoader loader, io.vertx.sqlclient.Pool pool, MeterRegistry registry) {
    this.loader = loader;
    this.reloads = IndexReloads.create(registry, "tracker_config");
    this.index = loader.index();
    this.sync = new ConfigSyncRecorder(pool);
  }

  @Override
  public Future<?> start() {
    return Future.all(
        vertx.eventBus().<JsonObject>consumer(FleetChanges.ADDRESS, this::reload).completion(),
        vertx.eventBus().<JsonObject>consumer(ConfigChanges.ADDRESS, this::reload).completion(),
        vertx.eventBus().<JsonObject>consumer(BusAddresses.TRACKER_CONFIG_CHECK, this::check).completion(),
        vertx.eventBus().<JsonObject>consumer(BusAddresses.TRACKER_CONFIG_ACK, this::acknowledged).completion())
        .onSuccess(started -> flushTimer = vertx.setPeriodic(FLUSH_MILLIS, id -> sync.flush()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(flushTimer);
    return sync.flush();
  }

  private void acknowledged(Message<JsonObject> message) {
    String deviceId = message.body().getString("device_id");
    String checksum = message.body().getString("checksum");
    if (deviceId != null && checksum != null && index.productOf(deviceId) != null) {
      sync.reported(deviceId, checksum, System.currentTimeMillis());
    }
  }

  /**
   * A handshake's checksum against the device's effective one: from memory, no SQL, but for a device
   * the index does not know, which is read once before the answer. A push names the
   * checksum the pushing node expects; when this node's index disagrees, the change notice has not
   * been applied here yet, and this device's settings are read now (the stale answer "in sync" would
   * leave the device on its old settings until it reconnects).
   */
  private void check(Message<JsonObject> message) {
    String deviceId = message.body().getString("device_id");
    if (deviceId == null) {
      message.fail(DeviceFailure.Kind.MALFORMED_PAYLOAD.busCode(), "device_id is required");
      return;
    }
    String expected = message.body().getString("expected");
    ConfigIndex.Effective known = index.effective(deviceId);
    // a device the index does not know may have joined a tracker product a moment ago, its notice still
    // on the way: read before answering "not a tracker", which would leave it without settings until it
    // reconnects. Only devices that report a checksum at their handshake are asked about
    if (known == null || expected != null && !expected.equals(known.checksum())) {
      loader.reloadDevices(List.of(deviceId))
          .compose(reloaded -> {
            Integer product = index.productOf(deviceId);
            return product == null ? Future.<Void>succeededFuture() : loader.reloadFleet(product);
          })
          .onFailure(cause -> LOG.warn("tracker settings not reloaded for a push [device-id: {}, cause: {}]", deviceId, cause.getMessage()))
          .onComplete(reloaded -> answer(message, deviceId));
      return;
    }
    answer(message, deviceId);
  }

  private void answer(Message<JsonObject> message, String deviceId) {
    ConfigIndex.Effective effective = index.effective(deviceId);
    if (effective == null) {
      message.reply(NOT_TRACKER);
      return;
    }
    String running = message.body().getString("checksum");
    boolean inSync = effective.checksum().equals(running);
    long now = System.currentTimeMillis();
    sync.reported(deviceId, running, now);
    if (!inSync) {
      // the gateway sends what this answer carries
      sync.sent(deviceId, effective.checksum(), now);
    }
    JsonObject answer = new JsonObject().put("tracker", true).put("checksum", effective.checksum()).put("in_sync", inSync);
    message.reply(inSync ? answer : answer.put("settings", effective.settings()));
  }

  private void reload(Message<JsonObject> message) {
    JsonObject notice = message.body();
    Integer productId = notice.getInteger("product_id");
    JsonArray ids = notice.getJsonArray("device_ids");
    boolean settingsOnly = ConfigChanges.ADDRESS.equals(message.address());
    Future<Void> reload = reloads.timed(() -> ids != null ? loader.reloadDevices(strings(ids))
        : settingsOnly && productId != null ? loader.reloadFleet(productId)
        : loader.reloadProduct(productId));
    reload.onFailure(cause -> LOG.warn("tracker settings index not reloaded [notice: {}, cause: {}]", notice.encode(), cause.getMessage()));
  }

  private static List<String> strings(JsonArray array) {
    List<String> ids = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      ids.add(array.getString(i));
    }
    return ids;
  }
}
