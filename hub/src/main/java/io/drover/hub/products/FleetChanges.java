package io.drover.hub.products;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;

/**
 * The notice that a product's fleet changed: devices joined or left it, changed groups or their
 * development flag, or a group was renamed or deleted. In-memory indexes built from that data
 * (firmware targeting, config sync) listen and reload what the notice names, so that no handshake
 * needs SQL. Published (to every node) after the change is committed.
 *
 * <p>Message: {@code {"product_id": 1001, "device_ids": ["..."]}} for some devices, or
 * {@code {"product_id": 1001, "all": true}} when the whole product's targeting may have moved.
 */
public final class FleetChanges {

  public static final String ADDRESS = "hub.products.fleet-changed";

  private FleetChanges() {
  }

  public static void devicesChanged(EventBus bus, int productId, Collection<String> deviceIds) {
    if (!deviceIds.isEmpty()) {
      bus.publish(ADDRESS, new JsonObject().put("product_id", productId).put("device_ids", new JsonArray(java.util.List.copyOf(deviceIds))));
    }
  }

  public static void productChanged(EventBus bus, int productId) {
    bus.publish(ADDRESS, new JsonObject().put("product_id", productId).put("all", true));
  }
}
