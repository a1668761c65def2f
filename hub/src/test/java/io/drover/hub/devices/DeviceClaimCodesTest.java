package io.drover.hub.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.CoapTestDevice;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Claiming: a device is claimed or imported only once it has proved to be in the claimer's
 * hands, by reporting a claim code of theirs ({@code POST /v1/device_claims}, Particle's set-up flow);
 * its ID alone is not enough, except for a node administrator (the manufacturing line's import).
 */
@ExtendWith(VertxExtension.class)
class DeviceClaimCodesTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;
  private static String operator;
  private static String alice;
  private static String bob;
  private static String carol;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    operator = node.signUpAndLogIn("operator@claims.example", "the administrator");
    node.execute("UPDATE users SET is_admin = true WHERE username = 'operator@claims.example'");
    alice = node.signUpAndLogIn("alice@claims.example", "alice's password");
    bob = node.signUpAndLogIn("bob@claims.example", "bob's password");
    carol = node.signUpAndLogIn("carol@claims.example", "carol's password");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aDeviceIsNotClaimedByItsIdAloneOnlineOrNot(Vertx vertx) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    assertRefused(claimById(device, alice), 403, "claim_code_required");
    try (TestDevice connected = connect(vertx, device)) {
      TestNode.eventually(WAIT, () -> online(device), "online");
      assertRefused(claimById(device, alice), 403, "claim_code_required");
    }
    assertEquals(null, node.query("SELECT owner_id FROM devices WHERE id = '" + device.id() + "'"));
  }

  @Test
  void aClaimCodeReportedOverMqttClaimsTheDeviceForTheCodesAccount(Vertx vertx) throws Exception {
    DeviceIdentity owned = node.provisionDevice();
    node.claim(owned.id(), alice);
    HttpResponse<String> made = node.post("/v1/device_claims", "{}", alice);
    assertEquals(200, made.statusCode(), made.body());
    JsonObject answer = new JsonObject(made.body());
    String code = answer.getString("claim_code");
    assertTrue(code.length() >= 32 && code.length() <= 63, "a code Device OS can keep: " + code);
    assertEquals(new JsonArray().add(owned.id()), answer.getJsonArray("device_ids"), "the account's devices");

    DeviceIdentity device = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", alice);
         TestDevice connected = connect(vertx, device)) {
      connected.publishAcknowledged("e/spark/device/claim/code", Buffer.buffer(code));
      assertEquals(alice("id"), node.query("SELECT owner_id FROM devices WHERE id = '" + device.id() + "'"), "claimed when acknowledged");
      HttpResponse<String> listed = node.get("/v1/devices", alice);
      assertTrue(listed.body().contains(device.id()), listed.body());
      connected.publishAcknowledged("e/after", Buffer.buffer("marker"));
      stream.awaitEvent(e -> "after".equals(e.name()), WAIT);
      assertFalse(stream.events().stream().anyMatch(e -> e.name().startsWith("spark/device/claim")), "a claim code is no event for a stream");
    }
    assertEquals(0, node.countEvents(device.id(), "spark/device/claim/code"), "nor stored");
    assertEquals("0", node.query("SELECT count(*) FROM claim_codes WHERE device_id = '" + device.id() + "'"), "the claim spent the code");
  }

  @Test
  void aClaimCodeReportedOverCoapClaimsTheDeviceToo() throws Exception {
    String code = codeOf(bob);
    DeviceIdentity device = node.provisionDevice();
    try (CoapTestDevice coap = CoapTestDevice.connect(node.coapPort(), device.id(), device.secret())) {
      CoapResponse answer = coap.post("/e/spark/device/claim/code", code);
      assertEquals(CoAP.ResponseCode.CHANGED, answer.getCode());
    }
    assertEquals(bob("id"), node.query("SELECT owner_id FROM devices WHERE id = '" + device.id() + "'"));
  }

  @Test
  void aClaimByIdNeedsTheDeviceOnlineAndHavingReportedACodeOfTheCaller(Vertx vertx) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    node.claim(device.id(), alice);
    String bobs = codeOf(bob);
    try (TestDevice connected = connect(vertx, device)) {
      // alice's device: bob's code binds to it, but claims nothing
      connected.publishAcknowledged("e/spark/device/claim/code", Buffer.buffer(bobs));
      assertEquals(alice("id"), node.query("SELECT owner_id FROM devices WHERE id = '" + device.id() + "'"));
      assertEquals(200, node.send("DELETE", "/v1/devices/" + device.id(), null, alice).statusCode());
      assertRefused(claimById(device, carol), 403, "claim_code_required");
    }
    TestNode.eventually(WAIT, () -> !online(device), "offline");
    assertRefused(claimById(device, bob), 403, "claim_code_required");
    try (TestDevice connected = connect(vertx, device)) {
      TestNode.eventually(WAIT, () -> online(device), "online again");
      HttpResponse<String> claimed = claimById(device, bob);
      assertEquals(200, claimed.statusCode(), claimed.body());
      assertEquals(true, new JsonObject(claimed.body()).getBoolean("connected"));
    }
    assertEquals(200, claimById(device, bob).statusCode(), "one's own device needs no new proof");
    assertEquals("0", node.query("SELECT count(*) FROM claim_codes WHERE device_id = '" + device.id() + "'"), "the claim spent the code");
  }

  @Test
  void aCodeBindsToTheFirstDeviceThatReportsItAndExpires(Vertx vertx) throws Exception {
    String code = codeOf(carol);
    DeviceIdentity first = node.provisionDevice();
    DeviceIdentity second = node.provisionDevice();
    report(vertx, first, code);
    report(vertx, second, code);
    assertEquals(carol("id"), node.query("SELECT owner_id FROM devices WHERE id = '" + first.id() + "'"));
    assertEquals(null, node.query("SELECT owner_id FROM devices WHERE id = '" + second.id() + "'"), "a code claims one device");

    String expired = codeOf(carol);
    node.execute("UPDATE claim_codes SET expires_at = now() - interval '1 second' WHERE device_id IS NULL");
    report(vertx, second, expired);
    assertEquals(null, node.query("SELECT owner_id FROM devices WHERE id = '" + second.id() + "'"), "an expired code claims nothing");
  }

  @Test
  void anAdministratorClaimsAndImportsByIdAlone() throws Exception {
    DeviceIdentity device = node.provisionDevice();
    assertEquals(200, claimById(device, operator).statusCode());
    DeviceIdentity factory = node.provisionDevice();
    String product = product("admin-import", alice);
    JsonObject imported = importById(product, factory, operator);
    assertEquals(new JsonArray().add(factory.id()), imported.getJsonArray("updatedDeviceIds"), imported.encode());
  }

  @Test
  void aProductImportByIdNeedsAProductClaimCodeOfTheTeam(Vertx vertx) throws Exception {
    String product = product("proved-imports", alice);
    node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT p.id, u.id, 'developer' FROM products p, users u "
        + "WHERE p.slug = 'proved-imports' AND u.username = 'bob@claims.example'");
    DeviceIdentity device = node.provisionDevice();
    JsonObject refused = importById(product, device, alice);
    assertEquals(new JsonArray().add(device.id()), refused.getJsonArray("nonmemberDeviceIds"), refused.encode());

    // a person's own code is no proof for a product, nor is a stranger's product code
    report(vertx, device, codeOf(carol));
    node.execute("UPDATE devices SET owner_id = NULL, name = NULL WHERE id = '" + device.id() + "'");
    node.eventBus().publish("hub.devices.changed", new JsonObject().put("device_id", device.id()));
    assertError(node.post("/v1/products/" + product + "/device_claims", "{}", carol), 404, "not_found");
    assertEquals(new JsonArray().add(device.id()), importById(product, device, alice).getJsonArray("nonmemberDeviceIds"));

    HttpResponse<String> made = node.post("/v1/products/" + product + "/device_claims", "{}", bob);
    assertEquals(200, made.statusCode(), made.body());
    report(vertx, device, new JsonObject(made.body()).getString("claim_code"));
    assertEquals(productId(product), node.query("SELECT product_id FROM devices WHERE id = '" + device.id() + "'"),
        "a device that reports the team's code joins the product");

    DeviceIdentity later = node.provisionDevice();
    String teamCode = new JsonObject(node.post("/v1/products/" + product + "/device_claims", "{}", alice).body()).getString("claim_code");
    // bound while the device was in another product: the import by ID that follows needs the code, and has it
    node.execute("UPDATE devices SET product_id = " + productId(product("elsewhere", carol)) + " WHERE id = '" + later.id() + "'");
    report(vertx, later, teamCode);
    node.execute("UPDATE devices SET product_id = NULL WHERE id = '" + later.id() + "'");
    JsonObject imported = importById(product, later, alice);
    assertEquals(new JsonArray().add(later.id()), imported.getJsonArray("updatedDeviceIds"), imported.encode());
    assertEquals("0", node.query("SELECT count(*) FROM claim_codes WHERE device_id = '" + later.id() + "'"), "the import spent the code");
  }

  @Test
  void aCustomerClaimsOnlyADeviceThatReportedACodeOfTheCustomer(Vertx vertx) throws Exception {
    String product = product("customer-claims", alice);
    HttpResponse<String> clientMade = node.post("/v1/products/" + product + "/clients",
        new JsonObject().put("name", "App").put("type", "installed").encode(), alice);
    JsonObject client = new JsonObject(clientMade.body()).getJsonObject("client");
    HttpResponse<String> customerMade = node.postForm("/v1/products/" + product + "/customers",
        java.util.Map.of("email", "dana@claims.example", "password", "dana's password"), client.getString("id") + ":" + client.getString("secret"));
    String dana = new JsonObject(customerMade.body()).getString("access_token");
    DeviceIdentity device = node.provisionDevice();
    importById(product, device, operator);

    try (TestDevice connected = connect(vertx, device)) {
      TestNode.eventually(WAIT, () -> online(device), "online");
      assertRefused(claimById(device, dana), 403, "claim_code_required");
      HttpResponse<String> made = node.post("/v1/products/" + product + "/device_claims", "{}", dana);
      assertEquals(200, made.statusCode(), made.body());
      connected.publishAcknowledged("e/spark/device/claim/code", Buffer.buffer(new JsonObject(made.body()).getString("claim_code")));
    }
    assertEquals(node.query("SELECT id FROM users WHERE username = 'dana@claims.example'"),
        node.query("SELECT owner_id FROM devices WHERE id = '" + device.id() + "'"));
    assertError(node.post("/v1/products/proved-imports-not-hers/device_claims", "{}", dana), 404, "not_found");
  }

  @Test
  void codesArePerAccountAndCapped() throws Exception {
    String erin = node.signUpAndLogIn("erin@claims.example", "erin's password");
    for (int i = 0; i < 100; i++) {
      assertEquals(200, node.post("/v1/device_claims", "{}", erin).statusCode());
    }
    assertError(node.post("/v1/device_claims", "{}", erin), 429, "too_many_claim_codes");
    assertError(node.post("/v1/device_claims", "{}", node.adminToken()), 403, "forbidden");
    assertError(node.post("/v1/device_claims", "{}", null), 401, "invalid_request");
  }

  private static void report(Vertx vertx, DeviceIdentity device, String code) throws Exception {
    try (TestDevice connected = connect(vertx, device)) {
      connected.publishAcknowledged("e/spark/device/claim/code", Buffer.buffer(code));
    }
  }

  private static TestDevice connect(Vertx vertx, DeviceIdentity device) throws Exception {
    return TestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret()).await(10, TimeUnit.SECONDS);
  }

  private static String codeOf(String token) throws Exception {
    HttpResponse<String> made = node.post("/v1/device_claims", "{}", token);
    assertEquals(200, made.statusCode(), made.body());
    return new JsonObject(made.body()).getString("claim_code");
  }

  private static HttpResponse<String> claimById(DeviceIdentity device, String token) throws Exception {
    return node.post("/v1/devices", new JsonObject().put("id", device.id()).encode(), token);
  }

  private static JsonObject importById(String product, DeviceIdentity device, String token) throws Exception {
    HttpResponse<String> imported = node.post("/v1/products/" + product + "/devices", new JsonObject().put("id", device.id()).encode(), token);
    assertEquals(200, imported.statusCode(), imported.body());
    return new JsonObject(imported.body());
  }

  private static String product(String slug, String token) throws Exception {
    HttpResponse<String> created = node.post("/v1/products", new JsonObject().put("name", slug).put("slug", slug).put("platform_id", 12).encode(), token);
    assertEquals(201, created.statusCode(), created.body());
    return slug;
  }

  private static String productId(String slug) throws Exception {
    return node.query("SELECT id FROM products WHERE slug = '" + slug + "'");
  }

  private static boolean online(DeviceIdentity device) {
    try {
      return Boolean.TRUE.equals(node.deviceRow(device.id()).get("online"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String alice(String column) throws Exception {
    return node.query("SELECT " + column + " FROM users WHERE username = 'alice@claims.example'");
  }

  private static String bob(String column) throws Exception {
    return node.query("SELECT " + column + " FROM users WHERE username = 'bob@claims.example'");
  }

  private static String carol(String column) throws Exception {
    return node.query("SELECT " + column + " FROM users WHERE username = 'carol@claims.example'");
  }

  private static void assertRefused(HttpResponse<String> response, int status, String error) {
    assertError(response, status, error);
  }

  private static void assertError(HttpResponse<String> response, int status, String error) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(error, new JsonObject(response.body()).getString("error"), response.body());
  }
}
