package io.drover.hub.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** --demo.devices: the node's administrator finds a live fleet in their account. */
@ExtendWith(VertxExtension.class)
class DemoFleetTest {

  @Test
  void demoDevicesAreClaimedByTheAdministratorAndBehaveLikeFirmware(Vertx vertx) throws Exception {
    try (TestNode node = TestNode.start("--demo.devices=3")) {
      String token = node.createAdministrator("newcomer@example.com", "the administrator");

      TestNode.eventually(Duration.ofSeconds(15), () -> onlineDemoDevices(node, token) == 3, "three demo devices online in the account");
      JsonObject device = new JsonObject(node.get("/v1/devices/demo-2", token).body());
      assertEquals("d3e000000000000000000002", device.getString("id"));
      assertTrue(device.getJsonArray("functions").contains("led"));

      assertEquals(1, new JsonObject(node.post("/v1/devices/demo-2/led", "{\"arg\":\"on\"}", token).body()).getInteger("return_value"));
      assertEquals("on", node.get("/v1/devices/demo-2/led?format=raw", token).body());
      double temperature = new JsonObject(node.get("/v1/devices/demo-1/temperature", token).body()).getDouble("result");
      assertTrue(temperature > 0 && temperature < 50, "a plausible room temperature: " + temperature);
      try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/temperature", token)) {
        stream.awaitEvent(e -> e.data().getString("coreid").startsWith("d3e0"), Duration.ofSeconds(15));
      }
    }
  }

  private static int onlineDemoDevices(TestNode node, String token) {
    try {
      JsonArray devices = new JsonArray(node.get("/v1/devices", token).body());
      int online = 0;
      for (int i = 0; i < devices.size(); i++) {
        JsonObject device = devices.getJsonObject(i);
        if (device.getString("name").startsWith("demo-") && device.getBoolean("online")) {
          online++;
        }
      }
      return online;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
