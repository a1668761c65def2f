package io.drover.loadtests.swarm;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Latencies in nanoseconds, three significant digits, up to a minute (longer ones are clamped, not
 * lost). Not thread-safe: each swarm slice records into its own on its event loop, and the slices'
 * histograms are merged once they have stopped.
 */
public final class LatencyHistogram {

  private static final long HIGHEST = TimeUnit.MINUTES.toNanos(1);

  private final Histogram histogram = new Histogram(HIGHEST, 3);

  public void recordNanos(long nanos) {
    histogram.recordValue(Math.max(0, Math.min(nanos, HIGHEST)));
  }

  public void add(LatencyHistogram other) {
    histogram.add(other.histogram);
  }

  public long count() {
    return histogram.getTotalCount();
  }

  /** @return the latency at {@code percentile} (0 to 100) in milliseconds, or 0 when nothing was recorded */
  public double percentileMillis(double percentile) {
    return count() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1e6;
  }

  public double maxMillis() {
    return count() == 0 ? 0 : histogram.getMaxValue() / 1e6;
  }
}
