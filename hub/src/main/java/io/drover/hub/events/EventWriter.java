package io.drover.hub.events;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.products.ProductSeries;
import io.drover.hub.storage.DeviceBatchLock;
import io.drover.hub.storage.Durability;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.sql.Connection;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes accepted events to PostgreSQL in batches: one INSERT per batch, never a round trip per event.
 * The queue is bounded; a full queue refuses new events instead of growing. Used on its verticle's
 * event loop only.
 *
 * <p>Lanes: the queue is split into {@code events.writers} lanes by a hash of the device id, and each
 * lane has at most one batch in flight, on a connection of its own from the pool: so several batches
 * are written at once (PostgreSQL flushes the WAL of commits that arrive together with one fsync),
 * while a device's events all go through one lane, one batch after the other, and are committed in
 * the order they were accepted. A failed batch stays at the head of its lane and is retried; the
 * other lanes go on. Events of different devices may commit out of id order (ids are handed out at
 * acceptance); {@link #writtenThrough} answers for the lowest id not yet settled in any lane, so a
 * resuming stream still misses nothing.
 *
 * <p>last_heard: a device's events are what the cloud last heard of it, but the update of its
 * {@code device_connectivity} row (V24) is not in the events' transaction (whose row locks serialised the lanes and
 * cost a heap update per device per batch): each committed event's time is kept in memory, the
 * latest per device, and {@link #flushHeard} (every second) writes them all in one UPDATE. The
 * devices' last_heard is at most a second (plus that UPDATE) behind the stored events.
 *
 * <p>Fair share: the queue is shared by every tenant ({@link Tenant}: a product, an account, the
 * cloud), and one tenant's flood must not starve the others. Up to half full, the queue takes any
 * event. Past half, a tenant may hold at most {@code capacity / (n + 1)} events, where n is the number
 * of tenants with events held: alone, half the queue; so the other half stays open to whoever comes
 * next, and as tenants arrive each one's share shrinks and the biggest are refused first (OVERLOADED,
 * counted as {@code fair_share}) until they drain below it. Each tenant's count of held events is kept
 * as events are offered and settled, so the check is O(1).
 *
 * <p>Group commit, in each lane: an idle lane writes an event as soon as it arrives, and a returning
 * commit starts the lane's next batch at once with whatever queued in it meanwhile (up to the batch
 * size). With fsync on
 * a commit waits for the disk, and the events that arrive during that wait share the next one; so
 * batches grow with the load and the commit rate stays near what the disk allows, while an event
 * on a quiet node waits for no timer.
 *
 * <p>The form of a write: INSERT ... unnest through the pool, or with {@code events.write-form=copy}
 * binary COPY through each lane's {@link EventCopier}, for a batch that can take it (durable, no
 * integration rows, not being written again after a failure: COPY has no ON CONFLICT). A batch none
 * of whose events was in a write before goes without ON CONFLICT (COPY, or {@link EventStatements#INSERT_NEW}):
 * its rows cannot be there yet. Once a write fails, in whatever way (the data, the connection, a
 * commit whose answer was lost), every event that was in it is written again only with ON CONFLICT
 * ({@code Lane.rewriteThrough}), which finds a row already committed and leaves it.
 */
final class EventWriter {

  private static final Logger LOG = LoggerFactory.getLogger(EventWriter.class);
  private static final String INSERT = EventStatements.INSERT;
  private static final String INSERT_NEW = EventStatements.INSERT_NEW;
  private static final String INSERT_WITH_OUTBOX = EventStatements.INSERT_WITH_OUTBOX;
  private static final String TOUCH_DEVICES = EventStatements.TOUCH_DEVICES;

  /** For {@code events.durability=relaxed}: this transaction's commit does not wait for the WAL flush. */
  private static final String COMMIT_WITHOUT_FLUSH = "SET LOCAL synchronous_commit = off";

  private final Vertx vertx;
  private final Context context;
  private final Pool pool;
  private final EventSettings settings;
  private final EventMetrics metrics;
  private final ProductSeries products;
  private final EventOutbox outbox;
  private final Lane[] lanes;
  /** Events queued in every lane, and in the batches being written: held until settled. */
  private int queued;
  private int inFlight;
  /** Tenants with events held (queued or in flight). */
  private int tenantsHolding;
  /** A write is scheduled on the context: the next events offered join it rather than schedule another. */
  private boolean writeScheduled;
  /** The highest id offered (ids are offered in increasing order). */
  private long lastOffered;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  /** Devices heard in committed events since the last flush: the latest time of each. */
  private Map<String, OffsetDateTime> heard = new HashMap<>();
  private boolean flushingHeard;

  /**
   * Called on the verticle's event loop, whose context every write then runs on.
   *
   * @param jdbc a blocking connection to the same database, for {@code events.write-form=copy}
   */
  EventWriter(Vertx vertx, Pool pool, EventSettings settings, EventMetrics metrics, ProductSeries products, EventOutbox outbox,
      Callable<Connection> jdbc) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.pool = pool;
    this.settings = settings;
    this.metrics = metrics;
    this.products = products;
    metrics.queueCapacity.set(settings.queueCapacity());
    this.outbox = outbox;
    this.lanes = new Lane[Math.max(1, settings.writers())];
    boolean copying = settings.copyWrites() && settings.durability() != Durability.RELAXED;
    for (int i = 0; i < lanes.length; i++) {
      lanes[i] = new Lane(copying ? new EventCopier(context, jdbc, i) : null);
    }
  }

  /**
   * Whether the queue takes an event of {@code tenant} now (see the fair share above).
   *
   * @return null when it does, else QUEUE_FULL or FAIR_SHARE
   */
  Refusal admits(Tenant tenant) {
    int held = queued + inFlight;
    int capacity = settings.queueCapacity();
    if (held >= capacity) {
      return Refusal.QUEUE_FULL;
    }
    if (held < capacity / 2) {
      return null;
    }
    int holding = tenantsHolding + (tenant.queued == 0 ? 1 : 0);
    return tenant.queued >= Math.max(1, capacity / (holding + 1)) ? Refusal.FAIR_SHARE : null;
  }

  /**
   * Takes an event for writing; {@link #admits} said the queue takes it.
   *
   * @param integrations the integrations it triggers (its outbox rows, written with it), null when none
   * @param claimed whether this node's engine reserved their delivery ({@link EventOutbox#reserve})
   * @return completes when the event is committed; fails with MALFORMED_PAYLOAD when the database
   *     refuses this event for its data
   */
  Future<Void> offer(LiveEvent event, Tenant tenant, String[] integrations, boolean claimed) {
    Pending pending = new Pending(event, tenant, Promise.promise(), System.nanoTime(), integrations, claimed);
    Lane lane = laneOf(event.event().deviceId());
    lane.queue.add(pending);
    queued++;
    if (tenant.queued++ == 0) {
      metrics.queueTenants.set(++tenantsHolding);
    }
    lastOffered = event.id();
    metrics.queueDepth.set(queued);
    if (lane.queue.size() >= settings.batchSize()) {
      lane.writeNextBatch();
    } else if (!lane.writing && !writeScheduled) {
      // written at once, yet after the deliveries already queued on this event loop, which join the batch
      writeScheduled = true;
      context.runOnContext(ignored -> {
        writeScheduled = false;
        writeAll();
      });
    }
    return pending.written.future();
  }

  /**
   * Ids below {@code firstId} are none of this writer's (handed out before it started): a resuming stream
   * may read them from the database at once. Without it a node that has offered nothing since its start
   * answers 0, and a stream resumed there replays nothing of what was stored before the restart.
   */
  void startsAt(long firstId) {
    lastOffered = Math.max(lastOffered, firstId - 1);
  }

  /**
   * Completes with the highest id offered so far once every event up to it is committed: a resuming
   * stream reads the database after this, so nothing accepted before it asked is missed.
   */
  Future<Long> writtenThrough() {
    if (settledThrough() >= lastOffered) {
      return Future.succeededFuture(lastOffered);
    }
    Promise<Long> promise = Promise.promise();
    waiters.add(new Waiter(lastOffered, promise));
    writeAll();
    return promise.future();
  }

  /**
   * Called by the flush timer: writes whatever waits, even a partial batch. A safety net: events are
   * written when they arrive at an idle lane or when the commit before them returns.
   */
  void tick() {
    writeAll();
  }

  /**
   * Called every second, and at the end of {@link #drain}: the devices heard in events committed since
   * the last flush get their last_heard, all in one UPDATE. One flush at a time; a failed one keeps
   * its devices for the next.
   */
  Future<Void> flushHeard() {
    if (flushingHeard || heard.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<String, OffsetDateTime> flushing = heard;
    heard = new HashMap<>();
    flushingHeard = true;
    String[] ids = new String[flushing.size()];
    OffsetDateTime[] times = new OffsetDateTime[flushing.size()];
    int i = 0;
    for (Map.Entry<String, OffsetDateTime> entry : flushing.entrySet()) {
      ids[i] = entry.getKey();
      times[i++] = entry.getValue();
    }
    Tuple heardRows = Tuple.tuple().addArrayOfString(ids).addArrayOfOffsetDateTime(times);
    // not at the same time as another node's, nor as a connectivity batch: see DeviceBatchLock
    return DeviceBatchLock.holding(pool, connection -> connection.preparedQuery(TOUCH_DEVICES).execute(heardRows))
        .<Void>mapEmpty()
        .onComplete(result -> {
          flushingHeard = false;
          if (result.failed()) {
            LOG.warn("last_heard of devices not written, trying again in 1 s [devices: {}, cause: {}]", flushing.size(), result.cause().getMessage());
            flushing.forEach(this::heard);
          }
        });
  }

  /** At shutdown: writes everything queued, batch after batch, then the devices' last_heard, then completes. */
  Future<Void> drain() {
    Promise<Void> drained = Promise.promise();
    if (idle()) {
      drained.complete();
    } else {
      LOG.info("writing queued events before stopping [queued: {}]", queued);
      vertx.setPeriodic(10, id -> {
        if (idle()) {
          vertx.cancelTimer(id);
          drained.tryComplete();
        } else {
          writeAll();
        }
      });
    }
    return drained.future().compose(written -> flushHeardAll()).andThen(done -> {
      for (Lane lane : lanes) {
        if (lane.copier != null) {
          lane.copier.close();
        }
      }
    });
  }

  /** Flushes until nothing is left (a flush under way, then what came after it), or one fails. */
  private Future<Void> flushHeardAll() {
    if (heard.isEmpty() && !flushingHeard) {
      return Future.succeededFuture();
    }
    if (flushingHeard) {
      Promise<Void> later = Promise.promise();
      vertx.setTimer(10, id -> flushHeardAll().onComplete(later));
      return later.future();
    }
    return flushHeard().compose(flushed -> flushHeardAll());
  }

  private boolean idle() {
    for (Lane lane : lanes) {
      if (lane.writing || !lane.queue.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  private void writeAll() {
    for (Lane lane : lanes) {
      lane.writeNextBatch();
    }
  }

  private Lane laneOf(String deviceId) {
    return lanes.length == 1 ? lanes[0] : lanes[Math.floorMod(deviceId.hashCode(), lanes.length)];
  }

  private void heard(String deviceId, OffsetDateTime time) {
    heard.merge(deviceId, time, (a, b) -> a.isAfter(b) ? a : b);
  }

  /** The event is written or dropped: its tenant holds one fewer. */
  private void settle(Pending pending) {
    if (--pending.tenant.queued == 0) {
      metrics.queueTenants.set(--tenantsHolding);
    }
  }

  /**
   * The highest id up to which every event offered is written or dropped: below the first unsettled
   * event of any lane (each lane holds its events in increasing id order).
   */
  private long settledThrough() {
    long firstUnsettled = Long.MAX_VALUE;
    for (Lane lane : lanes) {
      firstUnsettled = Math.min(firstUnsettled, lane.firstUnsettled());
    }
    return firstUnsettled == Long.MAX_VALUE ? lastOffered : Math.min(lastOffered, firstUnsettled - 1);
  }

  /** Events were settled: streams waiting to resume may read the database. */
  private void settled() {
    if (waiters.isEmpty()) {
      return;
    }
    long through = settledThrough();
    while (!waiters.isEmpty() && waiters.peek().through <= through) {
      Waiter waiter = waiters.poll();
      waiter.promise.complete(waiter.through);
    }
  }

  /** Class 22 (data exception) and 23 (integrity): retrying the same rows cannot succeed. */
  private static boolean isRefusedForItsData(Throwable cause) {
    return cause instanceof PgException pg && pg.getSqlState() != null
        && (pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23"));
  }

  /** Writes the batch by INSERT, or by the lane's COPY when it can ({@code copy}). */
  private Future<Void> write(List<Pending> batch, EventCopier copy, boolean fresh) {
    int n = batch.size();
    String[] devices = new String[n];
    String[] names = new String[n];
    String[] data = new String[n];
    OffsetDateTime[] times = new OffsetDateTime[n];
    Integer[] ttls = new Integer[n];
    Boolean[] publics = new Boolean[n];
    Long[] owners = new Long[n];
    Integer[] products = new Integer[n];
    Long[] ids = new Long[n];
    for (int i = 0; i < n; i++) {
      DeviceEvent event = batch.get(i).event.event();
      owners[i] = batch.get(i).event.ownerId();
      products[i] = batch.get(i).event.productId();
      ids[i] = batch.get(i).event.id();
      devices[i] = event.deviceId();
      names[i] = event.name();
      data[i] = event.data();
      times[i] = utc(event.publishedAtMillis());
      ttls[i] = event.ttl();
      publics[i] = event.isPublic();
    }
    if (copy != null && !hasOutboxRows(batch)) {
      long[] millis = new long[n];
      for (int i = 0; i < n; i++) {
        millis[i] = batch.get(i).event.event().publishedAtMillis();
      }
      return copy.copy(new EventCopier.Rows(ids, devices, names, data, millis, ttls, publics, owners, products))
          .onSuccess(written -> heardIn(batch, times));
    }
    Tuple rows = Tuple.of(devices, names, data, times, ttls, publics, owners).addArrayOfLong(ids).addArrayOfInteger(products);
    String statement = addOutbox(batch, rows) ? INSERT_WITH_OUTBOX : fresh ? INSERT_NEW : INSERT;
    if (settings.durability() != Durability.RELAXED) {
      // one statement, its own transaction: no BEGIN and COMMIT round trips
      return pool.preparedQuery(statement).execute(rows).<Void>mapEmpty().onSuccess(written -> heardIn(batch, times));
    }
    return pool.withTransaction(connection ->
        // pipelined ahead of the INSERT on the same connection, so no round trip of its own
        Future.all(connection.query(COMMIT_WITHOUT_FLUSH).execute(), connection.preparedQuery(statement).execute(rows)))
        .<Void>mapEmpty().onSuccess(written -> heardIn(batch, times));
  }

  /**
   * Adds the batch's outbox rows ($10 to $13 of {@link EventStatements#INSERT_WITH_OUTBOX}) when any of
   * its events triggers an integration.
   *
   * @return whether it did
   */
  private static boolean hasOutboxRows(List<Pending> batch) {
    for (Pending pending : batch) {
      if (pending.integrations != null && pending.integrations.length > 0) {
        return true;
      }
    }
    return false;
  }

  private boolean addOutbox(List<Pending> batch, Tuple rows) {
    int n = 0;
    for (Pending pending : batch) {
      n += pending.integrations == null ? 0 : pending.integrations.length;
    }
    if (n == 0) {
      return false;
    }
    Long[] events = new Long[n];
    String[] integrations = new String[n];
    String[] claimedBy = new String[n];
    int i = 0;
    for (Pending pending : batch) {
      if (pending.integrations != null) {
        for (String integration : pending.integrations) {
          events[i] = pending.event.id();
          integrations[i] = integration;
          claimedBy[i++] = pending.claimed ? outbox.nodeId() : null;
        }
      }
    }
    rows.addArrayOfLong(events).addArrayOfString(integrations).addArrayOfString(claimedBy).addInteger(outbox.leaseSeconds());
    return true;
  }

  /**
   * The time in UTC, without OffsetDateTime.ofInstant: that asks the offset for its rules, which builds
   * a new ZoneRules each time (about 1 % of the node's samples in a JFR profile of the ingest benchmark at 20,000 events/s).
   */
  private static OffsetDateTime utc(long millis) {
    return OffsetDateTime.of(LocalDateTime.ofEpochSecond(Math.floorDiv(millis, 1000), (int) Math.floorMod(millis, 1000) * 1_000_000, ZoneOffset.UTC),
        ZoneOffset.UTC);
  }

  /** The devices of a committed batch were heard (not for their status events, nor the cloud's own). */
  private void heardIn(List<Pending> batch, OffsetDateTime[] times) {
    for (int i = 0; i < batch.size(); i++) {
      DeviceEvent event = batch.get(i).event.event();
      if (!event.name().startsWith(DeviceEvent.STATUS) && !DeviceEvent.CLOUD_PUBLISHER.equals(event.deviceId())) {
        heard(event.deviceId(), times[i]);
      }
    }
  }

  /** A part of the queue, by device: at most one batch in flight, so a device's events commit in order. */
  private final class Lane {

    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    /** With {@code events.write-form=copy}; else null. */
    private final EventCopier copier;
    /**
     * The highest id that was in a write that failed: events up to it are written again only by the
     * INSERT with ON CONFLICT, which finds rows already there (a commit whose answer was lost).
     */
    private long rewriteThrough = Long.MIN_VALUE;
    private boolean writing;
    /** The first id of the batch in flight. */
    private long writingFrom;
    private long retryTimer = -1;
    /** Events still to write one at a time, after their batch was refused for its data. */
    private int isolating;

    Lane(EventCopier copier) {
      this.copier = copier;
    }

    /** The lowest id in this lane not yet settled, Long.MAX_VALUE when none. */
    long firstUnsettled() {
      if (writing) {
        return writingFrom;
      }
      Pending head = queue.peek();
      return head == null ? Long.MAX_VALUE : head.event.id();
    }

    void writeNextBatch() {
      if (writing || queue.isEmpty() || retryTimer >= 0) {
        return;
      }
      writing = true;
      int n = isolating > 0 ? 1 : Math.min(settings.batchSize(), queue.size());
      List<Pending> batch = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        batch.add(queue.poll());
      }
      writingFrom = batch.get(0).event.id();
      queued -= n;
      inFlight += n;
      metrics.queueDepth.set(queued);
      long sent = System.nanoTime();
      // ids increase along the lane: the batch is new when its first event is
      boolean fresh = batch.get(0).event.id() > rewriteThrough;
      boolean copied = copier != null && fresh;
      write(batch, copied ? copier : null, fresh).onComplete(result -> {
        writing = false;
        inFlight -= n;
        if (result.failed()) {
          rewriteThrough = Math.max(rewriteThrough, batch.get(n - 1).event.id());
        }
        if (result.succeeded()) {
          metrics.batchSize.record(n);
          metrics.commitLatency.record(System.nanoTime() - sent, TimeUnit.NANOSECONDS);
          isolating = Math.max(0, isolating - batch.size());
          long now = System.nanoTime();
          for (Pending pending : batch) {
            metrics.writeLatency.record(now - pending.acceptedNanos, TimeUnit.NANOSECONDS);
            settle(pending);
            ProductSeries.Series series = products.of(pending.event.productId());
            if (series != null) {
              series.written();
            }
            pending.written.complete();
            if (pending.claimed) {
              outbox.committed(pending.event, pending.integrations);
            }
          }
          metrics.written.increment(batch.size());
          settled();
          // group commit: what arrived during this commit goes now, not at the next tick
          writeNextBatch();
        } else if (copied) {
          // COPY has no ON CONFLICT: whatever failed (the data, the connection, a commit whose answer was lost),
          // the INSERT writes the batch again, now, and its own handling of failures applies
          metrics.writeFailures.increment();
          LOG.warn("event batch not copied, writing it by INSERT [events: {}, cause: {}]", batch.size(), result.cause().getMessage());
          requeue(batch);
          writeNextBatch();
        } else if (isRefusedForItsData(result.cause()) && batch.size() == 1 && !fresh) {
          // one event the database will never take, even with ON CONFLICT: dropped, so that it cannot hold up the rest
          isolating = Math.max(0, isolating - 1);
          metrics.dropped[Refusal.REFUSED_BY_DATABASE.ordinal()].increment();
          ProductSeries.Series series = products.of(batch.get(0).event.productId());
          if (series != null) {
            series.dropped();
          }
          settle(batch.get(0));
          if (batch.get(0).claimed) {
            outbox.release(batch.get(0).integrations.length);
          }
          LOG.warn("event dropped: the database refuses it [device-id: {}, name: {}, cause: {}]",
              batch.get(0).event.event().deviceId(), batch.get(0).event.event().name(), result.cause().getMessage());
          batch.get(0).written.fail(new DeviceFailure(Refusal.REFUSED_BY_DATABASE.kind(), EventRefusals.describe(Refusal.REFUSED_BY_DATABASE, null)));
          // settled, though not stored: a resuming stream must not wait for it
          settled();
          writeNextBatch();
        } else if (isRefusedForItsData(result.cause())) {
          // find the event the database refuses by writing this batch one event at a time, with ON CONFLICT:
          // a new batch's key violation is a row already there, not a refusal
          isolating = batch.size();
          requeue(batch);
          writeNextBatch();
        } else {
          metrics.writeFailures.increment();
          LOG.warn("event batch not written, retrying in 1 s [events: {}, cause: {}]", batch.size(), result.cause().getMessage());
          requeue(batch);
          retryTimer = vertx.setTimer(1000, id -> {
            retryTimer = -1;
            writeNextBatch();
          });
        }
      });
    }

    private void requeue(List<Pending> batch) {
      for (int i = batch.size() - 1; i >= 0; i--) {
        queue.addFirst(batch.get(i));
      }
      queued += batch.size();
      metrics.queueDepth.set(queued);
    }
  }

  /** {@code integrations}: the outbox rows written with the event, null when none; {@code claimed}: claimed by this node at insert. */
  private record Pending(LiveEvent event, Tenant tenant, Promise<Void> written, long acceptedNanos, String[] integrations, boolean claimed) {
  }

  private record Waiter(long through, Promise<Long> promise) {
  }
}
