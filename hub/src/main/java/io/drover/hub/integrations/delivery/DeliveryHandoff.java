package io.drover.hub.integrations.delivery;

import io.drover.hub.events.EventOutbox;
import io.drover.hub.events.LiveEvent;
import io.vertx.core.Context;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The events verticle's side of the engine ({@link EventOutbox}): matching in the shared index, and a
 * count of the deliveries this node holds in memory, bounded by {@code integrations.queue-capacity}.
 * A reservation made when an event is accepted is a promise to deliver its rows from memory once they
 * commit, so they are written claimed by this node; when the engine is full they are written
 * unclaimed instead and wait for a claim (this node's, or another's). Thread-safe.
 */
final class DeliveryHandoff implements EventOutbox {

  private final IntegrationIndex index;
  private final DeliverySettings settings;
  private final String nodeId;
  private final AtomicInteger held = new AtomicInteger();
  private volatile Context engine;
  private volatile Receiver receiver;

  interface Receiver {
    /** Called on the engine's context. */
    void committed(LiveEvent event, String[] integrations);
  }

  DeliveryHandoff(IntegrationIndex index, DeliverySettings settings, String nodeId) {
    this.index = index;
    this.settings = settings;
    this.nodeId = nodeId;
  }

  /** The engine started: from now on it takes deliveries. */
  void open(Context context, Receiver receiver) {
    this.receiver = receiver;
    this.engine = context;
  }

  /** The engine stops: rows are written unclaimed from now on. */
  void close() {
    this.engine = null;
  }

  @Override
  public String[] match(LiveEvent event) {
    return HookEvents.PUBLISHER.equals(event.event().deviceId()) ? null : index.match(event);
  }

  @Override
  public boolean reserve(int deliveries) {
    if (engine == null) {
      return false;
    }
    while (true) {
      int now = held.get();
      if (now + deliveries > settings.queueCapacity()) {
        return false;
      }
      if (held.compareAndSet(now, now + deliveries)) {
        return true;
      }
    }
  }

  /** The engine's own reservations for what it claims: up to {@code wanted}, as room allows. */
  int reserveUpTo(int wanted) {
    while (true) {
      int now = held.get();
      int take = Math.min(wanted, settings.queueCapacity() - now);
      if (take <= 0) {
        return 0;
      }
      if (held.compareAndSet(now, now + take)) {
        return take;
      }
    }
  }

  @Override
  public void release(int deliveries) {
    held.addAndGet(-deliveries);
  }

  int held() {
    return held.get();
  }

  @Override
  public void committed(LiveEvent event, String[] integrations) {
    Context context = engine;
    if (context == null) {
      // stopping: the rows stay claimed until their lease ends, then any node claims them
      release(integrations.length);
      return;
    }
    context.runOnContext(ignored -> receiver.committed(event, integrations));
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public int leaseSeconds() {
    return (int) settings.lease().toSeconds();
  }
}
