package io.drover.hub.sims;

import io.drover.hub.HubAddresses;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The devices whose SIM is not active (deactivated, or paused at its data limit), in memory: a connect
 * of one is refused without a SQL round trip. Loaded at start; every hub node hears each change
 * ({@link HubAddresses#SIM_BLOCKS_CHANGED}, published to all). Thread-safe.
 */
public final class SimBlocks {

  private final Set<String> blocked;

  private SimBlocks(Set<String> blocked) {
    this.blocked = blocked;
  }

  /** Blocks the launcher thread on the query: at start, before any listener. */
  public static SimBlocks loadAtStart(Pool pool, EventBus bus) {
    Set<String> blocked = ConcurrentHashMap.newKeySet();
    for (Row row : pool.query("SELECT device_id FROM sims WHERE device_id IS NOT NULL AND status <> 'active'").execute().await()) {
      blocked.add(row.getString(0));
    }
    SimBlocks blocks = new SimBlocks(blocked);
    bus.<JsonObject>consumer(HubAddresses.SIM_BLOCKS_CHANGED, message -> blocks.apply(message.body()));
    return blocks;
  }

  /** Whether a connect of this device is refused now; called per connect. */
  public boolean blocked(String deviceId) {
    return blocked.contains(deviceId);
  }

  /** Tells every hub node, this one included, that a device's connectivity changed. */
  public static void publish(EventBus bus, String deviceId, boolean blocked) {
    bus.publish(HubAddresses.SIM_BLOCKS_CHANGED, new JsonObject().put("device_id", deviceId).put("blocked", blocked));
  }

  private void apply(JsonObject change) {
    String deviceId = change.getString("device_id");
    if (change.getBoolean("blocked", false)) {
      blocked.add(deviceId);
    } else {
      blocked.remove(deviceId);
    }
  }
}
