package io.drover.gateway.intake;

/**
 * A token bucket: {@code perSecond} requests a second on average (or {@link #perMinute} a minute), up
 * to {@code burst} at once after a quiet spell. Not thread-safe: one per device session, used on that
 * session's thread.
 */
public final class RateLimit {

  /** Tokens added per nanosecond. */
  private final double perNano;
  private final int burst;
  private double tokens;
  private long lastNanos;

  public RateLimit(int perSecond, int burst) {
    this(perSecond, 1e9, burst);
  }

  private RateLimit(int perPeriod, double periodNanos, int burst) {
    if (perPeriod < 1 || burst < 1) {
      throw new IllegalArgumentException("a rate limit needs a positive rate and burst");
    }
    this.perNano = perPeriod / periodNanos;
    this.burst = burst;
    this.tokens = burst;
    this.lastNanos = System.nanoTime();
  }

  /** A bucket for what is rarer than once a second: {@code perMinute} a minute on average, up to {@code burst} at once. */
  public static RateLimit perMinute(int perMinute, int burst) {
    return new RateLimit(perMinute, 60e9, burst);
  }

  /** @return false when the request is over the limit and must be refused */
  public boolean tryAcquire() {
    long now = System.nanoTime();
    tokens = Math.min(burst, tokens + (now - lastNanos) * perNano);
    lastNanos = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
