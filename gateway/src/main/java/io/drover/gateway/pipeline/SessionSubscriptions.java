package io.drover.gateway.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The event prefixes one session subscribed to, and whose events it may get: made at the session's
 * first subscription, forgotten with the session (Device OS subscribes again on every session). The
 * prefixes are read and changed on the session's context only; {@link #inFlight} is taken on the
 * delivering consumer's thread.
 */
final class SessionSubscriptions {

  /** Prefixes one session may hold: Device OS holds at most a few (its {@code MAX_SUBSCRIPTIONS}), MQTT's bound is 16. */
  static final int MAX_PREFIXES = 16;
  /** Events on their way to one device and not yet acknowledged by it; past them, more are dropped and counted. */
  static final int MAX_IN_FLIGHT = 8;

  private final List<String> prefixes = new ArrayList<>(2);
  /** Taken before an event hops onto the session's context, given back when the device acknowledged it or it failed. */
  final AtomicInteger inFlight = new AtomicInteger();
  /** Set once the hub said whose the device is; null until then, and for a device nobody owns. */
  Long ownerId;
  Integer productId;
  /** Whether the session joined the node's {@link EventSubscriptions} (and must leave it). */
  boolean joined;

  boolean holds(String prefix) {
    return prefixes.contains(prefix);
  }

  boolean isFull() {
    return prefixes.size() >= MAX_PREFIXES;
  }

  void add(String prefix) {
    prefixes.add(prefix);
  }

  /** Device OS matches a prefix on the name's bytes (communication/src/subscriptions.cpp): a plain {@code startsWith}. */
  boolean matches(String name) {
    for (int i = 0; i < prefixes.size(); i++) {
      if (name.startsWith(prefixes.get(i))) {
        return true;
      }
    }
    return false;
  }
}
