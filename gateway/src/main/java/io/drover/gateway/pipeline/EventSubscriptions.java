package io.drover.gateway.pipeline;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The sessions of one transport on this node that subscribed to their owner's events (a Particle
 * device's {@code GET /e/{prefix}}), by the account and the product the events must belong to. The hub
 * node that accepts an event publishes it once to {@link BusAddresses#ownerEvents} and, for a product's
 * event, to {@link BusAddresses#productEvents}; this node listens on an address only while one of its
 * sessions needs it, so an event reaches only the nodes with a session of that account or product, and
 * each of those once. Which prefixes match is each session's own business ({@link LiveSession#offerSubscribed}).
 *
 * <p>Thread-safe: sessions of every shard join and leave (rarely: once per subscribed session); the
 * consumers deliver on the context that registered them, reading the sets without a lock.
 */
final class EventSubscriptions {

  private final Vertx vertx;
  private final Map<Long, Set<LiveSession>> byOwner = new ConcurrentHashMap<>();
  private final Map<Integer, Set<LiveSession>> byProduct = new ConcurrentHashMap<>();
  /** Guarded by {@code this}: the consumer of each address some session needs. */
  private final Map<String, MessageConsumer<DeviceEvent>> consumers = new HashMap<>();

  EventSubscriptions(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * The session gets the events of its owner and, when it is in a product, of that product.
   *
   * @param ownerId null: the device is nobody's, so no account's events
   * @param productId null: in no product
   */
  synchronized void join(LiveSession session, Long ownerId, Integer productId) {
    if (ownerId != null) {
      add(byOwner, ownerId, session, BusAddresses.ownerEvents(ownerId), message -> deliver(byOwner.get(ownerId), message.body(), null));
    }
    if (productId != null) {
      // an event of the product that is also this account's comes on the account's address: skip it here
      add(byProduct, productId, session, BusAddresses.productEvents(productId),
          message -> deliver(byProduct.get(productId), message.body(), ownerOf(message)));
    }
  }

  synchronized void leave(LiveSession session, Long ownerId, Integer productId) {
    if (ownerId != null) {
      remove(byOwner, ownerId, session, BusAddresses.ownerEvents(ownerId));
    }
    if (productId != null) {
      remove(byProduct, productId, session, BusAddresses.productEvents(productId));
    }
  }

  /** The sessions subscribed through this node, for tests and the measurement. */
  int sessions() {
    int count = 0;
    for (Set<LiveSession> sessions : byOwner.values()) {
      count += sessions.size();
    }
    return count;
  }

  private <K> void add(Map<K, Set<LiveSession>> index, K key, LiveSession session, String address,
      io.vertx.core.Handler<Message<DeviceEvent>> handler) {
    index.computeIfAbsent(key, ignored -> new CopyOnWriteArraySet<>()).add(session);
    consumers.computeIfAbsent(address, ignored -> vertx.eventBus().consumer(address, handler));
  }

  private <K> void remove(Map<K, Set<LiveSession>> index, K key, LiveSession session, String address) {
    Set<LiveSession> sessions = index.get(key);
    if (sessions == null || !sessions.remove(session) || !sessions.isEmpty()) {
      return;
    }
    index.remove(key);
    MessageConsumer<DeviceEvent> consumer = consumers.remove(address);
    if (consumer != null) {
      consumer.unregister();
    }
  }

  private static void deliver(Set<LiveSession> sessions, DeviceEvent event, Long skipOwner) {
    if (sessions == null) {
      return;
    }
    for (LiveSession session : sessions) {
      session.offerSubscribed(event, skipOwner);
    }
  }

  private static Long ownerOf(Message<DeviceEvent> message) {
    String owner = message.headers().get(BusAddresses.EVENT_OWNER_HEADER);
    if (owner == null) {
      return null;
    }
    try {
      return Long.valueOf(owner);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
