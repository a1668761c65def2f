package io.drover.gateway.intake;

/**
 * A token bucket: {@code perSecond} requests a second on average, up to {@code burst} at once after a
 * quiet spell. Not thread-safe: one per device session, used on that session's thread.
 */
public final class RateLimit {

  private final int perSecond;
  private final int burst;
  private double tokens;
  private long lastNanos;

  public RateLimit(int perSecond, int burst) {
    if (perSecond < 1 || burst < 1) {
      throw new IllegalArgumentException("a rate limit needs a positive rate and burst");
    }
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.lastNanos = System.nanoTime();
  }

  /** @return false when the request is over the limit and must be refused */
  public boolean tryAcquire() {
    long now = System.nanoTime();
    tokens = Math.min(burst, tokens + (now - lastNanos) * perSecond / 1e9);
    lastNanos = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
