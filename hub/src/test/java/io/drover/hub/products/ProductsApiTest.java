package io.drover.hub.products;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Products through the API: create, list, read, edit, delete; slugs; settings; refusals of bad input. */
class ProductsApiTest {

  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private static TestNode node;
  private static String operator;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    operator = node.createAdministrator("operator@example.com", "the administrator"); // the node's administrator
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void creatingAProductMakesTheCreatorItsOwnerAndAdministrator() throws Exception {
    String alice = account();

    HttpResponse<String> created = node.post("/v1/products",
        "{\"name\":\"Smart Lamp\",\"platform_id\":13,\"description\":\"A lamp\"}", alice);

    assertEquals(201, created.statusCode(), created.body());
    JsonObject product = new JsonObject(created.body()).getJsonObject("product");
    assertTrue(product.getInteger("id") >= 1001, "numeric product ID: " + product);
    assertEquals("smart-lamp", product.getString("slug"));
    assertEquals("Smart Lamp", product.getString("name"));
    assertEquals("A lamp", product.getString("description"));
    assertEquals(13, product.getInteger("platform_id"));
    assertEquals("standard", product.getString("type"));
    assertTrue(product.containsKey("organization"));
    assertEquals("administrator", product.getString("role"));

    JsonObject read = new JsonObject(node.get("/v1/products/" + product.getInteger("id"), alice).body()).getJsonObject("product");
    assertEquals("smart-lamp", read.getString("slug"));
    assertEquals(usernameOf(alice), read.getString("owner"));
    assertEquals("administrator", read.getString("role"));
    assertTrue(read.getJsonArray("permissions").contains("manage_team"));
    assertEquals(product.getInteger("id"), new JsonObject(node.get("/v1/products/smart-lamp", alice).body())
        .getJsonObject("product").getInteger("id"), "a slug names the product too");
    assertEquals("t", node.query("SELECT is_owner FROM product_members WHERE product_id = " + product.getInteger("id")));
  }

  @Test
  void theAssetTrackerMakesATrackerProductAndADeviceTypeMayBeNamed() throws Exception {
    String alice = account();

    JsonObject tracker = created(node.post("/v1/products", "{\"name\":\"Trucks\",\"platform_id\":\"tracker\"}", alice));
    JsonObject bsom = created(node.post("/v1/products", "{\"name\":\"Meters\",\"platform_id\":\"B SoM\"}", alice));
    JsonObject nested = created(node.post("/v1/user/products", "{\"product\":{\"name\":\"Nested\",\"platform_id\":\"6\"}}", alice));

    assertEquals(26, tracker.getInteger("platform_id"));
    assertEquals("tracker", tracker.getString("type"));
    assertEquals(23, bsom.getInteger("platform_id"));
    assertEquals("standard", bsom.getString("type"));
    assertEquals(6, nested.getInteger("platform_id"), "Particle's nested product{} form");
  }

  @Test
  void slugsAreMadeFromTheNameAndNumberedWhenTaken() throws Exception {
    String alice = account();
    String bob = account();
    String name = "Gärten Sensor #" + ACCOUNTS.incrementAndGet();
    String base = "garten-sensor-" + ACCOUNTS.get();

    JsonObject first = created(node.post("/v1/products", new JsonObject().put("name", name).put("platform_id", 12).encode(), alice));
    JsonObject second = created(node.post("/v1/products", new JsonObject().put("name", name).put("platform_id", 12).encode(), bob));
    JsonObject digits = created(node.post("/v1/products", "{\"name\":\"12345\",\"platform_id\":12}", bob));
    JsonObject chosen = created(node.post("/v1/products", "{\"name\":\"Any\",\"platform_id\":12,\"slug\":\"My-Own-" + ACCOUNTS.get() + "\"}", bob));

    assertEquals(base, first.getString("slug"));
    assertEquals(base + "-2", second.getString("slug"));
    assertTrue(digits.getString("slug").startsWith("product-12345"), "an all-digit slug would read as an ID: " + digits);
    assertEquals("my-own-" + ACCOUNTS.get(), chosen.getString("slug"));
    HttpResponse<String> taken = node.post("/v1/products", "{\"name\":\"Other\",\"platform_id\":12,\"slug\":\"" + base + "\"}", alice);
    assertError(taken, 400, "slug");
  }

  @Test
  void listingShowsOnlyTheProductsTheCallerIsAMemberOf() throws Exception {
    String alice = account();
    String bob = account();
    JsonObject mine = created(node.post("/v1/products", "{\"name\":\"Alice's\",\"platform_id\":6}", alice));
    JsonObject theirs = created(node.post("/v1/products", "{\"name\":\"Bob's\",\"platform_id\":6}", bob));

    JsonArray listed = new JsonObject(node.get("/v1/products", alice).body()).getJsonArray("products");

    assertEquals(1, listed.size(), listed.encode());
    assertEquals(mine.getInteger("id"), listed.getJsonObject(0).getInteger("id"));
    assertEquals("administrator", listed.getJsonObject(0).getString("role"));
    assertError(node.get("/v1/products/" + theirs.getInteger("id"), alice), 404, "not found");
    assertError(node.get("/v1/products/" + theirs.getString("slug"), alice), 404, "not found");
    assertEquals(200, node.get("/v1/products/" + theirs.getInteger("id"), operator).statusCode(), "a node administrator reads any product");
  }

  @Test
  void editingChangesNameAndDescriptionButNeverTheDeviceType() throws Exception {
    String alice = account();
    int id = created(node.post("/v1/products", "{\"name\":\"Before\",\"platform_id\":6}", alice)).getInteger("id");

    HttpResponse<String> edited = node.send("PUT", "/v1/products/" + id, "{\"name\":\"After\",\"description\":\"new\"}", alice);

    assertEquals(200, edited.statusCode(), edited.body());
    JsonObject product = new JsonObject(node.get("/v1/products/" + id, alice).body()).getJsonObject("product");
    assertEquals("After", product.getString("name"));
    assertEquals("new", product.getString("description"));
    assertEquals("before", product.getString("slug"), "the slug stays: addresses keep working");
    assertError(node.send("PUT", "/v1/products/" + id, "{\"platform_id\":13}", alice), 400, "platform_id");
    assertError(node.send("PUT", "/v1/products/" + id, "{\"name\":\"\"}", alice), 400, "name");
    assertError(node.send("PUT", "/v1/products/" + id, "{\"colour\":\"red\"}", alice), 400, "colour");
    assertError(node.send("PUT", "/v1/products/" + id, "{}", alice), 400, "Nothing to change");
  }

  @Test
  void onlyTheOwnerOrANodeAdministratorDeletesAProduct() throws Exception {
    String alice = account();
    String bob = account();
    JsonObject product = created(node.post("/v1/products", "{\"name\":\"Doomed\",\"platform_id\":6}", alice));
    int id = product.getInteger("id");
    invitedAndAccepted(alice, id, bob, "administrator");

    assertError(node.send("DELETE", "/v1/products/" + id, null, bob), 403, "owner");
    assertEquals(204, node.send("DELETE", "/v1/products/" + id, null, alice).statusCode());
    assertError(node.get("/v1/products/" + id, alice), 404, "not found");
    assertNull(node.query("SELECT id FROM products WHERE id = " + id));

    int other = created(node.post("/v1/products", "{\"name\":\"Doomed too\",\"platform_id\":6}", alice)).getInteger("id");
    assertEquals(204, node.send("DELETE", "/v1/products/" + other, null, operator).statusCode());
    assertError(node.send("DELETE", "/v1/products/" + other, null, alice), 404, "not found");
  }

  @Test
  void badInputIsAnsweredWithTheFieldThatIsWrong() throws Exception {
    String alice = account();

    assertError(node.post("/v1/products", "{\"platform_id\":6}", alice), 400, "name");
    assertError(node.post("/v1/products", "{\"name\":\"   \",\"platform_id\":6}", alice), 400, "name");
    assertError(node.post("/v1/products", "{\"name\":\"" + "x".repeat(101) + "\",\"platform_id\":6}", alice), 400, "name");
    assertError(node.post("/v1/products", "{\"name\":\"No type\"}", alice), 400, "platform_id");
    assertError(node.post("/v1/products", "{\"name\":\"Odd\",\"platform_id\":999}", alice), 400, "platform_id");
    assertError(node.post("/v1/products", "{\"name\":\"Odd\",\"platform_id\":\"toaster\"}", alice), 400, "platform_id");
    assertError(node.post("/v1/products", "{\"name\":\"Odd\",\"platform_id\":6,\"slug\":\"Bad Slug!\"}", alice), 400, "slug");
    assertError(node.post("/v1/products", "{\"name\":\"Odd\",\"platform_id\":6,\"slug\":\"1234\"}", alice), 400, "slug");
    assertError(node.post("/v1/products", "{\"name\":\"Odd\",\"platform_id\":6,\"color\":\"red\"}", alice), 400, "color");
    assertError(node.post("/v1/products", "{\"name\":7,\"platform_id\":6}", alice), 400, "name");
    assertError(node.post("/v1/products", "[1,2]", alice), 400, "JSON");
    assertError(node.post("/v1/products", "{\"name\":\"x\",\"platform_id\":6}", null), 401, "token");
    assertError(node.get("/v1/products/no-such-product", alice), 404, "not found");
    assertError(node.get("/v1/products/99999999", alice), 404, "not found");
    assertEquals(0, new JsonObject(node.get("/v1/products", alice).body()).getJsonArray("products").size(), "nothing was created");
  }

  @Test
  void configurationAnswersAreSavedValidatedAndDefaulted() throws Exception {
    String alice = account();
    int id = created(node.post("/v1/products", "{\"name\":\"Configured\",\"platform_id\":13}", alice)).getInteger("id");

    JsonObject fresh = new JsonObject(node.get("/v1/products/" + id + "/settings", alice).body());
    assertEquals(new JsonObject().put("authentication", "simple").put("private_beta", false)
        .put("manufacturing_programming", false).put("auto_approve_devices", false), fresh.getJsonObject("settings"));
    assertEquals(new JsonArray(), fresh.getJsonArray("answered"));

    HttpResponse<String> saved = node.send("PUT", "/v1/products/" + id + "/settings",
        "{\"authentication\":\"two_legged\",\"private_beta\":true,\"auto_approve_devices\":true}", alice);
    assertEquals(200, saved.statusCode(), saved.body());
    JsonObject answer = new JsonObject(node.get("/v1/products/" + id + "/settings", alice).body());
    assertEquals("two_legged", answer.getJsonObject("settings").getString("authentication"));
    assertTrue(answer.getJsonObject("settings").getBoolean("private_beta"));
    assertTrue(answer.getJsonObject("settings").getBoolean("auto_approve_devices"));
    assertFalse(answer.getJsonObject("settings").getBoolean("manufacturing_programming"));
    assertEquals(new JsonArray(List.of("authentication", "auto_approve_devices", "private_beta")), answer.getJsonArray("answered"));
    assertEquals("two_legged", new JsonObject(node.get("/v1/products/" + id, alice).body())
        .getJsonObject("product").getJsonObject("settings").getString("authentication"), "the product object carries them");

    node.send("PUT", "/v1/products/" + id + "/settings", "{\"settings\":{\"private_beta\":null}}", alice);
    assertFalse(new JsonObject(node.get("/v1/products/" + id + "/settings", alice).body()).getJsonObject("settings").getBoolean("private_beta"),
        "null clears an answer back to its default");

    assertError(node.send("PUT", "/v1/products/" + id + "/settings", "{\"authentication\":\"magic\"}", alice), 400, "authentication");
    assertError(node.send("PUT", "/v1/products/" + id + "/settings", "{\"private_beta\":\"yes\"}", alice), 400, "private_beta");
    assertError(node.send("PUT", "/v1/products/" + id + "/settings", "{\"favourite_colour\":\"red\"}", alice), 400, "favourite_colour");
    assertError(node.send("PUT", "/v1/products/" + id + "/settings", "{}", alice), 400, "No settings");
    assertEquals("two_legged", new JsonObject(node.get("/v1/products/" + id + "/settings", alice).body())
        .getJsonObject("settings").getString("authentication"), "a refused change changes nothing");
  }

  @Test
  void configurationAnswersMayComeAsAForm() throws Exception {
    String alice = account();
    int id = created(node.post("/v1/products", "{\"name\":\"Form\",\"platform_id\":13}", alice)).getInteger("id");

    HttpResponse<String> saved = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.httpPort() + "/v1/products/" + id + "/settings"))
            .header("Authorization", "Bearer " + alice).header("Content-Type", "application/x-www-form-urlencoded")
            .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("private_beta=true&authentication=oauth")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(200, saved.statusCode(), saved.body());
    JsonObject settings = new JsonObject(saved.body()).getJsonObject("settings");
    assertEquals(true, settings.getBoolean("private_beta"));
    assertEquals("oauth", settings.getString("authentication"));
  }

  // --- helpers

  private static String account() throws Exception {
    return node.signUpAndLogIn("person" + ACCOUNTS.incrementAndGet() + "@example.com", "a good password");
  }

  private static String usernameOf(String token) throws Exception {
    return new JsonObject(node.get("/v1/user", token).body()).getString("username");
  }

  static JsonObject created(HttpResponse<String> response) {
    assertEquals(201, response.statusCode(), response.body());
    return new JsonObject(response.body()).getJsonObject("product");
  }

  private static void invitedAndAccepted(String inviter, int productId, String invitee, String role) throws Exception {
    HttpResponse<String> invited = node.post("/v1/products/" + productId + "/team",
        new JsonObject().put("username", usernameOf(invitee)).put("role", role).encode(), inviter);
    assertEquals(201, invited.statusCode(), invited.body());
    assertEquals(200, node.post("/v1/user/invitations/" + productId + "/accept", "", invitee).statusCode());
  }

  static void assertError(HttpResponse<String> response, int status, String mentioned) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    assertTrue(body.getString("error_description").toLowerCase().contains(mentioned.toLowerCase()),
        "the answer names " + mentioned + ": " + response.body());
  }
}
