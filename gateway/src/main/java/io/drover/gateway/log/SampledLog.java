package io.drover.gateway.log;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * A logger for what devices and the network can cause by the thousand a second (refused connects and
 * messages, connections closed for a bound, malformed packets): at most one line per reason per
 * interval, one second by default. The next line of a reason ends with how many of its lines were left
 * out since the last one, so the log still tells the size of a flood; the exact counts are in the
 * metrics. Thread-safe and lock-free: called from every event loop and from Californium's threads.
 *
 * <p>A reason is a fixed word of the caller's ({@code bad_credentials}, {@code slow_reader}), never
 * text from a device: each reason keeps a small window for the life of the logger. Device text in the
 * arguments goes through {@link LogText#untrusted} first.
 */
public final class SampledLog {

  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
  /** For what a person's client repeats (HTTP timeouts, refused connections, cut streams). */
  public static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  private final Logger logger;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final ConcurrentMap<String, Window> windows = new ConcurrentHashMap<>();

  public SampledLog(Logger logger) {
    this(logger, DEFAULT_INTERVAL, System::nanoTime);
  }

  public SampledLog(Logger logger, Duration interval) {
    this(logger, interval, System::nanoTime);
  }

  /** @param nanoTime the clock, {@link System#nanoTime} but in tests */
  public SampledLog(Logger logger, Duration interval, LongSupplier nanoTime) {
    this.logger = logger;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
  }

  public void debug(String reason, String format, Object... arguments) {
    log(Level.DEBUG, reason, format, arguments);
  }

  public void info(String reason, String format, Object... arguments) {
    log(Level.INFO, reason, format, arguments);
  }

  public void warn(String reason, String format, Object... arguments) {
    log(Level.WARN, reason, format, arguments);
  }

  /**
   * Logs the line if its reason has had none for an interval, else counts it as left out. A line at a
   * level the logger does not write is neither logged nor counted.
   */
  public void log(Level level, String reason, String format, Object... arguments) {
    if (!logger.isEnabledForLevel(level)) {
      return;
    }
    Window window = windows.computeIfAbsent(reason, ignored -> new Window(nanoTime.getAsLong() - intervalNanos));
    long now = nanoTime.getAsLong();
    long next = window.nextNanos.get();
    if (now - next < 0 || !window.nextNanos.compareAndSet(next, now + intervalNanos)) {
      window.suppressed.incrementAndGet();
      return;
    }
    long suppressed = window.suppressed.getAndSet(0);
    if (suppressed == 0) {
      logger.atLevel(level).log(format, arguments);
      return;
    }
    Object[] withCount = new Object[arguments.length + 1];
    System.arraycopy(arguments, 0, withCount, 0, arguments.length);
    withCount[arguments.length] = suppressed;
    logger.atLevel(level).log(format + " ({} more like it not logged)", withCount);
  }

  private static final class Window {
    /** When the next line of this reason may be written. */
    final AtomicLong nextNanos;
    final AtomicLong suppressed = new AtomicLong();

    Window(long firstNanos) {
      this.nextNanos = new AtomicLong(firstNanos);
    }
  }
}
