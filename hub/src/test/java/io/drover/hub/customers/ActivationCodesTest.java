package io.drover.hub.customers;

import static io.drover.hub.customers.ProductFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Private beta: the team makes 4-character activation codes and lists them used and unused; a
 * customer's claim needs an unused code of the product and spends it; and the team's customers page
 * (list, password change, removal) follows the roles.
 */
class ActivationCodesTest {

  private static final String OWNER = "owner@beta.example";
  private static TestNode node;
  private static String owner;
  private static String support;
  private static String viewer;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn(OWNER, "owner's password");
    support = node.signUpAndLogIn("support@beta.example", "support's password");
    viewer = node.signUpAndLogIn("viewer@beta.example", "viewer's password");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aPrivateBetaClaimNeedsAnUnusedCodeOfTheProduct() throws Exception {
    ProductFixture product = ProductFixture.create(node, "beta-lamp", OWNER, owner, "{\"private_beta\":true}");
    ProductFixture other = ProductFixture.create(node, "other-beta-lamp", OWNER, owner, "{\"private_beta\":true}");
    JsonObject client = product.client("installed", null);
    String nia = product.customer(client, "nia@example.com", "nia's password");
    String omar = product.customer(client, "omar@example.com", "omar's password");

    HttpResponse<String> made = node.post("/v1/products/beta-lamp/activation_codes", "{\"quantity\":3}", owner);
    assertEquals(201, made.statusCode(), made.body());
    JsonArray codes = new JsonObject(made.body()).getJsonArray("codes");
    assertEquals(3, codes.size());
    Set<String> distinct = new HashSet<>();
    for (Object code : codes) {
      assertTrue(((String) code).matches("[2-9A-HJ-NP-Z]{4}"), "4 characters, none of them 0, O, 1 or I: " + code);
      distinct.add((String) code);
    }
    assertEquals(3, distinct.size());
    String othersCode = new JsonObject(node.post("/v1/products/" + other.id + "/activation_codes", "{\"quantity\":1}", owner).body())
        .getJsonArray("codes").getString(0);

    DeviceIdentity first = product.device();
    DeviceIdentity second = product.device();
    String code = codes.getString(0);
    assertError(claim(nia, first, null), 400, "activation_code_required");
    assertError(claim(nia, first, "ZZ"), 400, "invalid_request");
    if (!codes.contains(othersCode)) {
      assertError(claim(nia, first, othersCode), 403, "invalid_activation_code"); // another product's code
    }
    assertEquals("0", node.query("SELECT count(*) FROM activation_codes WHERE used_at IS NOT NULL"), "refused claims spend nothing");

    assertEquals(200, claim(nia, first, code.toLowerCase()).statusCode(), "codes are read in any case");
    assertError(claim(omar, second, code), 403, "invalid_activation_code"); // used: answered as an unknown code
    assertEquals(200, claim(nia, first, null).statusCode(), "a device already one's own needs no code");
    assertEquals(200, claim(omar, second, codes.getString(1)).statusCode());

    JsonObject listed = new JsonObject(node.get("/v1/products/beta-lamp/activation_codes", owner).body());
    assertEquals(true, listed.getBoolean("private_beta"));
    assertEquals(3, listed.getJsonObject("meta").getInteger("total"));
    assertEquals(1, listed.getJsonObject("meta").getInteger("unused"));
    JsonObject spent = find(listed.getJsonArray("codes"), code);
    assertEquals(true, spent.getBoolean("used"));
    assertEquals("nia@example.com", spent.getString("used_by"));
    assertEquals(first.id(), spent.getString("device_id"));
    assertEquals(codes.getString(2), listed.getJsonArray("codes").getJsonObject(0).getString("code"), "unused codes come first");
    JsonArray unused = new JsonObject(node.get("/v1/products/beta-lamp/activation_codes?status=unused", owner).body()).getJsonArray("codes");
    assertEquals(1, unused.size());

    product.settings("{\"private_beta\":false}");
    DeviceIdentity third = product.device();
    assertEquals(200, claim(omar, third, null).statusCode(), "out of private beta, no code is needed");
  }

  @Test
  void wrongCodesAreLimitedSoThatCodesCannotBeGuessed() throws Exception {
    ProductFixture product = ProductFixture.create(node, "guessed-lamp", OWNER, owner, "{\"private_beta\":true}");
    String uma = product.customer(product.client("installed", null), "uma@example.com", "uma's password");
    String code = new JsonObject(node.post("/v1/products/guessed-lamp/activation_codes", "{\"quantity\":1}", owner).body())
        .getJsonArray("codes").getString(0);
    DeviceIdentity device = product.device();
    for (int i = 0; i < ActivationCodeGuesses.MAX_WRONG_PER_CUSTOMER; i++) {
      String guess = String.format("%04d", i).replace('0', 'Z').replace('1', 'Y');
      if (!guess.equals(code)) {
        assertError(claim(uma, device, guess), 403, "invalid_activation_code");
      } else {
        assertError(claim(uma, device, "ZZZZ".equals(code) ? "YYYY" : "ZZZZ"), 403, "invalid_activation_code");
      }
    }
    assertError(claim(uma, device, code), 429, "too_many_attempts");
    assertEquals(null, node.query("SELECT used_at FROM activation_codes WHERE code = '" + code + "'"), "a refused claim spends nothing");
  }

  @Test
  void codesAndCustomersFollowTheTeamsRoles() throws Exception {
    ProductFixture product = ProductFixture.create(node, "roles-lamp", OWNER, owner, "{}");
    product.addMember("support@beta.example", "support");
    product.addMember("viewer@beta.example", "view_only");
    String stranger = node.signUpAndLogIn("stranger@beta.example", "stranger's password");
    JsonObject client = product.client("installed", null);
    for (int i = 0; i < 3; i++) {
      product.customer(client, "customer" + i + "@example.com", "customer's password");
    }
    String pia = product.customer(client, "pia@example.com", "pia's password");
    DeviceIdentity pias = product.device();
    assertEquals(200, claim(pia, pias, null).statusCode());

    assertEquals(201, node.post("/v1/products/roles-lamp/activation_codes", "{\"quantity\":2}", support).statusCode());
    assertError(node.post("/v1/products/roles-lamp/activation_codes", "{\"quantity\":2}", viewer), 403, "forbidden");
    assertError(node.post("/v1/products/roles-lamp/activation_codes", "{\"quantity\":0}", owner), 400, "invalid_request");
    assertError(node.post("/v1/products/roles-lamp/activation_codes", "{\"quantity\":1001}", owner), 400, "invalid_request");
    assertError(node.post("/v1/products/roles-lamp/activation_codes", "{\"quantity\":\"many\"}", owner), 400, "invalid_request");
    assertEquals(200, node.get("/v1/products/roles-lamp/activation_codes", viewer).statusCode());
    assertError(node.get("/v1/products/roles-lamp/activation_codes", stranger), 404, "not_found");
    assertError(node.get("/v1/products/roles-lamp/activation_codes?status=maybe", owner), 400, "invalid_request");

    JsonObject page = new JsonObject(node.get("/v1/products/roles-lamp/customers?per_page=3&page=2", viewer).body());
    assertEquals(4, page.getJsonObject("meta").getInteger("total"));
    assertEquals(2, page.getJsonObject("meta").getInteger("total_pages"));
    JsonArray last = page.getJsonArray("customers");
    assertEquals(1, last.size());
    assertEquals("pia@example.com", last.getJsonObject(0).getString("username"), "in email order");
    assertEquals(new JsonArray().add(pias.id()), last.getJsonObject(0).getJsonArray("devices"));
    assertEquals(1, new JsonObject(node.get("/v1/products/roles-lamp/customers?search=PIA", owner).body()).getJsonArray("customers").size());
    assertError(node.get("/v1/products/roles-lamp/customers?per_page=0", owner), 400, "invalid_request");
    assertError(node.get("/v1/products/roles-lamp/customers", stranger), 404, "not_found");

    assertError(node.send("PUT", "/v1/products/roles-lamp/customers/pia@example.com", "{\"password\":\"a new password\"}", viewer),
        403, "forbidden");
    assertError(node.send("PUT", "/v1/products/roles-lamp/customers/pia@example.com", "{\"password\":\"short\"}", support),
        400, "invalid_request");
    assertEquals(200, node.send("PUT", "/v1/products/roles-lamp/customers/pia@example.com", "{\"password\":\"a new password\"}", support)
        .statusCode());
    String basic = client.getString("id") + ":" + client.getString("secret");
    assertEquals(200, node.postForm("/oauth/token", Map.of("grant_type", "password", "username", "pia@example.com", "password",
        "a new password"), basic).statusCode(), "the new password works");
    assertError(node.send("PUT", "/v1/products/roles-lamp/customers/nobody@example.com", "{\"password\":\"a new password\"}", owner),
        404, "not_found");

    assertError(node.send("DELETE", "/v1/products/roles-lamp/customers/pia@example.com", null, viewer), 403, "forbidden");
    assertEquals(200, node.send("DELETE", "/v1/products/roles-lamp/customers/pia@example.com", null, support).statusCode());
    assertEquals(null, node.query("SELECT owner_id FROM devices WHERE id = '" + pias.id() + "'"), "its device is unclaimed");
    assertError(node.send("DELETE", "/v1/products/roles-lamp/customers/pia@example.com", null, owner), 404, "not_found");
    assertError(node.send("DELETE", "/v1/products/roles-lamp/customers/not-an-email", null, owner), 400, "invalid_request");
  }

  /** A customer's claim as the customer's app makes it: the device online, having reported the customer's claim code. */
  private static HttpResponse<String> claim(String token, DeviceIdentity device, String code) throws Exception {
    return node.claimAsCustomer(device, token, code);
  }

  private static JsonObject find(JsonArray codes, String code) {
    for (int i = 0; i < codes.size(); i++) {
      if (codes.getJsonObject(i).getString("code").equals(code)) {
        return codes.getJsonObject(i);
      }
    }
    throw new AssertionError("no code " + code + " in " + codes);
  }
}
