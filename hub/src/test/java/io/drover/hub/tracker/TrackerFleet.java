package io.drover.hub.tracker;

import io.drover.gateway.contract.BusAddresses;
import io.drover.hub.products.FleetChanges;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tracker products and their devices made with SQL (their APIs are built elsewhere) and announced
 * with {@link FleetChanges} as those APIs do; the hub's handshake-time checksum check asked directly.
 */
final class TrackerFleet {

  static final int TRACKER_PLATFORM = 26;

  private final TestNode node;

  TrackerFleet(TestNode node) {
    this.node = node;
  }

  /** A product of {@code type} ('tracker' or 'standard') whose administrator is {@code username}. */
  int product(String slug, String username, String type) throws Exception {
    String userId = node.query("SELECT id FROM users WHERE username = '" + username + "'");
    int id = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, type, owner_id) VALUES ('" + slug + "', '" + slug
        + "', " + TRACKER_PLATFORM + ", '" + type + "', " + userId + ") RETURNING id"));
    member(id, username, "administrator");
    FleetChanges.productChanged(node.eventBus(), id);
    return id;
  }

  void member(int productId, String username, String role) throws Exception {
    node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + productId + ", id, '" + role + "' FROM users WHERE username = '"
        + username + "'");
  }

  /** A device of the product, announced. */
  DeviceIdentity device(int productId, boolean development) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    node.execute("UPDATE devices SET product_id = " + productId + ", platform_id = " + TRACKER_PLATFORM + ", development = " + development
        + " WHERE id = '" + device.id() + "'");
    FleetChanges.devicesChanged(node.eventBus(), productId, List.of(device.id()));
    return device;
  }

  void setDevelopment(int productId, String deviceId, boolean development) throws Exception {
    node.execute("UPDATE devices SET development = " + development + " WHERE id = '" + deviceId + "'");
    FleetChanges.devicesChanged(node.eventBus(), productId, List.of(deviceId));
  }

  /** What this node's hub (not another's in a cluster) answers a handshake that reports {@code checksum}. */
  JsonObject check(String deviceId, String checksum) throws Exception {
    return check(deviceId, checksum, null);
  }

  /** The same asked by a push: {@code expected} is the checksum the pushing hub node computed. */
  JsonObject check(String deviceId, String checksum, String expected) throws Exception {
    JsonObject question = new JsonObject().put("device_id", deviceId).put("checksum", checksum);
    return node.eventBus().<JsonObject>request(BusAddresses.TRACKER_CONFIG_CHECK, expected == null ? question : question.put("expected", expected),
            new DeliveryOptions().setLocalOnly(true))
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).body();
  }
}
