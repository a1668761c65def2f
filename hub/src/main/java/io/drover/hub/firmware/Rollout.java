package io.drover.hub.firmware;

/**
 * A staged rollout of a release, as the targeting index sees it: of the devices the release would
 * update, those whose bucket is below {@code admittedPercent} are admitted while the rollout runs;
 * the others keep the target the {@code previous} releases gave them. Paused, halted or aborted, the
 * rollout admits nobody new (a device that runs the version already stays on it).
 *
 * @param open true while the rollout runs
 */
public record Rollout(long id, int version, int batchPercent, int failureThresholdPercent, int admittedPercent, boolean open,
    Releases previous) {

  /** A device's bucket, 0 to 99: the same on every node (String.hashCode is specified), stable across batches. */
  public static int bucket(String deviceId) {
    return Math.floorMod(deviceId.hashCode() * 0x9E3779B1, 100);
  }

  /** The batch (0, 1, ...) that admits the device. */
  public int batchOf(String deviceId) {
    return bucket(deviceId) / batchPercent;
  }

  boolean admits(String deviceId) {
    return open && bucket(deviceId) < admittedPercent;
  }
}
