package io.drover.loadtests.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RequestStatsTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void aRequestThatWaitedForItsTurnCountsItsWaitButItsRoundTripDoesNot() {
    CoapSwarmCommand.RequestStats stats = new CoapSwarmCommand.RequestStats();
    stats.window(1_000 * MS);

    // given a request scheduled at 100 ms, sent only at 400 ms (its device was busy), answered at 410 ms
    stats.answered(410 * MS, 100 * MS, 400 * MS, true);

    // then its latency is 310 ms from the schedule, and 10 ms as a round trip
    assertEquals(310, stats.latency().maxMillis(), 1);
    assertEquals(10, stats.service().maxMillis(), 0.1);
  }

  @Test
  void onlyAnswersWithinTheWindowCountTowardsTheRate() {
    CoapSwarmCommand.RequestStats stats = new CoapSwarmCommand.RequestStats();
    stats.window(1_000 * MS);

    stats.answered(999 * MS, 990 * MS, 990 * MS, true);
    stats.answered(1_001 * MS, 995 * MS, 995 * MS, true);
    stats.answered(500 * MS, 400 * MS, 400 * MS, false);

    assertEquals(2, stats.changed.get());
    assertEquals(1, stats.changedInWindow.get());
    assertEquals(1, stats.otherCodes.get());
  }
}
