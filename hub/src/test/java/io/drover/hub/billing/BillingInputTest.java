package io.drover.hub.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.products.fleet.AutoApproval;
import io.drover.hub.support.MovableClock;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input gets a precise answer and changes nothing: a card that fails Luhn or has expired, a card
 * number sent to the node, a plan change below the product's usage, a plan that is not self-service,
 * and the 251st device of a self-service plan (imported or auto-approved).
 */
class BillingInputTest {

  private static TestNode node;
  private static String owner;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.startWithClock(new MovableClock(Instant.now()), "--billing.tick-seconds=86400");
    owner = node.signUpAndLogIn("owner@input.example", "the owner's password");
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static int product(String name) throws Exception {
    HttpResponse<String> made = node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", name)
        .put("platform_id", 12)).encode(), owner);
    assertEquals(201, made.statusCode(), made.body());
    return new JsonObject(made.body()).getJsonObject("product").getInteger("id");
  }

  private static JsonObject error(HttpResponse<String> response, int status, String error) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    assertEquals(error, body.getString("error"), response.body());
    assertFalse(response.body().contains("Exception"), "no stack trace: " + response.body());
    return body;
  }

  private static HttpResponse<String> tokenise(String number, int month, int year) throws Exception {
    return node.post("/v1/billing/test_gateway/tokens", new JsonObject().put("number", number).put("exp_month", month).put("exp_year", year)
        .put("cvc", "123").encode(), owner);
  }

  @Test
  void aCardThatFailsLuhnOrHasExpiredIsRefusedAndNothingIsStored() throws Exception {
    JsonObject luhn = error(tokenise("4242 4242 4242 4241", 12, 2099), 400, "invalid_card");
    assertEquals("The card number is not valid (its check digit is wrong)", luhn.getString("error_description"));
    JsonObject expired = error(tokenise("4242424242424242", 1, 2020), 400, "invalid_card");
    assertEquals("The card expired at the end of 2020-01", expired.getString("error_description"));
    error(tokenise("4242424242424242", 13, 2099), 400, "invalid_card");
    error(tokenise("4242-4242-abcd-4242", 12, 2099), 400, "invalid_card");
    JsonObject real = error(tokenise("4111 1111 1111 1111", 12, 2099), 400, "invalid_card");
    assertTrue(real.getString("error_description").contains("test card numbers"), real.encode());
    assertEquals("0", node.query("SELECT count(*) FROM test_gateway_cards"));

    JsonObject number = error(node.send("PUT", "/v1/card", new JsonObject().put("number", "4242424242424242").encode(), owner), 400, "invalid_request");
    assertTrue(number.getString("error_description").contains("never takes card numbers"), number.encode());
    error(node.send("PUT", "/v1/card", new JsonObject().put("token", "tok_test_forged").encode(), owner), 400, "invalid_card");
    error(node.send("PUT", "/v1/card", "{}", owner), 400, "invalid_request");
    error(node.send("PUT", "/v1/card", "{\"token\": \"tok_test_\\u0000\"}", owner), 400, "invalid_card");
    error(node.send("PUT", "/v1/card", new JsonObject().put("token", 42).encode(), owner), 400, "invalid_request");
    error(node.send("PUT", "/v1/products/" + product("Odd Lamp") + "/billing", new JsonObject().put("plan", new JsonObject()).encode(), owner),
        400, "invalid_request");
    assertEquals("0", node.query("SELECT count(*) FROM billing_accounts"));
    assertNull(new JsonObject(node.get("/v1/card", owner).body()).getValue("card"));
  }

  @Test
  void theNodeKeepsBrandLastFourExpiryAndTokenOnly() throws Exception {
    String person = node.signUpAndLogIn("card@input.example", "the card holder's password");
    HttpResponse<String> tokenised = node.post("/v1/billing/test_gateway/tokens", new JsonObject().put("number", "5555 5555 5555 4444")
        .put("exp_month", 4).put("exp_year", 2098).put("cvc", "321").encode(), person);
    assertEquals(200, tokenised.statusCode(), tokenised.body());
    String token = new JsonObject(tokenised.body()).getString("id");
    assertEquals(200, node.send("PUT", "/v1/card", new JsonObject().put("token", token).encode(), person).statusCode());
    JsonObject card = new JsonObject(node.get("/v1/card", person).body()).getJsonObject("card");
    assertEquals(new JsonObject().put("brand", "MasterCard").put("last4", "4444").put("exp_month", 4).put("exp_year", 2098), card);
    String row = node.query("SELECT row_to_json(a)::text FROM billing_accounts a JOIN users u ON u.id = a.user_id WHERE u.username = 'card@input.example'");
    assertFalse(row.contains("5555555555554444") || row.contains("5555 5555"), row);
    assertFalse(node.query("SELECT row_to_json(c)::text FROM test_gateway_cards c WHERE token = '" + token + "'").contains("55555555"));
  }

  @Test
  void aDowngradeBelowTheProductsUsageIsRefusedAndNothingChanges() throws Exception {
    int productId = product("Busy Lamp");
    JsonObject up = new JsonObject(node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), owner).body());
    assertEquals("growth", up.getJsonObject("plan").getString("name"), up.encode());
    insertDevices(productId, 26, 0xb1);
    String adjustments = node.query("SELECT count(*) FROM billing_adjustments WHERE product_id = " + productId);

    JsonObject down = error(node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "free").encode(), owner),
        409, "plan_limit");
    assertEquals("Product Busy Lamp has 26 devices; plan free allows at most 25. Remove devices first", down.getString("error_description"));
    assertEquals("growth", node.query("SELECT plan FROM products WHERE id = " + productId));
    assertEquals(adjustments, node.query("SELECT count(*) FROM billing_adjustments WHERE product_id = " + productId), "no partial state");

    error(node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "platinum").encode(), owner), 400, "invalid_request");
    error(node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), owner), 400, "invalid_request");
    JsonObject enterprise = error(node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "enterprise").encode(), owner),
        403, "forbidden");
    assertTrue(enterprise.getString("error_description").contains("node's administrator"), enterprise.encode());
    assertEquals(200, node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "enterprise").encode(),
        node.adminToken()).statusCode(), "the node's administrator sets plans past the self-service limit");
  }

  @Test
  void onlyTheOwnerChangesThePlanTheOwnersCardPaysFor() throws Exception {
    int productId = product("Shared Lamp");
    for (String role : new String[] {"administrator", "developer"}) {
      String member = role + "@plan.example";
      String token = node.signUpAndLogIn(member, "password of the " + role);
      node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + productId + ", id, '" + role + "' FROM users WHERE username = '"
          + member + "'");
      JsonObject refused = error(node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), token),
          403, "forbidden");
      assertFalse(refused.getString("error_description").isEmpty(), role);
    }
    assertEquals("free", node.query("SELECT plan FROM products WHERE id = " + productId), "unchanged");
    assertEquals(200, node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), owner).statusCode());
  }

  @Test
  void aDowngradeBelowTheTeamIsRefused() throws Exception {
    int productId = product("Crowded Lamp");
    assertEquals(200, node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), owner).statusCode());
    for (int i = 0; i < 5; i++) {
      String member = "member" + i + "@input.example";
      node.signUpAndLogIn(member, "password of member " + i);
      node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + productId + ", id, 'view_only' FROM users WHERE username = '"
          + member + "'");
    }
    JsonObject down = error(node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "free").encode(), owner),
        409, "plan_limit");
    assertEquals("Product Crowded Lamp has 6 team members and invitations; plan free allows at most 5. Remove members first",
        down.getString("error_description"));
    assertEquals("growth", node.query("SELECT plan FROM products WHERE id = " + productId));
  }

  @Test
  void the251stDeviceIsRefusedWithTheLimitNamedWhetherImportedOrAutoApproved() throws Exception {
    int productId = product("Full Lamp");
    assertEquals(200, node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), owner).statusCode());
    insertDevices(productId, 249, 0xc1);
    TestNode.DeviceIdentity last = node.provisionDevice();
    TestNode.DeviceIdentity extra = node.provisionDevice();
    TestNode.DeviceIdentity another = node.provisionDevice();

    // two at once would make 251: the whole import is refused, neither joins
    JsonObject refused = error(node.post("/v1/products/" + productId + "/devices",
        new JsonObject().put("ids", new io.vertx.core.json.JsonArray().add(last.id()).add(extra.id())).encode(), node.adminToken()), 402, "device_limit");
    assertEquals("Plan growth allows at most 250 devices in a product (the self-service limit of 250 devices); product Full Lamp has 249 and "
        + "this would add 2. Move the product to a larger plan (Billing)", refused.getString("error_description"));
    assertEquals("249", node.query("SELECT count(*) FROM devices WHERE product_id = " + productId));

    // the 250th joins
    assertEquals(1, new JsonObject(node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", last.id()).encode(),
        node.adminToken()).body()).getInteger("updated"));
    error(node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", extra.id()).encode(), node.adminToken()), 402, "device_limit");

    // a device reporting the product at its handshake is not auto-approved past the limit either
    node.execute("UPDATE products SET settings = '{\"auto_approve_devices\": true}' WHERE id = " + productId);
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().connectingTo(node.node().database().connectOptions()).using(vertx).build();
      AutoApproval approval = new AutoApproval(pool, vertx.eventBus(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
      Exception refusal = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
          () -> approval.reported(another.id(), productId).await(10, TimeUnit.SECONDS), "at the limit: refused");
      String said = refusal.getCause() != null ? refusal.getCause().getMessage() : refusal.getMessage();
      assertTrue(String.valueOf(refusal.getMessage()).contains("limit of 250 devices") || String.valueOf(said).contains("limit of 250 devices"),
          refusal.toString());
      assertNull(node.query("SELECT product_id FROM devices WHERE id = '" + another.id() + "'"));
      // with room again (one device removed), the same report joins: the refusal was the limit's
      node.execute("UPDATE devices SET product_id = NULL WHERE id = '" + last.id() + "'");
      assertTrue(approval.reported(another.id(), productId).await(10, TimeUnit.SECONDS));
      assertEquals(String.valueOf(productId), node.query("SELECT product_id FROM devices WHERE id = '" + another.id() + "'"));
      pool.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void thePlansAndTheBillingPageAnswerInTheirShape() throws Exception {
    JsonObject plans = new JsonObject(node.get("/v1/billing/plans", owner).body());
    assertEquals(250, plans.getInteger("self_service_device_limit"));
    assertEquals("free", plans.getJsonArray("plans").getJsonObject(0).getString("name"));
    assertEquals(5, plans.getJsonArray("plans").getJsonObject(0).getInteger("team_limit"), "the free tier's team of 5");
    // the guide's time, not today's Particle (100 devices): the free Prototype tier up to 25 devices a product
    assertEquals(25, plans.getJsonArray("plans").getJsonObject(0).getInteger("device_limit"));
    assertTrue(plans.getJsonArray("plans").stream().map(plan -> (JsonObject) plan).filter(plan -> plan.getBoolean("self_service"))
        .allMatch(plan -> plan.getInteger("device_limit") <= 250), "self-service up to 250 devices");
    JsonObject status = new JsonObject(node.get("/v1/billing", owner).body());
    assertTrue(status.getJsonArray("products").size() >= 1, status.encode());
    JsonObject first = status.getJsonArray("products").getJsonObject(0);
    assertTrue(first.containsKey("renews_at") && first.getJsonObject("usage").containsKey("events")
        && first.getJsonObject("usage").containsKey("devices") && first.getJsonObject("usage").containsKey("team_members"), first.encode());
    // a teammate who is not the owner sees only products they own (none)
    String other = node.signUpAndLogIn("nobody@input.example", "nobody's password");
    assertEquals(0, new JsonObject(node.get("/v1/billing", other).body()).getJsonArray("products").size());
  }

  private static void insertDevices(int productId, int count, int prefix) throws Exception {
    node.execute("INSERT INTO devices (id, secret_hash, product_id) SELECT lpad(to_hex(x'" + Integer.toHexString(prefix)
        + "000000'::bigint + i), 24, '0'), '\\x00'::bytea, " + productId + " FROM generate_series(1, " + count + ") i");
  }
}
