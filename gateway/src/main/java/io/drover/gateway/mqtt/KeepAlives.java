package io.drover.gateway.mqtt;

import io.vertx.core.Vertx;

/**
 * The keep-alive rule of one MQTT listener instance (MQTT 3.1.1 section 3.1.2.10, MQTT 5 section
 * 3.1.2.10): a connection whose client asked for a keep-alive of k seconds and from which no packet has
 * been read for 1.5 k seconds (rounded up to a whole second, as vertx-mqtt did) is closed.
 *
 * <p>One timing wheel for all the connections of the instance, instead of a Netty
 * {@code IdleStateHandler} with its own scheduled task and two pipeline stages per connection (about
 * 250 bytes an idle session held for its whole life). The wheel turns every {@link #TICK_MILLIS}; a
 * connection sits in the slot of the tick its deadline falls in, and is looked at only then: if it was
 * heard from since, it moves to the slot of its new deadline, else it is closed. So a tick touches the
 * connections whose deadline comes in it, not all of them, and a packet costs one field write
 * ({@link Entry#heard}). A connection is closed after between 1.5 k seconds and 1.5 k seconds and one
 * tick of silence, never sooner; later only when the event loop is late.
 *
 * <p>Not thread-safe: every method runs on the event loop of the listener instance, as do its
 * connections' packets. The wheel's periodic timer runs only while it holds a connection.
 */
final class KeepAlives {

  static final long TICK_MILLIS = 500;
  private static final int TICKS_PER_SECOND = (int) (1_000 / TICK_MILLIS);
  /** A power of two: 256 s; a longer deadline waits in its slot for the wheel's later turns. */
  private static final int SLOTS = 512;

  private final Vertx vertx;
  private final Entry[] slots = new Entry[SLOTS];
  /** Ticks since the wheel was made; a connection's {@link Entry#heard} is read from it. */
  private int tick;
  private int watched;
  private long timer = -1;

  KeepAlives(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * One watched connection: the fields of the wheel, held by the connection's own object (no object
   * more per connection).
   */
  abstract static class Entry {
    /** The tick of the last packet read; written for every packet. */
    int heard;
    private int timeoutTicks;
    /** The tick whose slot holds this entry. */
    private int due;
    private Entry previous;
    private Entry next;
    private boolean inWheel;

    /** Nothing has been read for the keep-alive's 1.5 times: close the connection. Called once, on the event loop. */
    abstract void keepAliveExpired();
  }

  /** The tick to stamp a packet with ({@link Entry#heard}). */
  int now() {
    return tick;
  }

  /**
   * Watches a connection whose client asked for a keep-alive of {@code keepAliveSeconds} (not 0: that
   * turns the rule off) from now, the tick of its CONNECT.
   */
  void watch(Entry entry, int keepAliveSeconds) {
    if (entry.inWheel || keepAliveSeconds <= 0) {
      return;
    }
    // 1.5 times the keep-alive, rounded up to a second as vertx-mqtt's IdleStateHandler was
    int timeoutSeconds = (int) Math.ceil(keepAliveSeconds * 1.5);
    entry.timeoutTicks = timeoutSeconds * TICKS_PER_SECOND;
    entry.heard = tick;
    entry.inWheel = true;
    insert(entry, deadline(entry));
    if (watched++ == 0) {
      timer = vertx.setPeriodic(TICK_MILLIS, TICK_MILLIS, id -> turn());
    }
  }

  /** The connection closed: no longer watched. */
  void forget(Entry entry) {
    if (!entry.inWheel) {
      return;
    }
    remove(entry);
    entry.inWheel = false;
    release();
  }

  /** Connections watched; for tests. */
  int watched() {
    return watched;
  }

  /**
   * The first tick on which the silence since {@link Entry#heard} has lasted the whole timeout: a packet
   * stamped with tick t came between t and t + 1, so the close waits one tick more than the timeout.
   */
  private static int deadline(Entry entry) {
    return entry.heard + entry.timeoutTicks + 1;
  }

  /** One tick of the wheel; package-private so that a test can turn it past what it could wait for. */
  void turn() {
    tick++;
    int slot = tick & (SLOTS - 1);
    Entry expired = null;
    Entry entry = slots[slot];
    while (entry != null) {
      Entry next = entry.next;
      if (entry.due - tick <= 0) {
        int deadline = deadline(entry);
        remove(entry);
        if (deadline - tick <= 0) {
          entry.inWheel = false;
          release();
          entry.next = expired; // out of the wheel: its link chains the expired until they are closed
          expired = entry;
        } else {
          insert(entry, deadline);
        }
      }
      entry = next;
    }
    // closed once the slot is walked: a close runs the connection's close listener, which may forget others
    while (expired != null) {
      Entry next = expired.next;
      expired.next = null;
      expired.keepAliveExpired();
      expired = next;
    }
  }

  private void release() {
    if (--watched == 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void insert(Entry entry, int due) {
    int slot = due & (SLOTS - 1);
    entry.due = due;
    entry.previous = null;
    entry.next = slots[slot];
    if (entry.next != null) {
      entry.next.previous = entry;
    }
    slots[slot] = entry;
  }

  private void remove(Entry entry) {
    if (entry.previous != null) {
      entry.previous.next = entry.next;
    } else {
      slots[entry.due & (SLOTS - 1)] = entry.next;
    }
    if (entry.next != null) {
      entry.next.previous = entry.previous;
    }
    entry.previous = null;
    entry.next = null;
  }
}
