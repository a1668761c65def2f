package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The per-account token bucket on its own, with a clock the test moves. */
class StreamLimitsBucketTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void opensRefillAtTheRatePerMinuteAndNoFaster() {
    StreamLimits limits = new StreamLimits(100, 60);
    for (int i = 0; i < 60; i++) {
      assertNull(limits.tryOpen("a", 0));
      limits.closed("a");
    }
    assertEquals(StreamLimits.Refusal.TOO_MANY_OPENS, limits.tryOpen("a", 0));
    assertEquals(StreamLimits.Refusal.TOO_MANY_OPENS, limits.tryOpen("a", SECOND / 2), "half a token after half a second");
    assertNull(limits.tryOpen("a", SECOND), "one token a second at 60 a minute");
    assertNull(limits.tryOpen("b", SECOND), "each account has its own bucket");
  }

  @Test
  void accountsWithNothingOpenAndAFullBucketAreForgotten() {
    StreamLimits limits = new StreamLimits(2, 60);
    assertNull(limits.tryOpen("a", 0));
    assertNull(limits.tryOpen("b", 0));
    limits.closed("b");
    limits.sweep(0);
    assertEquals(2, limits.accountsTracked(), "b's bucket is not full yet");

    limits.sweep(60 * SECOND);

    assertEquals(1, limits.accountsTracked(), "a still has a stream open");
  }
}
