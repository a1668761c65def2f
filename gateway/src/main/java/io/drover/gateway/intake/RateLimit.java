package io.drover.gateway.intake;

/**
 * A token bucket: {@code perSecond} requests a second, with bursts of the same size. Not thread-safe:
 * one per device session, used on that session's thread.
 */
public final class RateLimit {

  private final int perSecond;
  private double tokens;
  private long lastNanos;

  public RateLimit(int perSecond) {
    this.perSecond = perSecond;
    this.tokens = perSecond;
    this.lastNanos = System.nanoTime();
  }

  /** @return false when the request is over the limit and must be refused (OVERLOADED) */
  public boolean tryAcquire() {
    long now = System.nanoTime();
    tokens = Math.min(perSecond, tokens + (now - lastNanos) * perSecond / 1e9);
    lastNanos = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
