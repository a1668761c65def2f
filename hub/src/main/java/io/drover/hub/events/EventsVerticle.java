package io.drover.hub.events;

import io.drover.hub.cluster.ClusterView;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.HubAddresses;
import io.drover.hub.devices.DeviceDirectory;
import io.drover.hub.devices.claims.ClaimCodeReports;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every event enters the hub: accepted into the bounded {@link EventWriter} queue, then
 * published at once to the live streams. A requester (MQTT QoS 1) gets its answer when the event is
 * committed; a refused event is neither streamed nor written. A device's claim code report
 * ({@value ClaimCodeReports#EVENT_NAME}) is a credential, not an event for the streams: it goes to
 * {@link ClaimCodeReports} instead, whatever transport it came over.
 */
public final class EventsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(EventsVerticle.class);
  private static final DeliveryOptions LIVE_DELIVERY = new DeliveryOptions().setCodecName(LiveEventCodec.NAME);
  private static final DeliveryOptions THIS_NODE = new DeliveryOptions().setLocalOnly(true);
  /** Set by the API on events an account publishes itself: that account may see them. */
  public static final String OWNER_HEADER = "owner-id";

  private final Pool pool;
  private final EventSettings settings;
  private final EventMetrics metrics;
  private final DeviceDirectory directory;
  private final ClusterView cluster;
  private EventWriter writer;
  private EventIds ids;
  private long flushTimer;
  private long retentionTimer;

  public EventsVerticle(Pool pool, EventSettings settings, EventMetrics metrics, DeviceDirectory directory, ClusterView cluster) {
    this.cluster = cluster;
    this.pool = pool;
    this.settings = settings;
    this.metrics = metrics;
    this.directory = directory;
  }

  @Override
  public Future<?> start() {
    writer = new EventWriter(vertx, pool, settings, metrics);
    ids = new EventIds(pool);
    flushTimer = vertx.setPeriodic(settings.flushInterval().toMillis(), id -> writer.tick());
    EventRetention retention = new EventRetention(vertx, pool, java.time.Duration.ofDays(settings.retentionDays()));
    // pruning is the cluster's once-only work: the leader does it, and the next oldest hub node when it leaves
    retentionTimer = vertx.setPeriodic(1000, settings.retentionCheck().toMillis(), id -> {
      if (cluster.leads()) {
        retention.prune();
      }
    });
    return ids.start()
        .compose(started -> vertx.eventBus().<Void>localConsumer(HubAddresses.EVENTS_WRITTEN_THROUGH,
            request -> writer.writtenThrough().onSuccess(request::reply)).completion())
        .compose(registered -> vertx.eventBus().<DeviceEvent>consumer(BusAddresses.PUBLISH_EVENT, this::accept).completion());
  }

  /** Undeploying unregisters the consumer first, so nothing new arrives while the queue drains. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(retentionTimer);
    return writer.drain().onSuccess(v -> LOG.info("event queue drained"));
  }

  private void claimCodeReported(Message<DeviceEvent> message) {
    DeviceEvent event = message.body();
    vertx.eventBus().request(HubAddresses.CLAIM_CODE_REPORTED, new JsonObject().put("device_id", event.deviceId()).put("code", event.data()),
        THIS_NODE).onComplete(recorded -> {
          if (message.replyAddress() == null) {
            return;
          }
          if (recorded.succeeded()) {
            message.reply(null);
          } else {
            DeviceFailure failure = DeviceFailure.from(recorded.cause());
            message.fail(failure.kind().busCode(), failure.getMessage());
          }
        });
  }

  private void accept(Message<DeviceEvent> message) {
    DeviceEvent event = message.body();
    String publisher = message.headers().get(OWNER_HEADER);
    if (publisher == null && ClaimCodeReports.EVENT_NAME.equals(event.name()) && !DeviceEvent.CLOUD_PUBLISHER.equals(event.deviceId())) {
      claimCodeReported(message);
      return;
    }
    long id = ids.take();
    if (id < 0) {
      metrics.droppedQueueFull.increment();
      if (message.replyAddress() != null) {
        message.fail(DeviceFailure.Kind.OVERLOADED.busCode(), "no event id free until the next block is reserved");
      }
      return;
    }
    // stamped now, from memory: the owner and the product of the device at the moment it published
    DeviceDirectory.ProductPlace place = publisher != null ? null : directory.placeOf(event.deviceId());
    LiveEvent live = new LiveEvent(id, event, publisher != null ? Long.valueOf(publisher) : directory.ownerOf(event.deviceId()),
        place == null ? null : place.productId());
    Future<Void> written = writer.offer(live);
    if (written.failed()) {
      if (message.replyAddress() != null) {
        message.fail(DeviceFailure.Kind.OVERLOADED.busCode(), written.cause().getMessage());
      }
      return;
    }
    vertx.eventBus().publish(HubAddresses.LIVE_EVENTS, live, LIVE_DELIVERY);
    if (message.replyAddress() != null) {
      written.onComplete(result -> {
        if (result.succeeded()) {
          message.reply(null);
        } else {
          message.fail(DeviceFailure.Kind.UNAVAILABLE.busCode(), result.cause().getMessage());
        }
      });
    }
  }
}
