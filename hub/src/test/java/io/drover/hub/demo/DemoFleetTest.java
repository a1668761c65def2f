package io.drover.hub.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.firmware.FirmwareFleet;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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

  @Test
  void aDemoDeviceImportedIntoAProductHandshakesAndTakesAReleasedUpdate() throws Exception {
    try (TestNode node = TestNode.start("--demo.devices=1")) {
      String token = node.createAdministrator("firmware-demo@example.com", "the administrator");
      String demo = "d3e000000000000000000001";
      TestNode.eventually(Duration.ofSeconds(15), () -> onlineDemoDevices(node, token) == 1, "the demo device online in the account");
      JsonObject product = new JsonObject(node.post("/v1/products", "{\"name\":\"Demo Lamp\",\"platform_id\":12}", token).body())
          .getJsonObject("product");
      int productId = product.getInteger("id");
      HttpResponse<String> imported = node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", demo).encode(), token);
      assertEquals(1, new JsonObject(imported.body()).getInteger("updated"), imported.body());
      FirmwareFleet fleet = new FirmwareFleet(node);
      fleet.uploaded(productId, 2, "demo firmware v2".getBytes(StandardCharsets.UTF_8), token);
      fleet.device(productId, 2, true); // a release needs the version running somewhere
      fleet.announce(productId);
      HttpResponse<String> released = node.send("PUT", "/v1/products/" + productId + "/firmware/release",
          new JsonObject().put("version", 2).put("product_default", true).put("groups", new JsonArray()).encode(), token);
      assertEquals(200, released.statusCode(), released.body());

      // imported while connected, it handshakes for the product at once; the update is offered (at that
      // handshake or over its live session), verified, and after its restart the next handshake reports version 2
      TestNode.eventually(Duration.ofSeconds(30), () -> "2".equals(query(node, "SELECT firmware_version FROM devices WHERE id = '" + demo + "'")),
          "the demo device runs the released version");
      JsonObject device = new JsonObject(node.get("/v1/products/" + productId + "/devices/" + demo, token).body());
      assertEquals(2, device.getInteger("firmware_version"), device.encode());
      TestNode.eventually(Duration.ofSeconds(15), () -> onlineDemoDevices(node, token) == 1, "back online after its restart");
    }
  }

  private static String query(TestNode node, String sql) {
    try {
      return node.query(sql);
    } catch (Exception e) {
      throw new IllegalStateException(e);
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
