package io.drover.gateway.intake;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The token bucket of the per-device quotas: a burst, then the rate; per second or per minute. */
class RateLimitTest {

  @Test
  void aBurstIsTakenThenRefused() {
    RateLimit limit = new RateLimit(1, 3);

    assertTrue(limit.tryAcquire());
    assertTrue(limit.tryAcquire());
    assertTrue(limit.tryAcquire());
    assertFalse(limit.tryAcquire(), "the fourth at once is past the burst of three");
  }

  @Test
  void aPerMinuteBucketGivesAStepBackAtItsRateNotPerSecond() {
    RateLimit limit = RateLimit.perMinute(60, 1);
    assertTrue(limit.tryAcquire());
    long emptied = System.nanoTime();

    while (!limit.tryAcquire()) {
      assertTrue(System.nanoTime() - emptied < Duration.ofSeconds(5).toNanos(), "60 a minute gives one back within a second");
      Thread.onSpinWait();
    }
    long waited = System.nanoTime() - emptied;

    assertTrue(waited >= Duration.ofMillis(950).toNanos(), "one a second, not 60: given back after " + waited / 1_000_000 + " ms");
    assertFalse(limit.tryAcquire(), "and only one");
  }

  @Test
  void theStepBoundIsTenThenOneEveryTenSeconds() {
    RateLimit steps = StepQuota.newBucket();
    for (int i = 0; i < StepQuota.BURST; i++) {
      assertTrue(steps.tryAcquire(), "step " + (i + 1) + " of the burst");
    }

    assertFalse(steps.tryAcquire(), "the eleventh at once");
    assertTrue(StepQuota.describe().contains("10 handshake, firmware and settings steps, then one every 10 seconds"), StepQuota.describe());
  }
}
