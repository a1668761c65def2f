package io.drover.hub.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Configuration's "auto-approve devices": a device reporting the product's ID at its handshake joins it by itself. */
@ExtendWith(VertxExtension.class)
class AutoApprovalTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;
  private static FirmwareFleet fleet;
  private static String owner;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("owner@example.com", "owner's password");
    fleet = new FirmwareFleet(node);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aDeviceJoinsAnAutoApprovingProductAtItsHandshakeUnlessRemovedFromIt(Vertx vertx) throws Exception {
    int approving = fleet.product("auto-approving", "owner@example.com");
    int closed = fleet.product("import-only", "owner@example.com");
    assertEquals(200, node.send("PUT", "/v1/products/" + approving + "/settings", "{\"auto_approve_devices\":true}", owner).statusCode());
    DeviceIdentity newcomer = node.provisionDevice();
    DeviceIdentity stranger = node.provisionDevice();

    handshake(vertx, newcomer, approving);
    TestNode.eventually(WAIT, () -> inProduct(approving, newcomer), "the newcomer joined the auto-approving product");
    handshake(vertx, stranger, closed);
    Thread.sleep(500);
    assertEquals(404, node.get("/v1/products/" + closed + "/devices/" + stranger.id(), owner).statusCode(),
        "a product that does not auto-approve takes devices by import only");

    // removed from the product: its denial stands at its next handshake
    assertEquals(200, node.send("DELETE", "/v1/products/" + approving + "/devices/" + newcomer.id(), null, owner).statusCode());
    handshake(vertx, newcomer, approving);
    Thread.sleep(500);
    assertEquals(404, node.get("/v1/products/" + approving + "/devices/" + newcomer.id(), owner).statusCode(), "a removed device stays out");
  }

  @Test
  void pastThePlansDeviceLimitAnMqttDeviceIsRefusedTheOwnerToldAndTheRefusalCounted(Vertx vertx) throws Exception {
    int full = fleet.product("full-fleet", "owner@example.com");
    assertEquals(200, node.send("PUT", "/v1/products/" + full + "/settings", "{\"auto_approve_devices\":true}", owner).statusCode());
    int limit = Integer.parseInt(node.query("SELECT b.device_limit FROM products p JOIN billing_plans b ON b.name = p.plan WHERE p.id = " + full));
    node.execute("INSERT INTO devices (id, secret_hash, product_id) SELECT lpad(to_hex(x'd1000000'::bigint + i), 24, '0'), '\\x00'::bytea, " + full
        + " FROM generate_series(1, " + limit + ") i");
    String ownerId = node.query("SELECT id FROM users WHERE username = 'owner@example.com'");
    double refusalsBefore = node.metric("drover_products_device_limit_refusals_total");
    DeviceIdentity late = node.provisionDevice();

    // when one more device reports the full product at its handshake over MQTT
    try (TestDevice mqtt = TestDevice.connect(vertx, node.mqttPort(), late.id(), late.secret()).await(10, TimeUnit.SECONDS)) {
      mqtt.publishAcknowledged("h", new JsonObject().put("product_id", full).put("firmware_version", 1).toBuffer());
      // then its session is ended, as a deactivated SIM's is (MQTT 3.1.1 has no refusal of its own for a PUBLISH)
      mqtt.closed().await(10, TimeUnit.SECONDS);
    }
    assertEquals(404, node.get("/v1/products/" + full + "/devices/" + late.id(), owner).statusCode(), "not approved past the limit");
    assertEquals(String.valueOf(limit), node.query("SELECT count(*) FROM devices WHERE product_id = " + full));
    TestNode.eventually(WAIT, () -> {
      try {
        return node.metric("drover_products_device_limit_refusals_total") == refusalsBefore + 1;
      } catch (Exception e) {
        return false;
      }
    }, "the refusal counted");
    TestNode.eventually(WAIT, () -> {
      try {
        String data = node.query("SELECT data FROM events WHERE name = 'drover/billing/device_limit' AND owner_id = " + ownerId);
        return data != null && data.contains("limit of " + limit + " devices") && data.contains(late.id());
      } catch (Exception e) {
        return false;
      }
    }, "the owner's notice naming the limit");
  }

  private static void handshake(Vertx vertx, DeviceIdentity device, int productId) throws Exception {
    try (TestDevice mqtt = TestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret()).await(10, TimeUnit.SECONDS)) {
      mqtt.publishAcknowledged("h", new JsonObject().put("product_id", productId).put("firmware_version", 1).toBuffer());
    }
  }

  private static boolean inProduct(int productId, DeviceIdentity device) {
    try {
      return node.get("/v1/products/" + productId + "/devices/" + device.id(), owner).statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }
}
