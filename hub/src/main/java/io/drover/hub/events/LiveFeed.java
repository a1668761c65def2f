package io.drover.hub.events;

import io.drover.hub.HubAddresses;
import io.drover.hub.devices.DeviceDirectory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The node's one live feed for its event streams, which the API instances share: the bus consumer of
 * {@code hub.events.live-batches}, the per-account stream limits ({@code events.max-streams-per-user},
 * {@code events.stream-opens-per-minute}, which are the node's, not an instance's) and the hand-over
 * of the events to every API instance that has a stream open.
 *
 * <p>Everything here is owned by this verticle's context: an instance reaches it by a task on that
 * context ({@link #open}, {@link #closed}) and is answered on its own, so the limits are held exactly
 * across instances, without a lock. Each event reaches an instance's {@code EventStreamApi} once, in the
 * order the feed received them: a batch of them ({@link LiveEvents}, what a hub node accepted in one turn
 * of its loop) as one task on the instance's context.
 *
 * <p>An event several instances take is formatted here, once, and the same bytes are written by each
 * of them (a buffer is only read once made). When one instance alone has streams of the kind, it formats
 * the event itself if one of them takes it, as a single instance always did: nothing is formatted for
 * an event no stream takes.
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
  private MessageConsumer<LiveEvents> consumer;
  /** Streams open on the node: the feed runs while there are any. */
  private int streams;
  private long lingerTimer = -1;
  private long sweepTimer = -1;

  public LiveFeed(EventSettings settings, DeviceDirectory directory) {
    this.directory = directory;
    this.limits = new StreamLimits(settings.maxStreamsPerUser(), settings.streamOpensPerMinute());
  }

  /** An event on its way to an instance's streams, with the frames made for it here (null: not made here). */
  record Fanned(LiveEvent live, DeviceDirectory.ProductPlace place, Buffer frame, Buffer productFrame) {
  }

  /** One API instance's end of the feed; its counts are touched on the feed's context only. */
  static final class Instance {
    final Context context;
    final Consumer<List<Fanned>> deliver;
    int plainStreams;
    int productStreams;

    private Instance(Context context, Consumer<List<Fanned>> deliver) {
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
   * An API instance's end: {@code deliver} is called on {@code instanceContext} with each batch of
   * events, in order, once the instance has a stream open. Called as the instance mounts; any thread.
   */
  Instance attach(Context instanceContext, Consumer<List<Fanned>> deliver) {
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
  Future<StreamLimits.Refusal> open(Instance instance, String account, boolean productStream) {
    return onFeed(instance.context, () -> {
      StreamLimits.Refusal refusal = limits.tryOpen(account, System.nanoTime());
      if (refusal != null) {
        return Future.succeededFuture(refusal);
      }
      if (productStream) {
        instance.productStreams++;
      } else {
        instance.plainStreams++;
      }
      streams++;
      return listen().transform(registered -> Future.succeededFuture(null));
    });
  }

  /** A stream that {@link #open} let open has closed. Called on the instance's context. */
  void closed(Instance instance, String account, boolean productStream) {
    context.runOnContext(ignored -> {
      limits.closed(account);
      if (productStream) {
        instance.productStreams--;
      } else {
        instance.plainStreams--;
      }
      streams--;
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
    if (streams == 0 && consumer != null && lingerTimer < 0) {
      lingerTimer = vertx.setTimer(LINGER_MS, id -> {
        lingerTimer = -1;
        if (streams == 0 && consumer != null) {
          consumer.unregister();
          consumer = null;
        }
      });
    }
  }

  /** Hands the batch's events, in order, to each instance with a stream open, as one task each; on this context. */
  private void fanOut(LiveEvents batch) {
    int plainTakers = 0;
    int productTakers = 0;
    for (Instance instance : instances) {
      if (instance.plainStreams > 0) {
        plainTakers++;
      }
      if (instance.productStreams > 0) {
        productTakers++;
      }
    }
    if (plainTakers + productTakers == 0) {
      return;
    }
    List<LiveEvent> events = batch.events();
    List<Fanned> fanned = new ArrayList<>(events.size());
    for (LiveEvent live : events) {
      fanned.add(fanned(live, plainTakers, productTakers));
    }
    for (Instance instance : instances) {
      if (instance.plainStreams + instance.productStreams > 0) {
        instance.context.runOnContext(ignored -> instance.deliver.accept(fanned));
      }
    }
  }

  private Fanned fanned(LiveEvent live, int plainTakers, int productTakers) {
    // product streams take the event by the product stamped on it; the directory gives only its firmware version
    DeviceDirectory.ProductPlace place = live.productId() == null ? null : directory.placeOf(live.event().deviceId());
    // several instances may take it: formatted once, here, rather than once in each
    Buffer frame = plainTakers > 1 ? SseFormat.frameBytes(live.id(), live.event()) : null;
    Buffer productFrame = live.productId() != null && productTakers > 1
        ? SseFormat.productFrameBytes(live.id(), live.event(), live.ownerId(), live.productId(), place)
        : null;
    return new Fanned(live, place, frame, productFrame);
  }
}
