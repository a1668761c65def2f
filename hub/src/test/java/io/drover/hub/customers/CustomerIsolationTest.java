package io.drover.hub.customers;

import static io.drover.hub.customers.ProductFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two customers of one product, a device each, both devices live over MQTT: each customer lists,
 * reads, calls, renames and streams its own device, and reaches nothing of the other's, nor anything
 * of the product's routes.
 */
@ExtendWith(VertxExtension.class)
class CustomerIsolationTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String OWNER = "owner@isolation.example";
  private static TestNode node;
  private static ProductFixture product;
  private static String kim;
  private static String lee;
  private static DeviceIdentity kims;
  private static DeviceIdentity lees;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start("--devices.call-timeout-ms=2000");
    String owner = node.signUpAndLogIn(OWNER, "owner's password");
    product = ProductFixture.create(node, "isolated-lamp", OWNER, owner, "{}");
    JsonObject client = product.client("installed", null);
    kim = product.customer(client, "kim@example.com", "kim's password");
    lee = product.customer(client, "lee@example.com", "lee's password");
    kims = product.device();
    lees = product.device();
    node.claim(kims.id(), kim);
    node.claim(lees.id(), lee);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void eachCustomerListsReadsAndRenamesOnlyItsOwnDevice() throws Exception {
    JsonArray kimsList = new JsonArray(node.get("/v1/devices", kim).body());
    assertEquals(1, kimsList.size());
    assertEquals(kims.id(), kimsList.getJsonObject(0).getString("id"));
    assertEquals("kim@example.com", kimsList.getJsonObject(0).getString("owner"));
    assertEquals(200, node.get("/v1/devices/" + kims.id(), kim).statusCode());
    assertEquals(200, node.send("PUT", "/v1/devices/" + kims.id(), "{\"name\":\"kims-lamp\"}", kim).statusCode());
    assertEquals(200, node.send("PUT", "/v1/devices/" + kims.id() + "/ping", null, kim).statusCode());

    assertError(node.get("/v1/devices/" + lees.id(), kim), 404, "not_found");
    assertError(node.send("PUT", "/v1/devices/" + lees.id(), "{\"name\":\"mine-now\"}", kim), 404, "not_found");
    assertError(node.send("PUT", "/v1/devices/" + lees.id() + "/ping", null, kim), 404, "not_found");
    assertError(node.send("DELETE", "/v1/devices/" + lees.id(), null, kim), 404, "not_found");
    assertError(node.get("/v1/devices/kims-lamp", lee), 404, "not_found");
    assertError(node.post("/v1/devices", "{\"id\":\"" + lees.id() + "\"}", kim), 403, "forbidden");
    assertFalse(node.get("/v1/devices", lee).body().contains(kims.id()));
    assertEquals(lees.id(), node.query("SELECT id FROM devices WHERE owner_id = (SELECT id FROM users WHERE username = 'lee@example.com')"),
        "lee's device is still lee's");
  }

  @Test
  void functionsAndVariablesAnswerOnlyTheirOwner(Vertx vertx) throws Exception {
    try (TestDevice kimsDevice = TestDevice.connect(vertx, node.mqttPort(), kims.id(), kims.secret()).await(10, TimeUnit.SECONDS);
         TestDevice leesDevice = TestDevice.connect(vertx, node.mqttPort(), lees.id(), lees.secret()).await(10, TimeUnit.SECONDS)) {
      for (TestDevice device : List.of(kimsDevice, leesDevice)) {
        device.behave(Map.<String, Function<String, String>>of("toggle", arg -> "1"),
            Map.<String, Map.Entry<String, Supplier<String>>>of("level", Map.entry("int", () -> "7")));
      }
      TestNode.eventually(WAIT, () -> described(kims.id(), kim) && described(lees.id(), lee), "both devices described themselves");

      assertEquals(1, new JsonObject(node.post("/v1/devices/" + kims.id() + "/toggle", "{\"arg\":\"x\"}", kim).body()).getInteger("return_value"));
      assertEquals(7, new JsonObject(node.get("/v1/devices/" + kims.id() + "/level", kim).body()).getInteger("result"));
      assertError(node.post("/v1/devices/" + lees.id() + "/toggle", "{\"arg\":\"x\"}", kim), 404, "not_found");
      assertError(node.get("/v1/devices/" + lees.id() + "/level", kim), 404, "not_found");
      assertError(node.post("/v1/devices/" + kims.id() + "/toggle", "{\"arg\":\"x\"}", lee), 404, "not_found");
      assertError(node.get("/v1/devices/" + kims.id() + "/level", lee), 404, "not_found");
    }
  }

  @Test
  void eventStreamsAndHistoryCarryOnlyTheCustomersOwnEvents(Vertx vertx) throws Exception {
    try (SseClient kimsAll = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", kim);
         SseClient kimsPublic = SseClient.open(vertx, node.httpPort(), "/v1/events", kim);
         SseClient kimsDevice = SseClient.open(vertx, node.httpPort(), "/v1/devices/" + kims.id() + "/events", kim);
         SseClient leesAll = SseClient.open(vertx, node.httpPort(), "/v1/events", lee);
         SseClient personsPublic = SseClient.open(vertx, node.httpPort(), "/v1/events", node.logIn(OWNER, "owner's password"));
         TestDevice kimsLamp = TestDevice.connect(vertx, node.mqttPort(), kims.id(), kims.secret()).await(10, TimeUnit.SECONDS);
         TestDevice leesLamp = TestDevice.connect(vertx, node.mqttPort(), lees.id(), lees.secret()).await(10, TimeUnit.SECONDS)) {
      assertEquals(404, SseClient.open(vertx, node.httpPort(), "/v1/devices/" + lees.id() + "/events", kim).status());
      leesLamp.publishAcknowledged("e/lee-private", Buffer.buffer("1"));
      leesLamp.publishAcknowledged("E/lee-public", Buffer.buffer("2"));
      assertEquals(200, node.post("/v1/devices/events", "{\"name\":\"lee-api-public\",\"private\":false}", lee).statusCode());
      kimsLamp.publishAcknowledged("e/kim-private", Buffer.buffer("3"));

      kimsAll.awaitEvent(e -> e.name().equals("kim-private"), WAIT);
      kimsPublic.awaitEvent(e -> e.name().equals("kim-private"), WAIT);
      kimsDevice.awaitEvent(e -> e.name().equals("kim-private"), WAIT);
      leesAll.awaitEvent(e -> e.name().equals("lee-private"), WAIT);
      leesAll.awaitEvent(e -> e.name().equals("lee-api-public"), WAIT);
      personsPublic.awaitEvent(e -> e.name().equals("lee-api-public"), WAIT); // public indeed: a person's /v1/events has it
      for (SseClient stream : List.of(kimsAll, kimsPublic, kimsDevice)) {
        assertFalse(stream.events().stream().anyMatch(e -> e.name().startsWith("lee") || lees.id().equals(e.data().getString("coreid"))),
            "kim sees none of lee's events: " + stream.events());
      }
      assertFalse(leesAll.events().stream().anyMatch(e -> e.name().startsWith("kim")), "lee sees none of kim's");
    }
    TestNode.eventually(WAIT, () -> history(kim).contains("kim-private"), "kim's event stored");
    assertFalse(history(kim).contains("lee-"), "kim's history has none of lee's events");
    assertTrue(history(lee).contains("lee-private"));
    assertError(node.get("/v1/history/events?device=" + lees.id(), kim), 404, "not_found");
  }

  @Test
  void aCustomerReachesNothingOfTheProduct() throws Exception {
    for (String path : List.of("/customers", "/clients", "/activation_codes")) {
      assertError(node.get("/v1/products/" + product.id + path, kim), 404, "not_found");
      assertError(node.get("/v1/products/isolated-lamp" + path, kim), 404, "not_found");
    }
    assertError(node.post("/v1/products/" + product.id + "/clients", "{\"name\":\"mine\",\"type\":\"installed\"}", kim), 404, "not_found");
    assertError(node.post("/v1/products/" + product.id + "/activation_codes", "{\"quantity\":1}", kim), 404, "not_found");
    assertError(node.send("DELETE", "/v1/products/" + product.id + "/customers/lee@example.com", null, kim), 404, "not_found");
    assertError(node.send("PUT", "/v1/products/" + product.id + "/customers/lee@example.com", "{\"password\":\"taken over!\"}", kim),
        404, "not_found");
    assertError(node.post("/v1/clients", "{\"name\":\"mine\",\"type\":\"installed\"}", kim), 403, "forbidden");
    assertError(node.post("/v1/admin/devices", "{}", kim), 403, "forbidden");
  }

  @Test
  void aPersonOutsideTheProductCannotClaimItsDevicesButATeamMemberCan() throws Exception {
    DeviceIdentity spare = product.device();
    String stranger = node.signUpAndLogIn("stranger@example.com", "stranger's password");
    HttpResponse<String> refused = node.post("/v1/devices", "{\"id\":\"" + spare.id() + "\"}", stranger);
    assertError(refused, 403, "forbidden");
    assertTrue(refused.body().contains("only its team members and customers"), refused.body());
    // the product's owner, a team member, may claim it for development
    node.claim(spare.id(), node.logIn(OWNER, "owner's password"));
  }

  @Test
  void aCustomerClaimsOnlyItsProductsFreeDevices() throws Exception {
    DeviceIdentity loose = node.provisionDevice();
    assertError(node.post("/v1/devices", "{\"id\":\"" + loose.id() + "\"}", kim), 403, "not_in_product");
    String owner = node.logIn(OWNER, "owner's password");
    ProductFixture elsewhere = ProductFixture.create(node, "elsewhere-lamp", OWNER, owner, "{}");
    DeviceIdentity foreign = elsewhere.device();
    assertError(node.post("/v1/devices", "{\"id\":\"" + foreign.id() + "\"}", kim), 403, "not_in_product");
    assertError(node.post("/v1/devices", "{\"id\":\"ffffffffffffffffffffffff\"}", kim), 404, "not_found");
    DeviceIdentity spare = product.device();
    assertError(node.post("/v1/devices", "{\"id\":\"" + spare.id() + "\"}", kim), 403, "claim_code_required");
    node.claim(spare.id(), kim);
    assertEquals(200, node.post("/v1/devices", "{\"id\":\"" + spare.id() + "\"}", kim).statusCode(), "claiming one's own again is fine");
    assertError(node.post("/v1/devices", "{\"id\":\"" + spare.id() + "\"}", lee), 403, "forbidden");

    // removing the customer unclaims its devices: they are free for the next customer
    String mo = product.customer(product.client("installed", null), "mo@example.com", "mo's password");
    DeviceIdentity mos = product.device();
    node.claim(mos.id(), mo);
    JsonObject removed = new JsonObject(node.send("DELETE", "/v1/products/" + product.id + "/customers/mo@example.com", null,
        owner).body());
    assertEquals(new JsonArray().add(mos.id()), removed.getJsonArray("unclaimed_device_ids"));
    assertError(node.get("/v1/devices", mo), 401, "invalid_token");
    node.claim(mos.id(), lee);
  }

  private static boolean described(String deviceId, String token) {
    try {
      return node.get("/v1/devices/" + deviceId, token).body().contains("toggle");
    } catch (Exception e) {
      return false;
    }
  }

  private static String history(String token) {
    try {
      return node.get("/v1/history/events?limit=100", token).body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
