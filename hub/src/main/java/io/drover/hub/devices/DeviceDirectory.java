package io.drover.hub.devices;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which account owns each claimed device, in memory: every event is stamped with its owner on the
 * way in, and every stream filters by it, so neither asks the database. Shared by the hub's
 * verticles (hence concurrent); written only by claim and unclaim, which update the database first.
 */
public final class DeviceDirectory {

  private final Map<String, Long> ownerByDevice;
  /** Claimed devices' names: the event filter matches a device by its name too. */
  private final Map<String, String> nameByDevice;

  private DeviceDirectory(Map<String, Long> ownerByDevice, Map<String, String> nameByDevice) {
    this.ownerByDevice = ownerByDevice;
    this.nameByDevice = nameByDevice;
  }

  /** Blocks: the launcher calls it once, before traffic. */
  public static DeviceDirectory loadAtStart(Pool pool) {
    Map<String, Long> owners = new ConcurrentHashMap<>();
    Map<String, String> names = new ConcurrentHashMap<>();
    for (Row row : pool.query("SELECT id, owner_id, name FROM devices WHERE owner_id IS NOT NULL").execute().await()) {
      owners.put(row.getString(0), row.getLong(1));
      if (row.getString(2) != null) {
        names.put(row.getString(0), row.getString(2));
      }
    }
    return new DeviceDirectory(owners, names);
  }

  /** @return the owner's account ID, or null for an unclaimed or unknown device */
  public Long ownerOf(String deviceId) {
    return ownerByDevice.get(deviceId);
  }

  /** @return the device's name, or null for an unnamed, unclaimed or unknown device */
  public String nameOf(String deviceId) {
    return nameByDevice.get(deviceId);
  }

  public void claimed(String deviceId, long ownerId, String name) {
    ownerByDevice.put(deviceId, ownerId);
    renamed(deviceId, name);
  }

  /** Also called by a product's device routes, which rename a device too. */
  public void renamed(String deviceId, String name) {
    if (name == null) {
      nameByDevice.remove(deviceId);
    } else {
      nameByDevice.put(deviceId, name);
    }
  }

  void released(String deviceId) {
    ownerByDevice.remove(deviceId);
    nameByDevice.remove(deviceId);
  }
}
