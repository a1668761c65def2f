package io.drover.hub.devices;

import io.drover.hub.HubAddresses;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which account owns each claimed device, in memory: every event is stamped with its owner on the
 * way in, and every stream filters by it, so neither asks the database. Shared by the hub's
 * verticles (hence concurrent); written only by claim, rename and unclaim, which update the database
 * first. Each change is also published to the other hub nodes ({@link HubAddresses#DEVICE_CHANGED}),
 * which reload the row into their own directory.
 *
 * <p>It also knows which product each device is in (claimed or not), for the product event streams:
 * kept current by {@code DevicesVerticle} when a fleet changes ({@code FleetChanges}) or a row is
 * reloaded.
 *
 * <p>A claim, a rename and an unclaim made here also tell the account on its own event stream
 * ({@link DeviceNotices}): the Console's device list follows them from wherever they were made.
 */
public final class DeviceDirectory {

  private final Map<String, Long> ownerByDevice;
  /** Claimed devices' names: the event filter matches a device by its name too. */
  private final Map<String, String> nameByDevice;
  /** Product devices, claimed or not: the product streams take their events. */
  private final Map<String, ProductPlace> placeByDevice;
  private final EventBus bus;

  private DeviceDirectory(Map<String, Long> ownerByDevice, Map<String, String> nameByDevice, Map<String, ProductPlace> placeByDevice,
      EventBus bus) {
    this.ownerByDevice = ownerByDevice;
    this.nameByDevice = nameByDevice;
    this.placeByDevice = placeByDevice;
    this.bus = bus;
  }

  /**
   * A device's product and the product firmware version it last reported (null: none known).
   */
  public record ProductPlace(int productId, Integer firmwareVersion) {
  }

  /** Blocks: the launcher calls it once, before traffic. */
  public static DeviceDirectory loadAtStart(Pool pool, EventBus bus) {
    Map<String, Long> owners = new ConcurrentHashMap<>();
    Map<String, String> names = new ConcurrentHashMap<>();
    for (Row row : pool.query("SELECT id, owner_id, name FROM devices WHERE owner_id IS NOT NULL").execute().await()) {
      owners.put(row.getString(0), row.getLong(1));
      if (row.getString(2) != null) {
        names.put(row.getString(0), row.getString(2));
      }
    }
    Map<String, ProductPlace> places = new ConcurrentHashMap<>();
    for (Row row : pool.query("SELECT id, product_id, firmware_version FROM devices WHERE product_id IS NOT NULL").execute().await()) {
      places.put(row.getString(0), new ProductPlace(row.getInteger(1), row.getInteger(2)));
    }
    return new DeviceDirectory(owners, names, places, bus);
  }

  /** @return the device's product and firmware version, or null for a device in no product; called per event */
  public ProductPlace placeOf(String deviceId) {
    return placeByDevice.get(deviceId);
  }

  /**
   * The number of devices in each product, claimed or not. Walks every product device: for a periodic
   * refresh off the event loops ({@code ProductMetrics}), never per message.
   */
  public Map<Integer, Long> fleetSizes() {
    Map<Integer, Long> sizes = new java.util.HashMap<>();
    for (ProductPlace place : placeByDevice.values()) {
      sizes.merge(place.productId(), 1L, Long::sum);
    }
    return sizes;
  }

  /** The device's product as the database now has it (null: in none). */
  void place(String deviceId, Integer productId, Integer firmwareVersion) {
    if (productId == null) {
      placeByDevice.remove(deviceId);
    } else {
      placeByDevice.put(deviceId, new ProductPlace(productId, firmwareVersion));
    }
  }

  /**
   * The whole product as the database now has it: its devices are {@code devices} (id to firmware
   * version), and no other device is in it. Walks every product device: for rare whole-product changes.
   */
  void placeAll(int productId, Map<String, Integer> devices) {
    placeByDevice.entrySet().removeIf(entry -> entry.getValue().productId() == productId && !devices.containsKey(entry.getKey()));
    devices.forEach((deviceId, version) -> placeByDevice.put(deviceId, new ProductPlace(productId, version)));
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
    apply(deviceId, ownerId, name);
    changed(bus, deviceId);
    DeviceNotices.publish(bus, ownerId, DeviceNotices.CLAIMED, deviceId, name);
  }

  public void renamed(String deviceId, String name) {
    if (name == null) {
      nameByDevice.remove(deviceId);
    } else {
      nameByDevice.put(deviceId, name);
    }
    changed(bus, deviceId);
    Long owner = ownerByDevice.get(deviceId);
    if (owner != null) {
      DeviceNotices.publish(bus, owner, DeviceNotices.RENAMED, deviceId, name);
    }
  }

  public void released(String deviceId) {
    Long formerOwner = ownerByDevice.get(deviceId);
    apply(deviceId, null, null);
    changed(bus, deviceId);
    if (formerOwner != null) {
      DeviceNotices.publish(bus, formerOwner, DeviceNotices.UNCLAIMED, deviceId, null);
    }
  }

  /** Tells every hub node that the device's row changed; each reloads it. */
  public static void changed(EventBus bus, String deviceId) {
    bus.publish(HubAddresses.DEVICE_CHANGED, new JsonObject().put("device_id", deviceId));
  }

  /** The row as it now is in the database: an owner (or null when unclaimed) and a name. */
  void apply(String deviceId, Long ownerId, String name) {
    if (ownerId == null) {
      ownerByDevice.remove(deviceId);
      nameByDevice.remove(deviceId);
      return;
    }
    ownerByDevice.put(deviceId, ownerId);
    if (name == null) {
      nameByDevice.remove(deviceId);
    } else {
      nameByDevice.put(deviceId, name);
    }
  }
}
