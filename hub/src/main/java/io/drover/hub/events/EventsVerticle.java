package io.drover.hub.events;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.LocalDurableEvent;
import io.drover.hub.HubAddresses;
import io.drover.hub.cluster.ClusterView;
import io.drover.hub.devices.DeviceDirectory;
import io.drover.hub.devices.claims.ClaimCodeReports;
import io.drover.hub.products.ProductSeries;
import io.drover.hub.quotas.QuotaRepository;
import io.drover.hub.quotas.QuotaSettings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every event enters the hub, whatever it came over (MQTT, CoAP, the API): so this is where the
 * quotas and the write queue's fair share hold. An event goes, in order, through
 * {@code quota -> event id -> fair share of the write queue -> queue}, then is published to the live
 * streams with the others accepted in the same turn of the loop ({@link #toStreams}). Each refusal answers the publisher (if it waits for an answer) with the failure
 * for its reason and is counted ({@link EventRefusals}); none throws. A requester (MQTT QoS 1) gets
 * its answer when the event is committed, and so does a gateway of this node that hands a durable event
 * over as a {@link LocalDurableEvent} (through its completion: {@link EventAnswer}); a refused event is neither streamed nor written. A device's
 * claim code report ({@value ClaimCodeReports#EVENT_NAME}) is a credential, not an event for the
 * streams: it goes to {@link ClaimCodeReports} instead, whatever transport it came over.
 *
 * <p>The tenant an event counts for ({@link Tenant}) is its device's product (or the product it was
 * published as, {@value #PRODUCT_PUBLISHER_HEADER}), else the account (the device's owner, or the
 * account that published it through the API); the cloud's own events
 * ({@value #CLOUD_MADE_HEADER} header) and those of devices nobody owns share one bucket, which no
 * quota holds. An event for which no id is reserved yet waits, at most {@value #MAX_ID_WAIT_SECONDS} s
 * and in a bounded line, for the next block ({@link EventIds}); past either bound it is refused as
 * OVERLOADED, counted as {@code no_event_id}.
 */
public final class EventsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(EventsVerticle.class);
  private static final DeliveryOptions LIVE_DELIVERY = new DeliveryOptions().setCodecName(LiveEventsCodec.NAME);
  private static final DeliveryOptions LOCATION_DELIVERY = new DeliveryOptions().setCodecName(LiveEventCodec.NAME).setLocalOnly(true);
  private static final DeliveryOptions SUBSCRIBER_DELIVERY = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);
  private static final DeliveryOptions THIS_NODE = new DeliveryOptions().setLocalOnly(true);
  /** Set by the API on events an account publishes itself: that account may see them. */
  public static final String OWNER_HEADER = "owner-id";
  /**
   * Set by the hub on the events it makes itself ({@code spark/status}, firmware events): they count
   * for the cloud's shared bucket, not for a tenant's quota.
   */
  public static final String CLOUD_MADE_HEADER = "cloud-made";
  /**
   * Set by the hub, with {@link #CLOUD_MADE_HEADER}, on an event it makes for a product (an
   * integration's {@code hook-*} answers): the product's team sees it. Ignored without the other.
   */
  public static final String PRODUCT_HEADER = "product-id";
  /**
   * Set by the API on an event a product's team publishes as the product ({@code POST
   * /v1/products/:pid/events}): the product's team sees it, and it counts for the product's quota.
   * No account owns it.
   */
  public static final String PRODUCT_PUBLISHER_HEADER = "product-publisher";
  private static final int MAX_ID_WAIT_SECONDS = 2;
  private static final int MAX_AWAITING_IDS = 10_000;
  /** The most events one {@link LiveEvents} carries: past it, a batch goes at once and the next one starts. */
  public static final int MAX_LIVE_BATCH = 256;

  private final Pool pool;
  private final Pool reservations;
  private final EventSettings settings;
  private final QuotaSettings quotas;
  private final EventMetrics metrics;
  private final ProductSeries products;
  private final DeviceDirectory directory;
  private final ClusterView cluster;
  private final EventOutbox outbox;
  /** Blocking connections for {@code events.write-form=copy}. */
  private final Callable<Connection> jdbc;
  private final ArrayDeque<Awaiting> awaitingIds = new ArrayDeque<>();
  /** The events accepted in this turn of the loop, not yet published to the live streams ({@link #toStreams}). */
  private List<LiveEvent> liveBatch = new ArrayList<>();
  private boolean liveFlushQueued;
  private Context context;
  private EventWriter writer;
  private EventIds ids;
  private Tenants tenants;
  private TenantCounts counts;
  private EventRefusals refusals;
  private QuotaRepository overrides;
  /** Hub nodes in the cluster: each holds a tenant to this share of its per-second quota. */
  private int hubs = 1;
  private long epochDay;
  private long flushTimer;
  private long retentionTimer;
  private long tickTimer;
  private long countsTimer;

  /**
   * @param reservations a pool of one connection for event id reservations only ({@link EventIds}),
   *     apart from {@code pool}, so that they never wait behind the writer
   * @param jdbc blocking connections to the same database, for {@code events.write-form=copy} ({@link EventCopier})
   * @param products the product-labelled counters, by the event's product
   */
  public EventsVerticle(Pool pool, Pool reservations, EventSettings settings, QuotaSettings quotas, EventMetrics metrics,
      ProductSeries products, DeviceDirectory directory, ClusterView cluster, EventOutbox outbox, Callable<Connection> jdbc) {
    this.pool = pool;
    this.reservations = reservations;
    this.settings = settings;
    this.quotas = quotas;
    this.metrics = metrics;
    this.products = products;
    this.directory = directory;
    this.cluster = cluster;
    this.outbox = outbox;
    this.jdbc = jdbc;
  }

  @Override
  public Future<?> start() {
    writer = new EventWriter(vertx, pool, settings, metrics, products, outbox, jdbc);
    ids = new EventIds(vertx, reservations);
    ids.onReserved(this::admitAwaiting);
    tenants = new Tenants(quotas);
    counts = new TenantCounts(pool, tenants);
    refusals = new EventRefusals(metrics, products);
    overrides = new QuotaRepository(pool);
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    epochDay = today.toEpochDay();
    context = vertx.getOrCreateContext();
    hubs = Math.max(1, cluster.hubCount());
    cluster.onMembershipChange(() -> context.runOnContext(ignored -> hubs = Math.max(1, cluster.hubCount())));
    flushTimer = vertx.setPeriodic(settings.flushInterval().toMillis(), id -> writer.tick());
    tickTimer = vertx.setPeriodic(1000, id -> tick());
    countsTimer = vertx.setPeriodic(quotas.flushInterval().toMillis(), id -> counts.flush());
    EventRetention retention = new EventRetention(pool, settings.retentionDays());
    // the partitions ahead and the pruning are the cluster's once-only work: the leader does them, and the next
    // oldest hub node when it leaves; the first pass a second after the start makes any day missing
    retentionTimer = vertx.setPeriodic(1000, settings.retentionCheck().toMillis(), id -> {
      if (cluster.leads()) {
        retention.prune();
      }
    });
    // the first block of ids and a spare, the quota overrides and the day's counts, before the first event
    return Future.all(ids.start(), overrides.all().onSuccess(this::apply), counts.load(today))
        .onSuccess(started -> writer.startsAt(ids.firstOwn()))
        .compose(started -> vertx.eventBus().<Void>localConsumer(HubAddresses.EVENTS_WRITTEN_THROUGH,
            request -> writer.writtenThrough().onSuccess(request::reply)).completion())
        .compose(registered -> vertx.eventBus().<JsonObject>consumer(HubAddresses.QUOTAS_CHANGED, this::reloadOverride).completion())
        .compose(registered -> vertx.eventBus().<Object>consumer(BusAddresses.PUBLISH_EVENT, this::accept).completion());
  }

  /** Undeploying unregisters the consumer first, so nothing new arrives while the queue drains. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(retentionTimer);
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(countsTimer);
    publishLive();
    ids.stop();
    long now = System.nanoTime();
    while (!awaitingIds.isEmpty()) {
      refuse(awaitingIds.poll(), Refusal.NO_EVENT_ID, now);
    }
    return writer.drain()
        .onSuccess(v -> LOG.info("event queue drained"))
        .compose(drained -> counts.flushAll());
  }

  private void claimCodeReported(DeviceEvent event, EventAnswer answer) {
    vertx.eventBus().request(HubAddresses.CLAIM_CODE_REPORTED, new JsonObject().put("device_id", event.deviceId()).put("code", event.data()),
        THIS_NODE).onComplete(recorded -> {
          if (!answer.awaited()) {
            return;
          }
          if (recorded.succeeded()) {
            answer.written();
          } else {
            DeviceFailure failure = DeviceFailure.from(recorded.cause());
            answer.refused(failure.kind().busCode(), failure.getMessage());
          }
        });
  }

  /** A {@link DeviceEvent} sent or asked over the bus, or a {@link LocalDurableEvent} of a gateway on this node (no headers). */
  private void accept(Message<Object> message) {
    if (message.body() instanceof LocalDurableEvent local) {
      accept(local.event(), null, EventAnswer.of(local.written()));
    } else {
      accept((DeviceEvent) message.body(), message.headers(), EventAnswer.of(message));
    }
  }

  /** @param headers the message's, null when it has none */
  private void accept(DeviceEvent event, MultiMap headers, EventAnswer answer) {
    String publisher = headers == null ? null : headers.get(OWNER_HEADER);
    if (publisher == null && ClaimCodeReports.EVENT_NAME.equals(event.name()) && !DeviceEvent.CLOUD_PUBLISHER.equals(event.deviceId())) {
      claimCodeReported(event, answer);
      return;
    }
    long now = System.nanoTime();
    // stamped now, from memory: the owner and the product of the device at the moment it published
    Long owner;
    Integer product;
    boolean cloudMade = headers != null && headers.contains(CLOUD_MADE_HEADER);
    String stampedProduct = headers == null ? null : cloudMade ? headers.get(PRODUCT_HEADER) : headers.get(PRODUCT_PUBLISHER_HEADER);
    if (publisher != null || stampedProduct != null) {
      owner = publisher == null ? null : accountId(publisher);
      product = stampedProduct == null ? null : productId(stampedProduct);
    } else {
      DeviceDirectory.ProductPlace place = directory.placeOf(event.deviceId());
      owner = directory.ownerOf(event.deviceId());
      product = place == null ? null : place.productId();
    }
    Tenant tenant = cloudMade ? tenants.cloud() : tenants.of(owner, product);
    Awaiting arrived = new Awaiting(event, answer, owner, product, tenant, !cloudMade, now);
    if (arrived.quotaTaken) {
      Refusal overQuota = tenant.takeQuota(now, hubs);
      if (overQuota != null) {
        refusals.refuse(event, answer, overQuota, tenant, product, now, epochDay);
        return;
      }
    }
    // events keep their order: one that arrives while others wait for an id waits behind them
    if (awaitingIds.isEmpty() && ids.available()) {
      admit(arrived);
    } else if (awaitingIds.size() < MAX_AWAITING_IDS) {
      awaitingIds.add(arrived);
    } else {
      refuse(arrived, Refusal.NO_EVENT_ID, now);
    }
  }

  /** Into the write queue if its fair share allows, with the next id; then to the live streams. */
  private void admit(Awaiting event) {
    Refusal full = writer.admits(event.tenant);
    if (full != null) {
      refuse(event, full, System.nanoTime());
      return;
    }
    LiveEvent live = new LiveEvent(ids.take(), event.event, event.owner, event.product);
    event.tenant.count(Tenant.ACCEPTED, epochDay);
    ProductSeries.Series series = products.of(event.product);
    if (series != null) {
      series.accepted();
    }
    // integrations: those it triggers, matched in memory; their outbox rows commit with the event
    String[] integrations = outbox.match(live);
    boolean claimed = integrations != null && outbox.reserve(integrations.length);
    Future<Void> written = writer.offer(live, event.tenant, integrations, claimed);
    toStreams(live);
    if (HubAddresses.LOCATION_EVENT.equals(live.event().name())) {
      vertx.eventBus().send(HubAddresses.LOCATION_EVENTS, live, LOCATION_DELIVERY);
    }
    if (event.quotaTaken) {
      toSubscribers(live);
    }
    EventAnswer answer = event.answer;
    if (answer.awaited()) {
      written.onComplete(result -> {
        if (result.succeeded()) {
          answer.written();
        } else {
          DeviceFailure failure = DeviceFailure.from(result.cause());
          answer.refused(failure.kind().busCode(), failure.getMessage());
        }
      });
    }
  }

  /**
   * To the live streams, with the other events accepted in this turn of the loop: the first of a batch
   * queues one task on this context, which publishes the batch once the loop has run what it held
   * before it (the events that arrived together), so an event waits for nothing but its turn, and the
   * streams' nodes get one bus message (and LiveFeed's loop one wake-up) per batch instead of per
   * event. A batch of {@link #MAX_LIVE_BATCH} goes at once. Called on this verticle's context.
   */
  private void toStreams(LiveEvent live) {
    liveBatch.add(live);
    if (liveBatch.size() >= MAX_LIVE_BATCH) {
      publishLive();
    } else if (!liveFlushQueued) {
      liveFlushQueued = true;
      context.runOnContext(ignored -> {
        liveFlushQueued = false;
        publishLive();
      });
    }
  }

  /** Publishes the batch on {@code hub.events.live-batches}, in the order its events were accepted; the list is not touched again. */
  private void publishLive() {
    if (!liveBatch.isEmpty()) {
      LiveEvents batch = new LiveEvents(liveBatch);
      liveBatch = new ArrayList<>();
      vertx.eventBus().publish(HubAddresses.LIVE_EVENTS, batch, LIVE_DELIVERY);
    }
  }

  /**
   * A device's or an account's event (not the cloud's own) to the devices subscribed to their owner's or
   * product's events (Particle's {@code Particle.subscribe}): published once per address to the gateway
   * nodes that hold such a session, which match the prefixes (docs/architecture.md, "Particle devices").
   * An address nobody listens on costs a lookup.
   */
  private void toSubscribers(LiveEvent live) {
    if (live.ownerId() != null) {
      vertx.eventBus().publish(BusAddresses.ownerEvents(live.ownerId()), live.event(), SUBSCRIBER_DELIVERY);
    }
    if (live.productId() != null) {
      DeliveryOptions options = live.ownerId() == null ? SUBSCRIBER_DELIVERY
          : new DeliveryOptions(SUBSCRIBER_DELIVERY).addHeader(BusAddresses.EVENT_OWNER_HEADER, live.ownerId().toString());
      vertx.eventBus().publish(BusAddresses.productEvents(live.productId()), live.event(), options);
    }
  }

  private static Integer productId(String header) {
    try {
      return Integer.valueOf(header);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Ids arrived: the events waiting for them go on, in order, as far as the ids go. */
  private void admitAwaiting() {
    while (!awaitingIds.isEmpty() && ids.available()) {
      admit(awaitingIds.poll());
    }
  }

  private void refuse(Awaiting event, Refusal reason, long now) {
    if (event.quotaTaken) {
      event.tenant.returnQuota();
    }
    refusals.refuse(event.event, event.answer, reason, event.tenant, event.product, now, epochDay);
  }

  /**
   * Every second: the devices heard in committed events get their last_heard; events that waited too
   * long for an id are refused; a new UTC day starts the day counts again.
   */
  private void tick() {
    writer.flushHeard();
    long now = System.nanoTime();
    long oldest = now - TimeUnit.SECONDS.toNanos(MAX_ID_WAIT_SECONDS);
    while (!awaitingIds.isEmpty() && awaitingIds.peek().arrivedNanos - oldest < 0) {
      refuse(awaitingIds.poll(), Refusal.NO_EVENT_ID, now);
    }
    metrics.idsReservedAhead.set(ids.reservedAhead());
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    if (!today.equals(counts.today()) && !counts.isFlushing()) {
      epochDay = today.toEpochDay();
      counts.newDay(today);
    }
  }

  private void apply(QuotaRepository.Overrides loaded) {
    loaded.accounts().forEach(tenants::overrideAccount);
    loaded.products().forEach(tenants::overrideProduct);
  }

  /** An administrator changed a tenant's override: reloaded from the database, so every node holds the same. */
  private void reloadOverride(Message<JsonObject> message) {
    QuotaRepository.Scope scope = QuotaRepository.Scope.of(String.valueOf(message.body().getValue("scope")));
    Object id = message.body().getValue("id");
    if (scope == null || !(id instanceof Number number)) {
      LOG.warn("quota change ignored: no scope or id [message: {}]", message.body());
      message.fail(400, "scope and id are required");
      return;
    }
    overrides.override(scope, number.longValue()).onComplete(loaded -> {
      if (loaded.failed()) {
        LOG.warn("quota override not reloaded [scope: {}, id: {}, cause: {}]", scope.column(), number, loaded.cause().getMessage());
        message.fail(503, "the quota could not be read");
        return;
      }
      if (scope == QuotaRepository.Scope.ACCOUNT) {
        tenants.overrideAccount(number.longValue(), loaded.result());
      } else {
        tenants.overrideProduct(number.intValue(), loaded.result());
      }
      message.reply(null);
    });
  }

  /** The API's owner header; a malformed one (no hub node sets one) leaves the event to the administrators. */
  private static Long accountId(String header) {
    try {
      return Long.valueOf(header);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** An event on its way in, with what was stamped on it; it waits in {@link #awaitingIds} when no id is free. */
  private record Awaiting(DeviceEvent event, EventAnswer answer, Long owner, Integer product, Tenant tenant, boolean quotaTaken, long arrivedNanos) {
  }
}
