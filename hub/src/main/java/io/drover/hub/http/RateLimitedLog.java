package io.drover.hub.http;

import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;

/**
 * A log line for what overload or abuse can repeat without bound (refused connections, timed-out
 * requests, cut streams): written at most once per interval, with how many like it were held back
 * since the last one written. Thread-safe.
 */
public final class RateLimitedLog {

  private final Logger log;
  private final long intervalNanos;
  private long nextAllowed = Long.MIN_VALUE;
  private long heldBack;

  public RateLimitedLog(Logger log, Duration interval) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
  }

  /** @param format an SLF4J format; the count held back is added as its last key */
  public void info(String format, Object... args) {
    long skipped;
    long now = System.nanoTime();
    synchronized (this) {
      if (nextAllowed != Long.MIN_VALUE && now - nextAllowed < 0) {
        heldBack++;
        return;
      }
      nextAllowed = now + intervalNanos;
      skipped = heldBack;
      heldBack = 0;
    }
    if (log.isInfoEnabled()) {
      Object[] withCount = Arrays.copyOf(args, args.length + 1);
      withCount[args.length] = skipped;
      log.info(format.endsWith("]") ? format.substring(0, format.length() - 1) + ", held-back: {}]" : format + " [held-back: {}]", withCount);
    }
  }
}
