package io.drover.hub.customers;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wrong activation codes per customer, so that 4 characters (about a million codes) cannot be
 * guessed through: past {@value #MAX_WRONG} wrong codes in {@value #WINDOW_MINUTES} minutes a
 * customer's claims with a code are refused until the window ends. In memory, per node: a bound on
 * guessing, not an audit. The map drops stale entries when it grows past {@value #SWEEP_AT}.
 */
final class CodeGuesses {

  static final int MAX_WRONG = 10;
  static final int WINDOW_MINUTES = 15;
  private static final long WINDOW_NANOS = WINDOW_MINUTES * 60L * 1_000_000_000L;
  private static final int SWEEP_AT = 10_000;

  private record Tally(long since, int wrong) {
  }

  private final Map<Long, Tally> tallies = new ConcurrentHashMap<>();

  boolean blocked(long customerId, long now) {
    Tally tally = tallies.get(customerId);
    return tally != null && now - tally.since < WINDOW_NANOS && tally.wrong >= MAX_WRONG;
  }

  void wrong(long customerId, long now) {
    if (tallies.size() > SWEEP_AT) {
      tallies.values().removeIf(tally -> now - tally.since >= WINDOW_NANOS);
    }
    tallies.merge(customerId, new Tally(now, 1),
        (old, fresh) -> now - old.since >= WINDOW_NANOS ? fresh : new Tally(old.since, old.wrong + 1));
  }
}
