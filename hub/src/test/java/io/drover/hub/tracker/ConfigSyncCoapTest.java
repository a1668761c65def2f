package io.drover.hub.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tracker settings kept in sync by checksum over CoAP: PUT /cfg to the device, POST /cfg/ack back. */
class ConfigSyncCoapTest {

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
  void aStaleTrackerGetsItsSettingsAtTheHandshakeAndAFleetChangeWithoutReconnecting() throws Exception {
    int product = fleet.product("coap-trackers", "owner@example.com", "tracker");
    String first = put(product, "{\"location\":{\"radius\":25.5}}");
    DeviceIdentity identity = fleet.device(product, false);
    TestNode.eventually(SOON, () -> {
      try {
        return fleet.check(identity.id(), "").getBoolean("tracker");
      } catch (Exception e) {
        return false;
      }
    }, "the index knows the device");

    try (CoapTrackerDevice tracker = new CoapTrackerDevice(node.coapPort(), identity.id(), identity.secret(), "")) {
      CoapResponse answer = tracker.handshake(product);
      assertEquals(ResponseCode.CHANGED, answer.getCode(), answer.getResponseText());
      TestNode.eventually(SOON, () -> first.equals(tracker.running), "the settings arrive on PUT /cfg and are acknowledged");
      assertEquals(25.5, tracker.settingsReceived.get(0).getJsonObject("configuration").getJsonObject("location").getDouble("radius"));
      assertEquals(ResponseCode.CHANGED.value, tracker.ackCodes.get(0));
      TestNode.eventually(SOON, () -> "in_sync".equals(stateOf(product, identity.id())), "in sync after the ack");

      String second = put(product, "{\"rgb\":{\"type\":\"off\"}}");
      TestNode.eventually(SOON, () -> second.equals(tracker.running), "a fleet change reaches the online device");
      TestNode.eventually(SOON, () -> "in_sync".equals(stateOf(product, identity.id())), "and is acknowledged");

      CoapResponse malformed = tracker.post("/cfg/ack", "{\"checksum\":false}");
      assertFalse(malformed.isSuccess(), "a malformed acknowledgement is refused: " + malformed.getCode());
      assertEquals(ResponseCode.NOT_FOUND, tracker.post("/cfg/nope", "{}").getCode());
    }
  }

  private static String put(int product, String json) throws Exception {
    HttpResponse<String> response = node.send("PUT", "/v1/products/" + product + "/config", json, owner);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body()).getString("checksum");
  }

  private static String stateOf(int product, String deviceId) {
    try {
      for (Object row : new JsonObject(node.get("/v1/products/" + product + "/config/status", owner).body()).getJsonArray("devices")) {
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
