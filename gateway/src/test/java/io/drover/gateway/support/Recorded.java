package io.drover.gateway.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What a fake saw, in arrival order, and a way to wait for a condition on it without sleeping: every
 * addition wakes the waiters, which test their condition again. Thread-safe: additions come from event
 * loops, Californium and Paho threads, waits from the test's thread.
 */
public final class Recorded<T> {

  public static final Duration WAIT = Duration.ofSeconds(5);

  private final List<T> items = new ArrayList<>();

  public synchronized void add(T item) {
    items.add(item);
    notifyAll();
  }

  public synchronized List<T> all() {
    return List.copyOf(items);
  }

  public synchronized int size() {
    return items.size();
  }

  /** @return everything recorded, once {@code condition} holds of it; fails when it does not hold within {@link #WAIT} */
  public List<T> await(Predicate<List<T>> condition, String what) {
    return await(condition, WAIT, what);
  }

  public synchronized List<T> await(Predicate<List<T>> condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.test(List.copyOf(items))) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what + "; recorded last: " + tail());
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
    return List.copyOf(items);
  }

  /** The last few items: a failure message with all of a shared fake's records would bury the point. */
  private List<T> tail() {
    return items.subList(Math.max(0, items.size() - 8), items.size());
  }

  /** @return the first item recorded at or after position {@code from} that matches */
  public T awaitFirst(int from, Predicate<T> match, String what) {
    return awaitFirst(from, match, WAIT, what);
  }

  public T awaitFirst(int from, Predicate<T> match, Duration timeout, String what) {
    List<T> seen = await(list -> firstMatch(list, from, match) != null, timeout, what);
    return firstMatch(seen, from, match);
  }

  public T awaitFirst(Predicate<T> match, String what) {
    return awaitFirst(0, match, what);
  }

  /** @return the items that match, once there are {@code count} of them */
  public List<T> awaitCount(Predicate<T> match, int count, String what) {
    return matching(await(list -> matching(list, match).size() >= count, what), match);
  }

  public List<T> matching(Predicate<T> match) {
    return matching(all(), match);
  }

  private static <T> List<T> matching(List<T> list, Predicate<T> match) {
    List<T> found = new ArrayList<>();
    for (T item : list) {
      if (match.test(item)) {
        found.add(item);
      }
    }
    return found;
  }

  private static <T> T firstMatch(List<T> list, int from, Predicate<T> match) {
    for (int i = from; i < list.size(); i++) {
      if (match.test(list.get(i))) {
        return list.get(i);
      }
    }
    return null;
  }
}
