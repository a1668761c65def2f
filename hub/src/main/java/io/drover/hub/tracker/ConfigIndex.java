package io.drover.hub.tracker;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each tracker device's effective settings and their checksum, in memory, so that a handshake
 * compares checksums without SQL. Filled by {@link ConfigIndexLoader} at start and on every settings
 * write and {@code FleetChanges}. Entries are immutable and replaced whole, so readers on any event
 * loop see either the old or the new state of a device or product, never a mix.
 *
 * <p>A device without settings of its own runs its product's fleet settings, so a fleet change
 * replaces one entry whatever the size of the fleet.
 */
public final class ConfigIndex {

  static final Effective DEFAULTS = Effective.of(TrackerSettings.defaults());

  /** Settings and their checksum. */
  public record Effective(JsonObject settings, String checksum) {
    static Effective of(JsonObject settings) {
      return new Effective(settings, ConfigChecksum.of(settings));
    }
  }

  /**
   * A device of a tracker product.
   *
   * @param own its own settings (development devices with some only), null when it runs the fleet's
   */
  record Device(int productId, boolean development, JsonObject overrides, Effective own) {
  }

  private final Map<Integer, Effective> fleets = new ConcurrentHashMap<>();
  private final Map<String, Device> devices = new ConcurrentHashMap<>();
  /** Each product's devices, and those with settings of their own: a fleet change touches only these. */
  private final Map<Integer, Set<String>> members = new ConcurrentHashMap<>();
  private final Map<Integer, Set<String>> withOwnSettings = new ConcurrentHashMap<>();

  /** The settings a device should run; null when it is not a device of a tracker product. */
  public Effective effective(String deviceId) {
    Device device = devices.get(deviceId);
    if (device == null) {
      return null;
    }
    return device.own() != null ? device.own() : fleet(device.productId());
  }

  /** A tracker product's fleet settings (the defaults until some are saved). */
  public Effective fleet(int productId) {
    return fleets.getOrDefault(productId, DEFAULTS);
  }

  /** Whether the device belongs to a tracker product, and which. */
  public Integer productOf(String deviceId) {
    Device device = devices.get(deviceId);
    return device == null ? null : device.productId();
  }

  /** The devices of a product that run its fleet settings (those with settings of their own do not). */
  public List<String> devicesOnFleet(int productId) {
    List<String> ids = new ArrayList<>();
    for (String id : setOf(members, productId)) {
      Device device = devices.get(id);
      if (device != null && device.own() == null) {
        ids.add(id);
      }
    }
    return ids;
  }

  /** A product's fleet settings changed: one entry, and the few devices with settings of their own, are replaced. */
  public void putFleet(int productId, JsonObject stored) {
    Effective fleet = Effective.of(TrackerSettings.merged(TrackerSettings.defaults(), stored));
    fleets.put(productId, fleet);
    for (String id : setOf(withOwnSettings, productId)) {
      devices.computeIfPresent(id, (key, device) -> withOwn(device, fleet));
    }
  }

  void removeProduct(int productId) {
    fleets.remove(productId);
    Set<String> gone = members.remove(productId);
    withOwnSettings.remove(productId);
    if (gone != null) {
      gone.forEach(devices::remove);
    }
  }

  void retainDevices(int productId, Set<String> current) {
    for (String id : List.copyOf(setOf(members, productId))) {
      if (!current.contains(id)) {
        removeDevice(id);
      }
    }
  }

  public void putDevice(String deviceId, int productId, boolean development, JsonObject overrides) {
    Device device = withOwn(new Device(productId, development, development && overrides != null && !overrides.isEmpty() ? overrides : null, null),
        fleet(productId));
    Device before = devices.put(deviceId, device);
    if (before != null && before.productId() != productId) {
      forget(deviceId, before.productId());
    }
    members.computeIfAbsent(productId, id -> ConcurrentHashMap.newKeySet()).add(deviceId);
    if (device.overrides() != null) {
      withOwnSettings.computeIfAbsent(productId, id -> ConcurrentHashMap.newKeySet()).add(deviceId);
    } else {
      removeFrom(withOwnSettings, productId, deviceId);
    }
  }

  void removeDevice(String deviceId) {
    Device before = devices.remove(deviceId);
    if (before != null) {
      forget(deviceId, before.productId());
    }
  }

  private void forget(String deviceId, int productId) {
    removeFrom(members, productId, deviceId);
    removeFrom(withOwnSettings, productId, deviceId);
  }

  private static void removeFrom(Map<Integer, Set<String>> sets, int productId, String deviceId) {
    Set<String> set = sets.get(productId);
    if (set != null) {
      set.remove(deviceId);
    }
  }

  private static Set<String> setOf(Map<Integer, Set<String>> sets, int productId) {
    return sets.getOrDefault(productId, Set.of());
  }

  int size() {
    return devices.size();
  }

  private static Device withOwn(Device device, Effective fleet) {
    if (device.overrides() == null) {
      return device;
    }
    return new Device(device.productId(), device.development(), device.overrides(),
        Effective.of(TrackerSettings.merged(fleet.settings(), device.overrides())));
  }
}
