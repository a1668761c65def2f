package io.drover.hub.events;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Per account: how many event streams are open, and a token bucket for how many may be opened (it
 * holds a minute's worth and refills continuously): the node's, whichever API instance a stream opens
 * on. Used on the {@link LiveFeed}'s context only, which the instances ask. An
 * account's entry goes once it has no stream open and its bucket is full again, so the map holds
 * only accounts active in the last minute or so.
 */
final class StreamLimits {

  private final int maxOpen;
  private final int opensPerMinute;
  private final Map<String, Budget> budgets = new HashMap<>();

  StreamLimits(int maxOpen, int opensPerMinute) {
    this.maxOpen = maxOpen;
    this.opensPerMinute = opensPerMinute;
  }

  enum Refusal { TOO_MANY_OPEN, TOO_MANY_OPENS }

  /** @return null when the account may open one more stream (counted as open), else why not */
  Refusal tryOpen(String account, long nowNanos) {
    Budget budget = budgets.computeIfAbsent(account, key -> new Budget(opensPerMinute, nowNanos));
    budget.refill(nowNanos, opensPerMinute);
    if (budget.open >= maxOpen) {
      return Refusal.TOO_MANY_OPEN;
    }
    if (budget.tokens < 1) {
      return Refusal.TOO_MANY_OPENS;
    }
    budget.tokens -= 1;
    budget.open++;
    return null;
  }

  void closed(String account) {
    Budget budget = budgets.get(account);
    if (budget != null && budget.open > 0) {
      budget.open--;
    }
  }

  /** Called now and then: forgets accounts with nothing open and a full bucket. */
  void sweep(long nowNanos) {
    for (Iterator<Budget> it = budgets.values().iterator(); it.hasNext(); ) {
      Budget budget = it.next();
      budget.refill(nowNanos, opensPerMinute);
      if (budget.open == 0 && budget.tokens >= opensPerMinute) {
        it.remove();
      }
    }
  }

  int accountsTracked() {
    return budgets.size();
  }

  private static final class Budget {
    int open;
    double tokens;
    long refilledAt;

    Budget(double tokens, long now) {
      this.tokens = tokens;
      this.refilledAt = now;
    }

    void refill(long now, int perMinute) {
      tokens = Math.min(perMinute, tokens + (now - refilledAt) * perMinute / 60e9);
      refilledAt = now;
    }
  }
}
