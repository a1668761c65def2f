package io.drover.hub.firmware;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every product device is targeted to run, decided in memory: a handshake costs two hash
 * lookups and a walk over the device's few groups, never SQL. Holds, per product, each member
 * device's running version, lock, development flag and groups, and the product's {@link Releases}.
 *
 * <p>Thread-safe: read by the bus consumer and the API on their event loops, written by
 * {@link FirmwareIndexLoader} after the database changed. Entries are immutable and replaced whole.
 */
public final class TargetingIndex {

  /** One product device as targeting sees it. {@code running} and {@code locked} are 0 when unknown or unset. */
  public record DeviceState(int running, int locked, boolean development, String[] groups) {

    static final String[] NO_GROUPS = new String[0];

    DeviceState withRunning(int version) {
      return new DeviceState(version, locked, development, groups);
    }
  }

  private static final class Fleet {
    final Map<String, DeviceState> devices = new ConcurrentHashMap<>();
    /** How many devices run each version, kept with every change so that lists need no pass over the devices. */
    final Map<Integer, java.util.concurrent.atomic.AtomicInteger> running = new ConcurrentHashMap<>();
    volatile Releases releases = Releases.NONE;

    /** Replaces (or with null removes) a device, atomically for that device, and moves the counts with it. */
    void put(String deviceId, DeviceState next) {
      devices.compute(deviceId, (id, before) -> {
        count(before, -1);
        count(next, 1);
        return next;
      });
    }

    private void count(DeviceState device, int delta) {
      if (device != null && device.running() != 0) {
        running.computeIfAbsent(device.running(), v -> new java.util.concurrent.atomic.AtomicInteger()).addAndGet(delta);
      }
    }
  }

  private final Map<Integer, Fleet> fleets = new ConcurrentHashMap<>();

  /**
   * The precedence of cloud-api.md "Firmware precedence", rule by rule; then a staged rollout holds
   * back the devices it has not admitted yet, which keep the target the releases before it gave.
   */
  public static FirmwareTarget decide(String deviceId, DeviceState device, Releases releases) {
    FirmwareTarget target = decide(device, releases);
    Rollout rollout = releases.rollout();
    if (rollout == null || target.version() != rollout.version() || device.running() == rollout.version()
        || (target.rule() != FirmwareTarget.Rule.GROUP && target.rule() != FirmwareTarget.Rule.PRODUCT_DEFAULT)
        || rollout.admits(deviceId)) {
      return target;
    }
    FirmwareTarget before = decide(device, rollout.previous());
    return new FirmwareTarget(before.version(), FirmwareTarget.Rule.ROLLOUT_WAITING, before.group());
  }

  /** The precedence without a staged rollout. */
  static FirmwareTarget decide(DeviceState device, Releases releases) {
    if (device.development()) {
      return FirmwareTarget.DEVELOPMENT;
    }
    if (device.locked() != 0) {
      return new FirmwareTarget(device.locked(), FirmwareTarget.Rule.LOCKED, null);
    }
    int best = 0;
    String bestGroup = null;
    for (String group : device.groups()) {
      int released = releases.releasedTo(group);
      // ties go to the group first in name order, so that the answer does not depend on load order
      if (released > best || (released == best && released != 0 && group.compareTo(bestGroup) < 0)) {
        best = released;
        bestGroup = group;
      }
    }
    if (best != 0) {
      return new FirmwareTarget(best, FirmwareTarget.Rule.GROUP, bestGroup);
    }
    if (releases.productDefault() != 0) {
      return new FirmwareTarget(releases.productDefault(), FirmwareTarget.Rule.PRODUCT_DEFAULT, null);
    }
    return FirmwareTarget.NONE;
  }

  /** The target of a device in a product; {@link FirmwareTarget.Rule#NOT_IN_PRODUCT} when it is not a member. */
  public FirmwareTarget target(int productId, String deviceId) {
    Fleet fleet = fleets.get(productId);
    DeviceState device = fleet == null ? null : fleet.devices.get(deviceId);
    return device == null ? FirmwareTarget.NOT_IN_PRODUCT : decide(deviceId, device, fleet.releases);
  }

  /** @return the device as indexed, or null when it is not a member of the product */
  public DeviceState device(int productId, String deviceId) {
    Fleet fleet = fleets.get(productId);
    return fleet == null ? null : fleet.devices.get(deviceId);
  }

  public Releases releases(int productId) {
    Fleet fleet = fleets.get(productId);
    return fleet == null ? Releases.NONE : fleet.releases;
  }

  /**
   * Notes the version a device reported at its handshake.
   *
   * @return true when it differs from what was indexed (and so must be written to the database)
   */
  public boolean reportRunning(int productId, String deviceId, int version) {
    Fleet fleet = fleets.get(productId);
    if (fleet == null) {
      return false;
    }
    DeviceState before = fleet.devices.get(deviceId);
    if (before == null || before.running() == version) {
      return false;
    }
    fleet.put(deviceId, before.withRunning(version));
    return true;
  }

  /**
   * How many devices a release would update: those whose target becomes {@code version} under
   * {@code proposed} and that do not run it already. One pass over the product's devices.
   */
  public int impact(int productId, Releases proposed, int version) {
    Fleet fleet = fleets.get(productId);
    if (fleet == null) {
      return 0;
    }
    int[] impacted = {0};
    fleet.devices.forEach((id, device) -> {
      if (device.running() != version && decide(id, device, proposed).version() == version) {
        impacted[0]++;
      }
    });
    return impacted[0];
  }

  /** How many of the product's devices run each version (unknown versions are left out). Constant time in the fleet's size. */
  public Map<Integer, Integer> runningCounts(int productId) {
    Map<Integer, Integer> counts = new HashMap<>();
    Fleet fleet = fleets.get(productId);
    if (fleet != null) {
      fleet.running.forEach((version, count) -> {
        if (count.get() > 0) {
          counts.put(version, count.get());
        }
      });
    }
    return counts;
  }

  /** The product devices the predicate picks, by ID: for "which online devices does a release reach". */
  public java.util.List<String> devicesTargetedTo(int productId, int version) {
    java.util.List<String> ids = new java.util.ArrayList<>();
    Fleet fleet = fleets.get(productId);
    if (fleet != null) {
      Releases releases = fleet.releases;
      fleet.devices.forEach((id, device) -> {
        if (device.running() != version && decide(id, device, releases).version() == version) {
          ids.add(id);
        }
      });
    }
    return ids;
  }

  public void putDevice(int productId, String deviceId, DeviceState device) {
    fleets.computeIfAbsent(productId, id -> new Fleet()).put(deviceId, device);
  }

  /** Removes the device from every product but {@code keepIn} (0 for all): it moved or left. */
  public void removeDevice(String deviceId, int keepIn) {
    fleets.forEach((productId, fleet) -> {
      if (productId != keepIn) {
        fleet.put(deviceId, null);
      }
    });
  }

  public void setReleases(int productId, Releases releases) {
    fleets.computeIfAbsent(productId, id -> new Fleet()).releases = releases;
  }

  /** Replaces a product's devices and releases at once (a whole-product reload). */
  public void replaceProduct(int productId, Map<String, DeviceState> devices, Releases releases) {
    Fleet fresh = new Fleet();
    devices.forEach(fresh::put);
    fresh.releases = releases;
    fleets.put(productId, fresh);
  }

  public int deviceCount(int productId) {
    Fleet fleet = fleets.get(productId);
    return fleet == null ? 0 : fleet.devices.size();
  }
}
