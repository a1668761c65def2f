package io.drover.hub.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Tracker settings kept in sync by checksum over MQTT: at the handshake, pushed at once, acknowledged. */
@ExtendWith(VertxExtension.class)
class ConfigSyncMqttTest {

  private static final Duration SOON = Duration.ofSeconds(20);
  private static TestNode node;
  private static TrackerFleet fleet;
  private static String owner;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("owner@example.com", "owner's password");
    fleet = new TrackerFleet(node);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aStaleChecksumGetsTheSettingsAndTheAckMarksTheDeviceInSync(Vertx vertx) throws Exception {
    int product = fleet.product("stale-at-handshake", "owner@example.com", "tracker");
    String checksum = put(product, "{\"location\":{\"radius\":151,\"interval_min\":30,\"interval_max\":900}}");
    DeviceIdentity identity = fleet.device(product, false);
    awaitTracked(identity.id());

    try (TrackerTestDevice tracker = TrackerTestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret(), "")) {
      tracker.handshake(product);
      TestNode.eventually(SOON, () -> tracker.lastSettings() != null, "the settings arrive on c/cfg");
      JsonObject pushed = tracker.lastSettings();
      assertEquals(checksum, pushed.getString("checksum"));
      assertEquals(151.0, pushed.getJsonObject("configuration").getJsonObject("location").getDouble("radius"));
      assertEquals(checksum, ConfigChecksum.of(pushed.getJsonObject("configuration")), "the checksum is the one of what was sent");
      TestNode.eventually(SOON, () -> "in_sync".equals(stateOf(product, identity.id())), "the acknowledgement marks the device in sync");

      tracker.handshake(product);
      Thread.sleep(500);
      assertEquals(1, tracker.settingsReceived.size(), "a device in sync is sent nothing at its next handshake");

      tracker.publish("cfg/ack", "{\"checksum\":7}");
      TestNode.eventually(SOON, () -> !tracker.errors.isEmpty(), "a malformed acknowledgement is refused");
      assertTrue(tracker.errors.get(0).encode().contains("cfg/ack needs the checksum"), tracker.errors.get(0).encode());
    }
  }

  @Test
  void aFleetChangeReachesAnOnlineTrackerWithoutReconnecting(Vertx vertx) throws Exception {
    int product = fleet.product("pushed", "owner@example.com", "tracker");
    DeviceIdentity identity = fleet.device(product, false);
    awaitTracked(identity.id());
    String defaults = ConfigChecksum.of(TrackerSettings.defaults());

    try (TrackerTestDevice tracker = TrackerTestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret(), defaults)) {
      tracker.handshake(product);
      TestNode.eventually(SOON, () -> "in_sync".equals(stateOf(product, identity.id())), "a device with the defaults is in sync");
      assertTrue(tracker.settingsReceived.isEmpty());

      tracker.acknowledges = false;
      String changed = put(product, "{\"imu_trig\":{\"motion\":\"high\"}}");
      TestNode.eventually(SOON, () -> tracker.lastSettings() != null, "the change is pushed to the online device");
      assertEquals(changed, tracker.lastSettings().getString("checksum"));
      assertEquals("high", tracker.lastSettings().getJsonObject("configuration").getJsonObject("imu_trig").getString("motion"));
      TestNode.eventually(SOON, () -> "pending".equals(stateOf(product, identity.id())), "sent and not acknowledged is pending");

      tracker.acknowledges = true;
      String again = put(product, "{\"imu_trig\":{\"high_g\":\"enable\"}}");
      TestNode.eventually(SOON, () -> again.equals(tracker.running), "the second change arrives and is applied");
      TestNode.eventually(SOON, () -> "in_sync".equals(stateOf(product, identity.id())), "and acknowledged");
    }
  }

  @Test
  void anOfflineTrackerGetsTheChangeAtItsNextConnect(Vertx vertx) throws Exception {
    int product = fleet.product("offline", "owner@example.com", "tracker");
    DeviceIdentity identity = fleet.device(product, false);
    awaitTracked(identity.id());
    String before = put(product, "{\"rgb\":{\"type\":\"off\"}}");
    try (TrackerTestDevice tracker = TrackerTestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret(), before)) {
      tracker.handshake(product);
      TestNode.eventually(SOON, () -> "in_sync".equals(stateOf(product, identity.id())), "in sync before going offline");
    }

    String after = put(product, "{\"rgb\":{\"type\":\"particle\"}}");
    JsonObject status = status(product);
    JsonObject row = status.getJsonArray("devices").getJsonObject(0);
    assertEquals("stale", row.getString("state"), "an offline device runs the old settings");
    assertNotNull(row.getString("since"), "stale since the change");
    assertEquals(before, row.getString("reported_checksum"));
    assertEquals(1, status.getJsonObject("summary").getInteger("stale"));

    try (TrackerTestDevice tracker = TrackerTestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret(), before)) {
      tracker.handshake(product);
      TestNode.eventually(SOON, () -> after.equals(tracker.running), "the change arrives at the next connect");
      assertEquals("particle", tracker.lastSettings().getJsonObject("configuration").getJsonObject("rgb").getString("type"));
      TestNode.eventually(SOON, () -> "in_sync".equals(stateOf(product, identity.id())), "and is acknowledged");
    }
  }

  @Test
  void aDevelopmentDevicesOwnSettingsBeatTheFleetsOverTheWire(Vertx vertx) throws Exception {
    int product = fleet.product("own-over-mqtt", "owner@example.com", "tracker");
    String fleetChecksum = put(product, "{\"location\":{\"interval_min\":30,\"interval_max\":120}}");
    DeviceIdentity identity = fleet.device(product, true);
    awaitTracked(identity.id());
    HttpResponse<String> own = node.send("PUT", "/v1/products/" + product + "/config/" + identity.id(), "{\"location\":{\"interval_max\":60}}", owner);
    assertEquals(200, own.statusCode(), own.body());
    String ownChecksum = new JsonObject(own.body()).getString("checksum");

    try (TrackerTestDevice tracker = TrackerTestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret(), fleetChecksum)) {
      tracker.handshake(product);
      TestNode.eventually(SOON, () -> ownChecksum.equals(tracker.running), "the device's own settings are sent, not the fleet's");
      assertEquals(60, tracker.lastSettings().getJsonObject("configuration").getJsonObject("location").getInteger("interval_max"));
      TestNode.eventually(SOON, () -> "in_sync".equals(stateOf(product, identity.id())), "in sync with its own settings");
      assertEquals("device", status(product).getJsonArray("devices").getJsonObject(0).getString("source"));

      put(product, "{\"location\":{\"interval_max\":300}}");
      Thread.sleep(1000);
      assertEquals(ownChecksum, tracker.running, "a fleet change of a field the device sets itself sends it nothing new");
    }
  }

  @Test
  void theStatusRouteChecksItsParameters() throws Exception {
    int product = fleet.product("status-params", "owner@example.com", "tracker");
    assertEquals(400, node.get("/v1/products/" + product + "/config/status?state=sleepy", owner).statusCode());
    assertEquals(400, node.get("/v1/products/" + product + "/config/status?per_page=1000", owner).statusCode());
    assertEquals(400, node.get("/v1/products/" + product + "/config/status?page=0", owner).statusCode());
    assertEquals(200, node.get("/v1/products/" + product + "/config/status?state=stale&page=2", owner).statusCode());
  }

  /**
   * A tracker put in its product a moment ago, whose handshake comes before the node's settings index has
   * heard of it (here the notice never comes: the row is written behind the node's back): the hub reads
   * the device at the miss instead of answering "not a tracker", and the settings go out at once.
   */
  @Test
  void aTrackerTheIndexHasNotHeardOfYetGetsItsSettingsAtTheHandshake(Vertx vertx) throws Exception {
    int product = fleet.product("unannounced", "owner@example.com", "tracker");
    String checksum = put(product, "{\"location\":{\"radius\":152,\"interval_min\":30,\"interval_max\":900}}");
    DeviceIdentity identity = node.provisionDevice();
    node.execute("UPDATE devices SET product_id = " + product + ", platform_id = " + TrackerFleet.TRACKER_PLATFORM
        + " WHERE id = '" + identity.id() + "'");

    try (TrackerTestDevice tracker = TrackerTestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret(), "")) {
      tracker.handshake(product);
      TestNode.eventually(SOON, () -> tracker.lastSettings() != null, "the settings arrive on c/cfg");
      assertEquals(checksum, tracker.lastSettings().getString("checksum"));
    }
  }

  private static String put(int product, String json) throws Exception {
    HttpResponse<String> response = node.send("PUT", "/v1/products/" + product + "/config", json, owner);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body()).getString("checksum");
  }

  private static void awaitTracked(String deviceId) throws InterruptedException {
    TestNode.eventually(SOON, () -> {
      try {
        return fleet.check(deviceId, "").getBoolean("tracker");
      } catch (Exception e) {
        return false;
      }
    }, "the index knows the device");
  }

  private static JsonObject status(int product) throws Exception {
    HttpResponse<String> response = node.get("/v1/products/" + product + "/config/status", owner);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  private static String stateOf(int product, String deviceId) {
    try {
      for (Object row : status(product).getJsonArray("devices")) {
        if (deviceId.equals(((JsonObject) row).getString("id"))) {
          return ((JsonObject) row).getString("state");
        }
      }
      return null;
    } catch (Exception e) {
      return null;
    }
  }
}
