package io.drover.hub.tracker;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The notice that tracker settings were saved, published (to every node) after the write committed:
 * {@code {"product_id": 1001}} for the fleet's, {@code {"product_id": 1001, "device_ids": ["..."]}} for
 * some devices' own. Every node's {@link TrackerVerticle} reloads its {@link ConfigIndex} from it.
 */
public final class ConfigChanges {

  public static final String ADDRESS = "hub.tracker.config-changed";

  private ConfigChanges() {
  }

  static void fleetChanged(EventBus bus, int productId) {
    bus.publish(ADDRESS, new JsonObject().put("product_id", productId));
  }

  static void devicesChanged(EventBus bus, int productId, List<String> deviceIds) {
    bus.publish(ADDRESS, new JsonObject().put("product_id", productId).put("device_ids", new JsonArray(List.copyOf(deviceIds))));
  }
}
