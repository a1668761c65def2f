package io.drover.hub.events;

import io.drover.hub.HubAddresses;
import io.drover.hub.devices.DeviceDirectory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The node's one live feed for its event streams, which the API instances share: the bus consumer of
 * {@code hub.events.live}, the per-account stream limits ({@code events.max-streams-per-user},
 * {@code events.stream-opens-per-minute}, which are the node's, not an instance's) and the hand-over
 * of each event to every API instance that has a stream open.
 *
 * <p>Everything here is owned by this verticle's context: an instance reaches it by a task on that
 * context ({@link #open}, {@link #closed}) and is answered on its own, so the limits are held exactly
 * across instances, without a lock. Each event reaches an instance's {@code EventStreamApi} once, as one
 * task on the instance's context, in the order the feed received them.
 *
 * <p>An event is formatted at most once, by the first instance one of whose streams takes it, and the
 * same bytes are written by every instance (a buffer is only read once made, see {@link Fanned}): nothing
 * is formatted for an event no stream takes.
 *
 * <p>The consumer is registered only while a stream is open on the node (and {@link #LINGER_MS} after
 * the last closes): in a cluster, the events accepted on every hub node are published to the nodes that
 * have a listener, so a node whose Console nobody is watching receives none of them.
 */
public final class LiveFeed extends VerticleBase {

  /** How long the feed runs on with no stream: see {@link #stopListeningIfIdle}. */
  static final long LINGER_MS = 10_000;

  private final DeviceDirectory directory;
  private final StreamLimits limits;
  /** The instances' ends; added as they mount, read on this context. */
  private final List<Instance> instances = new CopyOnWriteArrayList<>();
  private MessageConsumer<LiveEvent> consumer;
  private long lingerTimer = -1;
  private long sweepTimer = -1;

  public LiveFeed(EventSettings settings, DeviceDirectory directory) {
    this.directory = directory;
    this.limits = new StreamLimits(settings.maxStreamsPerUser(), settings.streamOpensPerMinute());
  }

  /**
   * An event on its way to the instances' streams, with its two frames (an account stream's, a product
   * stream's) made at their first use and then shared: the instances run on their own threads, so the
   * first to ask makes one under the lock and the others take it.
   */
  static final class Fanned {
    final LiveEvent live;
    /** The event's device's product now, from the directory (null: in none), for its firmware version. */
    final DeviceDirectory.ProductPlace place;
    private final Buffer[] frames = new Buffer[2];

    private Fanned(LiveEvent live, DeviceDirectory.ProductPlace place) {
      this.live = live;
      this.place = place;
    }

    /** @param product a product stream's frame (only those of the product stamped on the event take it), else an account stream's */
    synchronized Buffer frame(boolean product) {
      int kind = product ? 1 : 0;
      if (frames[kind] == null) {
        frames[kind] = Buffer.buffer(product
            ? SseFormat.productFrame(live.id(), live.event(), live.ownerId(), live.productId(), place)
            : SseFormat.frame(live.id(), live.event()));
      }
      return frames[kind];
    }
  }

  /** One API instance's end of the feed; its counts are touched on the feed's context only. */
  static final class Instance {
    final Context context;
    final Consumer<Fanned> deliver;
    /** Streams open on the instance. */
    int streams;

    private Instance(Context context, Consumer<Fanned> deliver) {
      this.context = context;
      this.deliver = deliver;
    }
  }

  @Override
  public Future<?> start() {
    sweepTimer = vertx.setPeriodic(60_000, id -> limits.sweep(System.nanoTime()));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    vertx.cancelTimer(lingerTimer);
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /**
   * An API instance's end: {@code deliver} is called on {@code instanceContext} with each event once
   * the instance has a stream open. Called as the instance mounts; any thread.
   */
  Instance attach(Context instanceContext, Consumer<Fanned> deliver) {
    Instance instance = new Instance(instanceContext, deliver);
    instances.add(instance);
    return instance;
  }

  /** The instance has stopped: it takes no more events. */
  void detach(Instance instance) {
    instances.remove(instance);
  }

  /**
   * A stream asks to open: counted against its account's limits and, when it may, the feed runs. Called
   * on the instance's context, answered there: null when the stream may open (the feed has then taken
   * it into account, and every event the feed receives from now on reaches the instance), else why not.
   * Answered once the cluster knows the consumer (a stream answered before could miss what another node
   * publishes meanwhile, a device's "online" right after the stream opened in ClusterTest); a failed
   * registration still opens the stream: this node's own events reach it.
   */
  Future<StreamLimits.Refusal> open(Instance instance, String account) {
    return onFeed(instance.context, () -> {
      StreamLimits.Refusal refusal = limits.tryOpen(account, System.nanoTime());
      if (refusal != null) {
        return Future.succeededFuture(refusal);
      }
      instance.streams++;
      return listen().transform(registered -> Future.succeededFuture(null));
    });
  }

  /** A stream that {@link #open} let open has closed. Called on the instance's context. */
  void closed(Instance instance, String account) {
    context.runOnContext(ignored -> {
      limits.closed(account);
      instance.streams--;
      stopListeningIfIdle();
    });
  }

  /** Runs {@code work} on this context; its outcome completes the answer on {@code caller}. */
  private <T> Future<T> onFeed(Context caller, Supplier<Future<T>> work) {
    Promise<T> answer = Promise.promise();
    context.runOnContext(ignored -> work.get().onComplete((result, failure) -> caller.runOnContext(back -> answer.complete(result, failure))));
    return answer.future();
  }

  private Future<Void> listen() {
    if (lingerTimer >= 0) {
      vertx.cancelTimer(lingerTimer);
      lingerTimer = -1;
    }
    if (consumer == null) {
      consumer = vertx.eventBus().consumer(HubAddresses.LIVE_EVENTS, message -> fanOut(message.body()));
    }
    return consumer.completion();
  }

  /**
   * The last stream gone, the cluster stops sending this node events, {@link #LINGER_MS} later. Not at
   * once: the events already on their way to the consumer (thousands, when the streams' writes had the
   * event loops behind) would each be discarded with a WARN line by Vert.x once it is unregistered.
   * Meanwhile they arrive with no stream to take them, which costs next to nothing; and a stream opened
   * in that time finds the feed running.
   */
  private void stopListeningIfIdle() {
    if (streamsOpen() == 0 && consumer != null && lingerTimer < 0) {
      lingerTimer = vertx.setTimer(LINGER_MS, id -> {
        lingerTimer = -1;
        if (streamsOpen() == 0 && consumer != null) {
          consumer.unregister();
          consumer = null;
        }
      });
    }
  }

  /** Streams open on the node, over every instance; on this context. */
  private int streamsOpen() {
    int open = 0;
    for (Instance instance : instances) {
      open += instance.streams;
    }
    return open;
  }

  /** Hands the event to each instance with a stream open; on this context. */
  private void fanOut(LiveEvent live) {
    Fanned fanned = null;
    for (Instance instance : instances) {
      if (instance.streams > 0) {
        if (fanned == null) {
          // product streams take the event by the product stamped on it; the directory gives only its firmware version
          fanned = new Fanned(live, live.productId() == null ? null : directory.placeOf(live.event().deviceId()));
        }
        Fanned taken = fanned;
        instance.context.runOnContext(ignored -> instance.deliver.accept(taken));
      }
    }
  }
}
