package io.drover.hub.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.firmware.TargetingIndex.DeviceState;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The targeting index on its own: precedence, running counts kept with every change, rollout gating. */
class TargetingIndexTest {

  private static final int PRODUCT = 1001;

  @Test
  void precedenceIsDevelopmentThenLockThenHighestGroupThenDefault() {
    Releases releases = new Releases(2, Map.of("beta", 3, "early", 4));
    assertEquals(new FirmwareTarget(0, FirmwareTarget.Rule.DEVELOPMENT, null),
        TargetingIndex.decide("a", new DeviceState(1, 4, true, new String[] {"beta"}), releases));
    assertEquals(new FirmwareTarget(1, FirmwareTarget.Rule.LOCKED, null),
        TargetingIndex.decide("a", new DeviceState(1, 1, false, new String[] {"early"}), releases));
    assertEquals(new FirmwareTarget(4, FirmwareTarget.Rule.GROUP, "early"),
        TargetingIndex.decide("a", new DeviceState(1, 0, false, new String[] {"beta", "early"}), releases));
    assertEquals(new FirmwareTarget(2, FirmwareTarget.Rule.PRODUCT_DEFAULT, null),
        TargetingIndex.decide("a", new DeviceState(1, 0, false, new String[] {"unreleased"}), releases));
    assertEquals(FirmwareTarget.NONE, TargetingIndex.decide("a", new DeviceState(1, 0, false, new String[0]), Releases.NONE));
  }

  @Test
  void runningCountsFollowEveryChange() {
    TargetingIndex index = new TargetingIndex();
    index.putDevice(PRODUCT, "a", new DeviceState(1, 0, false, new String[0]));
    index.putDevice(PRODUCT, "b", new DeviceState(1, 0, false, new String[0]));
    index.putDevice(PRODUCT, "c", new DeviceState(0, 0, false, new String[0]));
    assertEquals(Map.of(1, 2), index.runningCounts(PRODUCT));
    index.reportRunning(PRODUCT, "a", 2);
    index.reportRunning(PRODUCT, "c", 2);
    assertEquals(Map.of(1, 1, 2, 2), index.runningCounts(PRODUCT));
    index.removeDevice("b", 0);
    index.putDevice(PRODUCT, "a", new DeviceState(2, 5, false, new String[0])); // a reload of the same device
    assertEquals(Map.of(2, 2), index.runningCounts(PRODUCT));
    index.replaceProduct(PRODUCT, Map.of("d", new DeviceState(7, 0, false, new String[0])), Releases.NONE);
    assertEquals(Map.of(7, 1), index.runningCounts(PRODUCT));
  }

  @Test
  void aRolloutHoldsBackDevicesItHasNotAdmitted() {
    Releases before = new Releases(1, Map.of());
    Rollout paused = new Rollout(9, 2, 10, 20, 100, false, before);
    Rollout running = new Rollout(9, 2, 10, 20, 0, true, before);
    DeviceState waiting = new DeviceState(1, 0, false, new String[0]);
    assertEquals(new FirmwareTarget(1, FirmwareTarget.Rule.ROLLOUT_WAITING, null),
        TargetingIndex.decide("a", waiting, new Releases(2, Map.of(), running)), "not admitted at 0%");
    assertEquals(new FirmwareTarget(1, FirmwareTarget.Rule.ROLLOUT_WAITING, null),
        TargetingIndex.decide("a", waiting, new Releases(2, Map.of(), paused)), "paused admits nobody new");
    assertEquals(new FirmwareTarget(2, FirmwareTarget.Rule.PRODUCT_DEFAULT, null),
        TargetingIndex.decide("a", new DeviceState(2, 0, false, new String[0]), new Releases(2, Map.of(), paused)),
        "a device already on the version stays on it");
    assertEquals(new FirmwareTarget(2, FirmwareTarget.Rule.PRODUCT_DEFAULT, null),
        TargetingIndex.decide("a", waiting, new Releases(2, Map.of(), new Rollout(9, 2, 10, 20, 100, true, before))), "all admitted");
  }
}
