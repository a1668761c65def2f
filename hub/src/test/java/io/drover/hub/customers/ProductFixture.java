package io.drover.hub.customers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * A product made behind the node's back (the products API is another branch's): a row in products,
 * its owner as administrator, settings as the Configuration page would save them, and helpers for
 * what these tests do to it through the real API.
 */
final class ProductFixture {

  final TestNode node;
  final int id;
  final String slug;
  final String ownerToken;

  private ProductFixture(TestNode node, int id, String slug, String ownerToken) {
    this.node = node;
    this.id = id;
    this.slug = slug;
    this.ownerToken = ownerToken;
  }

  /** @param settings the products.settings JSON, e.g. {@code {"authentication":"two_legged"}} */
  static ProductFixture create(TestNode node, String slug, String ownerEmail, String ownerToken, String settings) throws Exception {
    node.execute("""
        INSERT INTO products (slug, name, platform_id, owner_id, settings)
        SELECT '%s', 'Product %s', 12, id, '%s'::jsonb FROM users WHERE username = '%s' AND kind = 'person'""".formatted(slug, slug, settings, ownerEmail));
    int id = Integer.parseInt(node.query("SELECT id FROM products WHERE slug = '" + slug + "'"));
    node.execute("""
        INSERT INTO product_members (product_id, user_id, role, is_owner)
        SELECT %d, id, 'administrator', true FROM users WHERE username = '%s' AND kind = 'person'""".formatted(id, ownerEmail));
    return new ProductFixture(node, id, slug, ownerToken);
  }

  void addMember(String email, String role) throws Exception {
    node.execute("""
        INSERT INTO product_members (product_id, user_id, role) SELECT %d, id, '%s' FROM users WHERE username = '%s' AND kind = 'person'"""
        .formatted(id, role, email));
  }

  void settings(String settings) throws Exception {
    node.execute("UPDATE products SET settings = '" + settings + "'::jsonb WHERE id = " + id);
  }

  /** A device registered and put into this product, unclaimed. */
  TestNode.DeviceIdentity device() throws Exception {
    TestNode.DeviceIdentity device = node.provisionDevice();
    node.execute("UPDATE devices SET product_id = " + id + " WHERE id = '" + device.id() + "'");
    return device;
  }

  /** A client of the product made through the API by its owner: {id, secret}. */
  JsonObject client(String type, String redirectUri) throws Exception {
    JsonObject body = new JsonObject().put("name", "App " + type).put("type", type);
    if (redirectUri != null) {
      body.put("redirect_uri", redirectUri);
    }
    HttpResponse<String> made = node.post("/v1/products/" + id + "/clients", body.encode(), ownerToken);
    assertEquals(201, made.statusCode(), made.body());
    return new JsonObject(made.body()).getJsonObject("client");
  }

  /** A customer made with the product's client, under simple auth; answers its token. */
  String customer(JsonObject client, String email, String password) throws Exception {
    HttpResponse<String> made = node.postForm("/v1/products/" + id + "/customers", Map.of("email", email, "password", password),
        client.getString("id") + ":" + client.getString("secret"));
    assertEquals(200, made.statusCode(), made.body());
    return new JsonObject(made.body()).getString("access_token");
  }

  static void assertError(HttpResponse<String> response, int status, String error) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    assertEquals(error, body.getString("error"), response.body());
  }
}
