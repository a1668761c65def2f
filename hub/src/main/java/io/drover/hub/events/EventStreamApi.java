package io.drover.hub.events;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.HubAddresses;
import io.drover.hub.auth.Principal;
import io.drover.hub.devices.DeviceDirectory;
import io.drover.hub.events.filter.EventFilter;
import io.drover.hub.events.filter.FilterSyntaxException;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.gateway.log.SampledLog;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live event streams as Server-Sent Events, and publishing through the API.
 *
 * <ul>
 *   <li>{@code GET /v1/devices/events[/:prefix]}: the caller's events</li>
 *   <li>{@code GET /v1/events[/:prefix]}: the caller's events and every account's public ones</li>
 *   <li>{@code GET /v1/devices/:id/events[/:prefix]}: one of the caller's devices</li>
 *   <li>{@code GET /v1/products/:productIdOrSlug/events[/:prefix]}: the product's devices, whoever owns
 *       them, for its team (each event's data adds {@code userid, version, public, productID})</li>
 *   <li>{@code GET /v1/products/:productIdOrSlug/devices/:id/events[/:prefix]}: one device of the product, as the
 *       product's stream carries it</li>
 *   <li>{@code POST /v1/devices/events}: publish an event as the caller ({@code coreid "api"})</li>
 *   <li>{@code POST /v1/products/:productIdOrSlug/events}: publish an event as the product
 *       ({@code coreid "api"}): on the product's stream and history, no account's own</li>
 * </ul>
 *
 * Every stream takes {@code ?filter=} in the Event Logs' filter language ({@link EventFilter}), parsed
 * once when the stream opens; a malformed one is answered 400 before the stream starts.
 *
 * Each API instance has one; the node's {@link LiveFeed} (one bus consumer, the per-account stream
 * limits) hands each batch of events to every instance with a stream open, and the instance each event
 * to its streams. Each
 * event is formatted once however many streams take it (by the feed when several instances take it),
 * and a stream's frames that queue while the event loop is busy go out in one write ({@link #send}). A
 * client that reads too slowly is cut off, not buffered for. Runs on its API instance's event loop.
 * Mount before the device routes: their {@code /v1/devices/:id/:variable} would otherwise take these paths.
 */
public final class EventStreamApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(EventStreamApi.class);
  /**
   * A stream's write queue holds this many bytes before it counts as full: a live event then cuts the
   * stream, and a replay waits for it to drain. What one stream can make the node hold is this, plus
   * one replay page.
   */
  static final int MAX_PENDING_BYTES = 1 << 20;
  /** The most one write of queued frames carries (see {@link #send}). */
  static final int MAX_WRITE_BYTES = 16 * 1024;
  /**
   * The most events a resumed stream replays from the database; a stream further behind gets these,
   * then is ended, and its client (EventSource reconnects by itself) resumes from the last of them.
   */
  static final int MAX_REPLAY = 10_000;
  /** Events read from the database at a time while replaying: about 300 KB of frames at most. */
  static final int REPLAY_PAGE = 250;
  /**
   * Live events a replaying stream holds back while a page is read; more, and they are let go and read
   * from the database by one more page instead (accepted before that page asks for T, they are in it).
   */
  static final int MAX_HELD_BACK = 500;
  private static final Buffer KEEP_ALIVE = Buffer.buffer(SseFormat.KEEP_ALIVE);
  private static final String REPLAY = """
      SELECT id, device_id, name, data, published_at, ttl, public, owner_id, product_id FROM events
      WHERE id > $1 AND id <= $2 AND ($3::bigint IS NULL OR owner_id = $3 OR ($6 AND public AND product_id IS NULL))
        AND ($4::text IS NULL OR starts_with(name, $4))
      ORDER BY id LIMIT $5""";
  /**
   * A device's stream's replay: {@link #REPLAY} narrowed to the device ({@code $7}) by a condition of
   * its own, so that even a generic plan (the statement is prepared once per connection) reads the
   * device's rows from events_by_device (device_id, id) in id order, not the whole id range by the
   * primary key, as {@code ($n IS NULL OR device_id = $n)} made it.
   */
  static final String REPLAY_DEVICE = """
      SELECT id, device_id, name, data, published_at, ttl, public, owner_id, product_id FROM events
      WHERE id > $1 AND id <= $2 AND ($3::bigint IS NULL OR owner_id = $3 OR ($6 AND public AND product_id IS NULL))
        AND ($4::text IS NULL OR starts_with(name, $4)) AND device_id = $7
      ORDER BY id LIMIT $5""";
  /**
   * A product stream's replay: the events its devices published while in the product, as its live
   * events are chosen (by the product stamped on each event when it was accepted, never by where the
   * device is now: a device's earlier owners' events stay theirs).
   */
  private static final String REPLAY_PRODUCT = """
      SELECT id, device_id, name, data, published_at, ttl, public, owner_id, product_id FROM events
      WHERE product_id = $3 AND id > $1 AND id <= $2 AND ($4::text IS NULL OR starts_with(name, $4))
      ORDER BY id LIMIT $5""";
  /** A product device's stream's replay: {@link #REPLAY_PRODUCT} narrowed to the device ({@code $6}), as {@link #REPLAY_DEVICE}. */
  static final String REPLAY_PRODUCT_DEVICE = """
      SELECT id, device_id, name, data, published_at, ttl, public, owner_id, product_id FROM events
      WHERE product_id = $3 AND id > $1 AND id <= $2 AND ($4::text IS NULL OR starts_with(name, $4)) AND device_id = $6
      ORDER BY id LIMIT $5""";

  private final Vertx vertx;
  private final Pool pool;
  private final AccessCheck access;
  private final StreamTickets tickets;
  private final DeviceDirectory directory;
  private final ProductAccess products;
  private final EventSettings settings;
  private final EventMetrics metrics;
  private final List<Stream> streams = new ArrayList<>();
  /** Streams with frames queued by {@link #send}, written together by {@link #flush}. */
  private List<Stream> waiting = new ArrayList<>();
  private boolean flushScheduled;
  /** This API instance's context: its streams and timers all run on it. */
  private Context context;
  private final LiveFeed feed;
  /** This instance's end of the feed, from {@link #mount}. */
  private LiveFeed.Instance fed;
  private final UsageMeter usage;
  private long usageTimer = -1;
  private final SampledLog cuts = new SampledLog(LOG, SampledLog.TEN_SECONDS);

  public EventStreamApi(Vertx vertx, Pool pool, AccessCheck access, StreamTickets tickets, DeviceDirectory directory, ProductAccess products,
      EventSettings settings, EventMetrics metrics, LiveFeed feed) {
    this.vertx = vertx;
    this.pool = pool;
    this.access = access;
    this.tickets = tickets;
    this.directory = directory;
    this.products = products;
    this.settings = settings;
    this.metrics = metrics;
    this.feed = feed;
    this.usage = new UsageMeter(pool);
  }

  @Override
  public Future<Void> mount(Router router) {
    context = vertx.getOrCreateContext();
    fed = feed.attach(context, this::deliver);
    // a stream is opened with a token or with a stream ticket (a browser's EventSource cannot send a header)
    router.get("/v1/devices/events").handler(tickets::requireCaller).handler(ctx -> open(ctx, null, false, null));
    router.get("/v1/devices/events/*").handler(tickets::requireCaller).handler(ctx -> open(ctx, null, false, null));
    // Particle's public stream: an API client published these with private=false for anyone to read
    router.get("/v1/events").handler(tickets::requireCaller).handler(ctx -> open(ctx, null, true, null));
    router.get("/v1/events/*").handler(tickets::requireCaller).handler(ctx -> open(ctx, null, true, null));
    for (String path : List.of("/v1/products/:" + ProductAccess.PATH_PARAM + "/events", "/v1/products/:" + ProductAccess.PATH_PARAM + "/events/*")) {
      router.get(path).handler(tickets::requireCaller).handler(products.require(ProductPermission.VIEW))
          .handler(ctx -> open(ctx, null, false, ProductAccess.scope(ctx).productId()));
    }
    // one device of the product, for its team: the product's stream narrowed to it
    for (String path : List.of("/v1/products/:" + ProductAccess.PATH_PARAM + "/devices/:deviceId/events",
        "/v1/products/:" + ProductAccess.PATH_PARAM + "/devices/:deviceId/events/*")) {
      router.get(path).handler(tickets::requireCaller).handler(products.require(ProductPermission.VIEW)).handler(this::openForProductDevice);
    }
    router.get("/v1/devices/:deviceId/events").handler(tickets::requireCaller).handler(this::openForDevice);
    router.get("/v1/devices/:deviceId/events/*").handler(tickets::requireCaller).handler(this::openForDevice);
    router.post("/v1/devices/events").handler(access::requireUser).handler(RequestBodies.handler()).handler(ctx -> publish(ctx, null));
    // Particle's events:send scope: publishing as the product is operating its devices
    router.post("/v1/products/:" + ProductAccess.PATH_PARAM + "/events").handler(access::requireUser)
        .handler(products.require(ProductPermission.OPERATE_DEVICES)).handler(RequestBodies.handler())
        .handler(ctx -> publish(ctx, ProductAccess.scope(ctx).productId()));
    usageTimer = vertx.setPeriodic(settings.usageFlush().toMillis(), id -> usage.flush());
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(usageTimer);
    feed.detach(fed);
    for (Stream stream : new ArrayList<>(streams)) {
      finish(stream);
    }
    return usage.flush();
  }

  /** A device's stream, named by its ID or (as particle-cli and api-js allow) by its name, resolved once. */
  private void openForDevice(RoutingContext ctx) {
    Principal principal = AccessCheck.principal(ctx);
    String key = ctx.pathParam("deviceId");
    String deviceId = DeviceIds.normalize(key);
    Future<String> resolved = deviceId != null || principal.userId() == null
        ? Future.succeededFuture(deviceId)
        : pool.preparedQuery("SELECT id FROM devices WHERE owner_id = $1 AND lower(name) = lower($2)")
            .execute(Tuple.of(principal.userId(), key))
            .map(rows -> rows.size() == 1 ? rows.iterator().next().getString(0) : null);
    resolved.onComplete(found -> {
      String id = found.succeeded() ? found.result() : null;
      if (id == null || !principal.mayActFor(directory.ownerOf(id))) {
        ctx.fail(new ApiException(404, "not_found", "No such device of yours"));
      } else {
        open(ctx, id, false, null);
      }
    });
  }

  /**
   * A product device's stream, by its ID: what the product's stream carries of it (the events it
   * published while in the product). A device not in the product now is 404, as its other routes answer.
   */
  private void openForProductDevice(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    String deviceId = DeviceIds.normalize(ctx.pathParam("deviceId"));
    DeviceDirectory.ProductPlace place = deviceId == null ? null : directory.placeOf(deviceId);
    if (place == null || place.productId() != productId) {
      ctx.fail(new ApiException(404, "not_found", "No device " + ctx.pathParam("deviceId") + " in this product"));
      return;
    }
    open(ctx, deviceId, false, productId);
  }

  /** @param productId the product whose devices' events the stream takes, or null for the caller's own */
  private void open(RoutingContext ctx, String deviceId, boolean withPublic, Integer productId) {
    EventFilter filter;
    try {
      filter = EventFilter.parse(ctx.request().getParam("filter"));
    } catch (FilterSyntaxException e) {
      ctx.fail(new ApiException(400, "invalid_filter", e.getMessage()));
      return;
    }
    String prefix;
    try {
      prefix = prefix(ctx);
    } catch (IllegalArgumentException e) {
      ctx.fail(new ApiException(400, "invalid_request", "The event name prefix is not a valid percent-encoded path segment"));
      return;
    }
    Principal principal = AccessCheck.principal(ctx);
    String account = principal.userId() == null ? "admin" : principal.userId().toString();
    boolean productStream = productId != null;
    // the node's limits, held by the feed; once it answers, every event it receives reaches this instance
    feed.open(fed, account, productStream).onComplete((refusal, failure) -> {
      if (failure != null) {
        ctx.fail(failure);
      } else if (refusal != null) {
        metrics.streamsRefused.increment();
        ctx.fail(new ApiException(429, "rate_limited", refusal == StreamLimits.Refusal.TOO_MANY_OPEN
            ? "Too many event streams open: at most " + settings.maxStreamsPerUser() + " at once"
            : "Too many event streams opened: at most " + settings.streamOpensPerMinute() + " a minute"));
      } else if (ctx.response().closed()) {
        // the client went while the feed was asked
        feed.closed(fed, account, productStream);
      } else {
        start(ctx, principal, account, deviceId, withPublic, productId, prefix, filter);
      }
    });
  }

  /** The stream, counted by the feed: answered, and live (or resumed) from now on. */
  private void start(RoutingContext ctx, Principal principal, String account, String deviceId, boolean withPublic, Integer productId,
      String prefix, EventFilter filter) {
    // a product's customer sees its own devices' events only, never other accounts' public ones
    boolean withOthersPublic = withPublic && principal.kind() != Principal.Kind.CUSTOMER;
    HttpServerResponse response = ctx.response()
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .setWriteQueueMaxSize(MAX_PENDING_BYTES);
    Stream stream = new Stream(response, principal, account, deviceId, productId, prefix,
        filter, withOthersPublic, String.valueOf(ctx.request().remoteAddress()));
    streams.add(stream);
    metrics.openStreams.incrementAndGet();
    stream.keepAliveTimer = vertx.setPeriodic(settings.streamKeepAlive().toMillis(), id -> tick(stream));
    response.drainHandler(ignored -> drained(stream));
    // the end, the close and a failure of the response alike (and the HTTP layer's own accounting keeps its hooks)
    ctx.addEndHandler(ignored -> forget(stream));
    // the answer's head goes with the opening
    send(stream, Buffer.buffer(SseFormat.OPENING));
    long lastEventId = lastEventId(ctx);
    if (lastEventId >= 0) {
      resume(stream, lastEventId);
    }
  }

  /**
   * The event name prefix after {@code /events/}, percent-decoded: the router leaves the wildcard's
   * text as sent, and particle-api-js sends a name with {@code encodeURIComponent}, so
   * {@code getEventStream({name: 'fleet/'})} asks for {@code /events/fleet%2F}.
   *
   * @return null when there is none
   * @throws IllegalArgumentException for a malformed percent-encoding
   */
  private static String prefix(RoutingContext ctx) {
    String raw = ctx.pathParam("*");
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    return raw.indexOf('%') < 0 ? raw : java.net.URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** {@code Last-Event-ID} as EventSource sends it on reconnecting, or {@code ?last_event_id=}; -1 if none. */
  private static long lastEventId(RoutingContext ctx) {
    String text = ctx.request().getHeader("Last-Event-ID");
    if (text == null) {
      text = ctx.request().getParam("last_event_id");
    }
    try {
      return text == null ? -1 : Math.max(-1, Long.parseLong(text.trim()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Replays what a reconnecting client missed, without a gap, a page at a time: a page is read only
   * once the stream's write queue has room, so a client that does not read makes the node hold one
   * page, not the whole replay. Live events are ignored meanwhile (the pages read them from the
   * database), but for those that arrive while a page is read: before each page the events verticle
   * is asked for the highest id accepted so far, which it answers once all of it is committed (T), and
   * from then on live events for the stream are held back. If the page reaches T, the database had
   * everything up to T, the held-back events above T follow it, and the stream is live. Otherwise (a
   * full page, or too many held back) they are let go and the next page reads them. An event may
   * reach a client twice across a reconnect (sent live before the drop, then replayed), never not at
   * all.
   */
  private void resume(Stream stream, long after) {
    stream.replaying = true;
    stream.cursor = after;
    replayPage(stream);
  }

  private void replayPage(Stream stream) {
    if (!streams.contains(stream)) {
      return;
    }
    if (stream.response.writeQueueFull()) {
      stream.waitingForDrain = true;
      return;
    }
    stream.heldBack = new ArrayList<>();
    stream.heldBackOverflowed = false;
    int limit = Math.min(REPLAY_PAGE, MAX_REPLAY - stream.replayed);
    Principal principal = stream.principal;
    vertx.eventBus().<Long>request(HubAddresses.EVENTS_WRITTEN_THROUGH, null)
        .compose(reply -> {
          long through = reply.body();
          Tuple values = stream.productId == null
              ? Tuple.of(stream.cursor, through, principal.userId(), stream.prefix, limit, stream.withPublic)
              : Tuple.of(stream.cursor, through, stream.productId, stream.prefix, limit);
          String statement = stream.productId == null ? REPLAY : REPLAY_PRODUCT;
          if (stream.deviceId != null) {
            values.addString(stream.deviceId);
            statement = stream.productId == null ? REPLAY_DEVICE : REPLAY_PRODUCT_DEVICE;
          }
          Future<RowSet<Row>> rows = pool.preparedQuery(statement).execute(values);
          return rows.map(read -> new ReplayPage(through, limit, read));
        })
        .onComplete(read -> pageRead(stream, read));
  }

  private void pageRead(Stream stream, AsyncResult<ReplayPage> read) {
    if (!streams.contains(stream)) {
      return;
    }
    List<LiveEvent> held = stream.heldBack;
    stream.heldBack = null;
    if (read.failed()) {
      // the database is away: end it, the client resumes again
      LOG.warn("event stream not resumed [remote: {}, cause: {}]", stream.remote, read.cause().getMessage());
      finish(stream);
      return;
    }
    ReplayPage page = read.result();
    for (Row row : page.rows()) {
      stream.cursor = row.getLong(0);
      LiveEvent event = new LiveEvent(stream.cursor, new DeviceEvent(row.getString(1), row.getString(2), row.getString(3),
          row.getOffsetDateTime(4).toInstant().toEpochMilli(), row.getInteger(5), row.getBoolean(6)), row.getLong(7), row.getInteger(8));
      if (stream.wants(event, directory)) {
        sendNow(stream, stream.frame(event, directory.placeOf(event.event().deviceId())));
        usage.delivered(event.ownerId(), event.productId(), 1);
      }
    }
    stream.replayed += page.rows().size();
    if (page.rows().size() < page.limit() && !stream.heldBackOverflowed) {
      // the database had everything up to T, and the stream has it now: the held-back events above T follow, and it is live
      stream.replaying = false;
      for (LiveEvent event : held) {
        if (event.id() > page.through()) {
          sendNow(stream, stream.frame(event, directory.placeOf(event.event().deviceId())));
          usage.delivered(event.ownerId(), event.productId(), 1);
        }
      }
      return;
    }
    if (stream.replayed >= MAX_REPLAY) {
      // behind by more than a replay: end it, the client resumes from the last event it got
      finish(stream);
      return;
    }
    replayPage(stream);
  }

  /**
   * Writes a frame at once, after those queued for the stream: a replay's, frame by frame, so that the
   * write queue's fill is known before the next page is read.
   */
  private void sendNow(Stream stream, Buffer frame) {
    writeNow(stream);
    stream.pending = frame;
    writeNow(stream);
  }

  /** Writes the frames queued for one stream at once, rather than with the others at the next flush. */
  private void writeNow(Stream stream) {
    Buffer frames = stream.pending;
    stream.pending = null;
    if (frames != null) {
      int size = frames.length();
      stream.lastWriteBytes = size;
      metrics.streamBytesQueued.addAndGet(size);
      stream.response.write(frames).onComplete(written -> metrics.streamBytesQueued.addAndGet(-size));
    }
  }

  /** The stream's write queue has room again: its reader reads. */
  private void drained(Stream stream) {
    stream.drainedSinceTick = true;
    if (stream.waitingForDrain) {
      stream.waitingForDrain = false;
      replayPage(stream);
    }
  }

  /**
   * The keep-alive tick: a silent stream gets its newline, and a stream whose write queue is full now
   * and was full at the previous tick, without draining between, is cut: its reader has not read for
   * a whole interval.
   */
  private void tick(Stream stream) {
    if (!stream.response.writeQueueFull()) {
      stream.fullAtLastTick = false;
      send(stream, KEEP_ALIVE);
    } else if (stream.fullAtLastTick && !stream.drainedSinceTick) {
      cut(stream, "its reader has not read for a keep-alive interval");
    } else {
      stream.fullAtLastTick = true;
      stream.drainedSinceTick = false;
    }
  }

  /**
   * Queues a frame for the stream; the frames queued meanwhile go out in one write when this event
   * loop has run what it holds. An event fanned out to a thousand streams is a thousand writes (each a
   * system call), however small; when events arrive faster than they are written, the events waiting
   * for the loop are taken together, and each stream gets one write for all of them. So a stream's
   * writes per second stay near what the loop can make, and a backlog shrinks instead of growing,
   * while an event on a quiet node waits for nothing but its own turn.
   */
  private void send(Stream stream, Buffer frame) {
    if (stream.pending == null) {
      // shared by every stream that takes the event: copied only if a second frame joins it
      stream.pending = frame;
      stream.pendingShared = true;
      waiting.add(stream);
      if (!flushScheduled) {
        flushScheduled = true;
        context.runOnContext(ignored -> flush());
      }
    } else {
      if (stream.pendingShared) {
        // sized for as much as the stream's last write carried: under a steady load the frames of one turn
        // of the loop fit without the buffer doubling (and copying itself) on its way to MAX_WRITE_BYTES
        int expected = Math.max(stream.lastWriteBytes, 4 * frame.length());
        stream.pending = Buffer.buffer(Math.max(256, Math.min(expected, MAX_WRITE_BYTES + frame.length()))).appendBuffer(stream.pending);
        stream.pendingShared = false;
      }
      stream.pending.appendBuffer(frame);
      if (stream.pending.length() >= MAX_WRITE_BYTES) {
        // a write is held whole until the network has taken all of it: keep each small enough that
        // the write queue's bound (which a slow reader is cut at) still bounds what is held
        writeNow(stream);
      }
    }
  }

  /** Writes each waiting stream's frames, counting their bytes as queued until the network has taken them. */
  private void flush() {
    flushScheduled = false;
    List<Stream> now = waiting;
    waiting = new ArrayList<>();
    for (Stream stream : now) {
      if (stream.gone) {
        stream.pending = null;
      } else {
        writeNow(stream);
      }
    }
  }

  private void cut(Stream stream, String reason) {
    metrics.streamsCut.increment();
    cuts.info("stream_cut", "event stream cut [remote: {}, reason: {}]", stream.remote, reason);
    forget(stream);
    stream.response.reset();
  }

  /**
   * An event published through the API, with {@code coreid "api"}: as the caller (productId null: the
   * caller's own streams and history carry it), or as the product (its team's streams and history;
   * no account owns it, and it counts for the product's quota).
   */
  private void publish(RoutingContext ctx, Integer productId) {
    JsonObject body = RequestBodies.fields(ctx);
    String name = body.getValue("name") instanceof String s ? s : null;
    if (name == null || name.isEmpty() || name.length() > DeviceEvent.MAX_NAME_LENGTH || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new ApiException(400, "invalid_request", "name must be 1 to " + DeviceEvent.MAX_NAME_LENGTH + " characters, none of them control characters");
    }
    Object rawData = body.getValue("data");
    String data = rawData == null ? null : String.valueOf(rawData);
    if (data != null && data.indexOf('\u0000') >= 0) {
      throw new ApiException(400, "invalid_request", "data must not contain U+0000");
    }
    if (data != null && data.getBytes(StandardCharsets.UTF_8).length > DeviceEvent.MAX_DATA_BYTES) {
      throw new ApiException(400, "invalid_request", "data must be at most " + DeviceEvent.MAX_DATA_BYTES + " bytes");
    }
    int ttl = DeviceEvent.DEFAULT_TTL;
    if (body.getValue("ttl") != null) {
      try {
        ttl = Integer.parseInt(String.valueOf(body.getValue("ttl")));
      } catch (NumberFormatException e) {
        throw new ApiException(400, "invalid_request", "ttl must be a whole number of seconds");
      }
    }
    boolean isPublic = "false".equals(String.valueOf(body.getValue("private")));
    Principal principal = AccessCheck.principal(ctx);
    DeliveryOptions delivery = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);
    if (productId != null) {
      delivery.addHeader(EventsVerticle.PRODUCT_PUBLISHER_HEADER, productId.toString());
    } else if (principal.userId() != null) {
      delivery.addHeader(EventsVerticle.OWNER_HEADER, principal.userId().toString());
    }
    vertx.eventBus().request(BusAddresses.PUBLISH_EVENT,
            new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, name, data, System.currentTimeMillis(), ttl, isPublic), delivery)
        .onSuccess(written -> ctx.json(new JsonObject().put("ok", true)))
        .onFailure(cause -> ctx.fail(publishRefusal(DeviceFailure.from(cause))));
  }

  /** The hub's refusal of an API publish, in the API's error shape: 429 for a quota or the node's overload. */
  private static ApiException publishRefusal(DeviceFailure failure) {
    return switch (failure.kind()) {
      case QUOTA_EXCEEDED -> new ApiException(429, "quota_exceeded", "Event not published: " + failure.getMessage(),
          failure.getMessage().contains(EventRefusals.PER_DAY) ? secondsToMidnightUtc() : 1);
      case OVERLOADED -> new ApiException(429, "overloaded", "Too many events are waiting to be written; try again shortly", 1);
      case MALFORMED_PAYLOAD -> new ApiException(400, "invalid_request", "The event store refuses this event");
      default -> new ApiException(503, "unavailable", "The event store is not available; try again", 1);
    };
  }

  private static long secondsToMidnightUtc() {
    java.time.ZonedDateTime now = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
    return Math.max(1, java.time.Duration.between(now, now.toLocalDate().plusDays(1).atStartOfDay(java.time.ZoneOffset.UTC)).toSeconds());
  }

  /** Events from the feed, in the order accepted, for this instance's streams. */
  private void deliver(List<LiveFeed.Fanned> batch) {
    for (LiveFeed.Fanned fanned : batch) {
      deliverOne(fanned);
    }
  }

  /** One event from the feed, for this instance's streams. */
  private void deliverOne(LiveFeed.Fanned fanned) {
    LiveEvent live = fanned.live();
    DeviceDirectory.ProductPlace place = fanned.place();
    // made by the feed when several instances take the event; else here, at the first stream that takes it
    Buffer frame = fanned.frame();
    Buffer productFrame = fanned.productFrame();
    int deliveries = 0;
    for (int i = streams.size() - 1; i >= 0; i--) {
      Stream stream = streams.get(i);
      if (!stream.wants(live, directory)) {
        continue;
      }
      if (stream.replaying) {
        // between pages the next page reads it from the database; while a page is read it is held back, a bounded few
        if (stream.heldBack != null && !stream.heldBackOverflowed) {
          if (stream.heldBack.size() < MAX_HELD_BACK) {
            stream.heldBack.add(live);
          } else {
            stream.heldBack.clear();
            stream.heldBackOverflowed = true;
          }
        }
        continue;
      }
      if (stream.response.writeQueueFull()) {
        cut(stream, "its reader reads too slowly");
        continue;
      }
      if (stream.productId != null) {
        if (productFrame == null) {
          productFrame = stream.frame(live, place);
        }
        send(stream, productFrame);
      } else {
        if (frame == null) {
          frame = stream.frame(live, place);
        }
        send(stream, frame);
      }
      deliveries++;
    }
    usage.delivered(live.ownerId(), live.productId(), deliveries);
  }

  /** Ends a stream after the frames queued for it. */
  private void finish(Stream stream) {
    Buffer frames = stream.pending;
    stream.pending = null;
    forget(stream);
    if (frames != null) {
      stream.response.write(frames);
    }
    stream.response.end();
  }

  private void forget(Stream stream) {
    if (streams.remove(stream)) {
      stream.gone = true;
      vertx.cancelTimer(stream.keepAliveTimer);
      feed.closed(fed, stream.account, stream.productId != null);
      metrics.openStreams.decrementAndGet();
    }
  }

  private record ReplayPage(long through, int limit, RowSet<Row> rows) {
  }

  private static final class Stream {
    final HttpServerResponse response;
    final Principal principal;
    final String account;
    final String deviceId;
    /** The product whose devices' events this stream takes, instead of the caller's own; null for those. */
    final Integer productId;
    final String prefix;
    /** Null when the stream takes every event: no name lookup then. */
    final EventFilter filter;
    /** Whether other accounts' public events belong on this stream too. */
    final boolean withPublic;
    final String remote;
    long keepAliveTimer;
    /** While a resumed stream replays from the database; live events do not go to it then. */
    boolean replaying;
    /** The id of the last event a replay read. */
    long cursor;
    /** Events the replay has read so far, up to {@link #MAX_REPLAY}. */
    int replayed;
    /** While a replay page is read: the live events that may follow it, else null. */
    List<LiveEvent> heldBack;
    /** More live events arrived while a page was read than are held back: another page reads them. */
    boolean heldBackOverflowed;
    /** A replay waits for the write queue to drain before its next page. */
    boolean waitingForDrain;
    /** Frames queued for the next {@link EventStreamApi#flush}; null when none. */
    Buffer pending;
    /** {@link #pending} is a frame other streams share: appending to it needs a copy first. */
    boolean pendingShared;
    /** The size of the stream's last write: what the next one is sized for. */
    int lastWriteBytes;
    /** Forgotten: its queued frames are dropped. */
    boolean gone;
    /** For the stalled-reader cut: the queue was full at the last keep-alive tick; it drained since. */
    boolean fullAtLastTick;
    boolean drainedSinceTick;

    Stream(HttpServerResponse response, Principal principal, String account, String deviceId, Integer productId, String prefix,
        EventFilter filter, boolean withPublic, String remote) {
      this.response = response;
      this.principal = principal;
      this.account = account;
      this.deviceId = deviceId;
      this.productId = productId;
      this.prefix = prefix;
      this.filter = filter.isEmpty() ? null : filter;
      this.withPublic = withPublic;
      this.remote = remote;
    }

    boolean wants(LiveEvent live, DeviceDirectory directory) {
      DeviceEvent event = live.event();
      boolean visible = productId != null
          ? productId.equals(live.productId())
          // a product's events stay its team's, public or not: the public feed takes the accounts' only
          : principal.streams(live.ownerId()) || (withPublic && event.isPublic() && live.productId() == null);
      return visible
          && (deviceId == null || deviceId.equals(event.deviceId()))
          && (prefix == null || event.name().startsWith(prefix))
          && (filter == null || filter.matches(event.name(), event.data(), event.deviceId(), directory.nameOf(event.deviceId()),
              event.publishedAtMillis()));
    }

    /** @param place the event's device's product now, from the directory (null: in none), for its firmware version */
    Buffer frame(LiveEvent live, DeviceDirectory.ProductPlace place) {
      return productId == null
          ? SseFormat.frameBytes(live.id(), live.event())
          : SseFormat.productFrameBytes(live.id(), live.event(), live.ownerId(), productId, place);
    }
  }
}
