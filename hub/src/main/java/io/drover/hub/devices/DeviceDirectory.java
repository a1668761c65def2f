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

  private DeviceDirectory(Map<String, Long> ownerByDevice) {
    this.ownerByDevice = ownerByDevice;
  }

  /** Blocks: the launcher calls it once, before traffic. */
  public static DeviceDirectory loadAtStart(Pool pool) {
    Map<String, Long> owners = new ConcurrentHashMap<>();
    for (Row row : pool.query("SELECT id, owner_id FROM devices WHERE owner_id IS NOT NULL").execute().await()) {
      owners.put(row.getString(0), row.getLong(1));
    }
    return new DeviceDirectory(owners);
  }

  /** @return the owner's account ID, or null for an unclaimed or unknown device */
  public Long ownerOf(String deviceId) {
    return ownerByDevice.get(deviceId);
  }

  public void claimed(String deviceId, long ownerId) {
    ownerByDevice.put(deviceId, ownerId);
  }

  void released(String deviceId) {
    ownerByDevice.remove(deviceId);
  }
}
