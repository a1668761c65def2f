package io.drover.hub.products.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Device groups: create, read, rename, recolor, delete; batch add and remove; one device's groups; who may. */
class GroupsApiTest {

  private static TestNode node;
  private static FleetFixture fleet;
  private static String alice;
  private static String support;
  private static String viewer;
  private static String carol;
  private static int product;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    fleet = new FleetFixture(node);
    alice = node.signUpAndLogIn("alice@example.com", "alice's password");
    support = node.signUpAndLogIn("sam@example.com", "sam's password!");
    viewer = node.signUpAndLogIn("vera@example.com", "vera's password");
    carol = node.signUpAndLogIn("carol@example.com", "carol's password");
    product = fleet.product("lamps", "alice@example.com");
    fleet.member(product, "sam@example.com", "support");
    fleet.member(product, "vera@example.com", "view_only");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void createReadRenameAndDeleteAGroup() throws Exception {
    HttpResponse<String> created = node.post("/v1/products/lamps/groups",
        "{\"name\":\"kitchen\",\"description\":\"Lamps in the kitchen\",\"color\":\"#1F77B4\"}", alice);
    assertEquals(201, created.statusCode(), created.body());
    JsonObject group = new JsonObject(created.body()).getJsonObject("group");
    assertEquals(new JsonObject().put("name", "kitchen").put("description", "Lamps in the kitchen").put("color", "#1f77b4")
        .put("fw_version", null).put("device_count", 0), group);

    List<String> devices = fleet.devices(3, product);
    batch(devices, List.of("kitchen"), List.of(), alice);
    assertEquals(3, get("/v1/products/lamps/groups/kitchen").getJsonObject("group").getInteger("device_count"));

    HttpResponse<String> renamed = node.send("PUT", "/v1/products/lamps/groups/kitchen", "{\"name\":\"galley\",\"color\":\"#00ff00\"}", alice);
    assertEquals(200, renamed.statusCode(), renamed.body());
    JsonObject galley = new JsonObject(renamed.body()).getJsonObject("group");
    assertEquals("galley", galley.getString("name"));
    assertEquals("#00ff00", galley.getString("color"));
    assertEquals("Lamps in the kitchen", galley.getString("description"), "what is not given stays");
    assertEquals(3, galley.getInteger("device_count"), "the members follow the new name");
    assertEquals(new JsonArray(List.of("galley")), get("/v1/products/lamps/devices/" + devices.get(0)).getJsonArray("groups"));
    assertEquals(404, node.get("/v1/products/lamps/groups/kitchen", alice).statusCode());

    JsonArray groups = get("/v1/products/lamps/groups").getJsonArray("groups");
    assertTrue(groups.stream().anyMatch(g -> ((JsonObject) g).getString("name").equals("galley")), groups.encode());

    assertEquals(200, node.send("DELETE", "/v1/products/lamps/groups/galley", null, alice).statusCode());
    assertEquals(new JsonArray(), get("/v1/products/lamps/devices/" + devices.get(0)).getJsonArray("groups"), "deleting ungroups");
    assertEquals(404, node.send("DELETE", "/v1/products/lamps/groups/galley", null, alice).statusCode());
  }

  @Test
  void badGroupsAreRefusedByField() throws Exception {
    assertBad(node.post("/v1/products/lamps/groups", "{\"name\":\"Has Spaces\"}", alice), "name must be");
    assertBad(node.post("/v1/products/lamps/groups", "{}", alice), "name must be");
    assertBad(node.post("/v1/products/lamps/groups", "{\"name\":\"ok\",\"color\":\"red\"}", alice), "color must be");
    assertBad(node.post("/v1/products/lamps/groups", "{\"name\":\"ok\",\"description\":" + "\"x".repeat(1) + "x".repeat(600) + "\"}", alice),
        "description must be");
    assertEquals(201, node.post("/v1/products/lamps/groups", "{\"name\":\"twice\"}", alice).statusCode());
    HttpResponse<String> again = node.post("/v1/products/lamps/groups", "{\"name\":\"twice\"}", alice);
    assertEquals(400, again.statusCode());
    assertEquals("name_taken", new JsonObject(again.body()).getString("error"));
    assertEquals(201, node.post("/v1/products/lamps/groups", "{\"name\":\"other\"}", alice).statusCode());
    assertEquals("name_taken", new JsonObject(node.send("PUT", "/v1/products/lamps/groups/other", "{\"name\":\"twice\"}", alice).body())
        .getString("error"));
  }

  @Test
  void batchAddsAndRemovesGroupsForTheProductsDevicesOnly() throws Exception {
    node.post("/v1/products/lamps/groups", "{\"name\":\"east\"}", alice);
    node.post("/v1/products/lamps/groups", "{\"name\":\"west\"}", alice);
    List<String> mine = fleet.devices(4, product);
    String outside = fleet.device(null, null);

    JsonObject added = batch(List.of(mine.get(0), mine.get(1), mine.get(2), outside, "nope"), List.of("east", "west"), List.of(), alice);
    assertEquals(3, added.getInteger("updated"));
    assertEquals(new JsonArray(List.of(outside, "nope")).getList().stream().sorted().toList(),
        added.getJsonArray("invalidDeviceIds").getList().stream().sorted().toList(), "not in this product, or no ID");
    JsonObject removed = batch(List.of(mine.get(0), mine.get(1)), List.of(), List.of("west"), alice);
    assertEquals(2, removed.getInteger("updated"));
    assertEquals(new JsonArray(List.of("east")), get("/v1/products/lamps/devices/" + mine.get(0)).getJsonArray("groups"));
    assertEquals(new JsonArray(List.of("east", "west")), get("/v1/products/lamps/devices/" + mine.get(2)).getJsonArray("groups"));
    assertEquals(1, list("groups=west").getJsonObject("meta").getInteger("total"));

    HttpResponse<String> unknownGroup = node.send("PUT", "/v1/products/lamps/devices", batchBody(mine, List.of("nowhere"), List.of()), alice);
    assertBad(unknownGroup, "No such group in this product: nowhere");
    assertBad(node.send("PUT", "/v1/products/lamps/devices", "{\"action\":\"rename\"}", alice), "action must be groups");
    assertBad(node.send("PUT", "/v1/products/lamps/devices", batchBody(mine, List.of("east"), List.of("east")), alice), "metadata adds and removes the same group");
    assertBad(node.send("PUT", "/v1/products/lamps/devices", "{\"action\":\"groups\",\"devices\":[\"" + mine.get(0) + "\"],\"metadata\":{}}", alice),
        "metadata names no group");
  }

  @Test
  void oneDevicesGroupsNameNotesAndDevelopmentFlag() throws Exception {
    node.post("/v1/products/lamps/groups", "{\"name\":\"attic\"}", alice);
    node.post("/v1/products/lamps/groups", "{\"name\":\"cellar\"}", alice);
    String id = fleet.device(null, product);
    HttpResponse<String> updated = node.send("PUT", "/v1/products/lamps/devices/" + id,
        "{\"groups\":[\"attic\",\"cellar\"],\"development\":true,\"name\":\"lamp-1\",\"notes\":\"on the shelf\"}", alice);
    assertEquals(200, updated.statusCode(), updated.body());
    JsonObject device = new JsonObject(updated.body());
    assertEquals(new JsonArray(List.of("attic", "cellar")), device.getJsonArray("groups"));
    assertTrue(device.getBoolean("development"));
    assertEquals("lamp-1", device.getString("name"));
    assertEquals("on the shelf", device.getString("notes"));
    JsonObject onlyCellar = new JsonObject(node.send("PUT", "/v1/products/lamps/devices/" + id, "{\"groups\":[\"cellar\"],\"development\":false}", alice).body());
    assertEquals(new JsonArray(List.of("cellar")), onlyCellar.getJsonArray("groups"), "groups is the whole set");
    assertEquals(false, onlyCellar.getBoolean("development"));

    HttpResponse<String> supportRenames = node.send("PUT", "/v1/products/lamps/devices/" + id, "{\"name\":\"lamp-2\"}", support);
    assertEquals(200, supportRenames.statusCode(), "support operates devices: " + supportRenames.body());
    HttpResponse<String> supportFlags = node.send("PUT", "/v1/products/lamps/devices/" + id, "{\"development\":true}", support);
    assertEquals(403, supportFlags.statusCode());
    assertTrue(supportFlags.body().contains("support role may not change development or groups"), supportFlags.body());
    assertBad(node.send("PUT", "/v1/products/lamps/devices/" + id, "{\"development\":\"maybe\"}", alice), "development must be true or false");
    assertBad(node.send("PUT", "/v1/products/lamps/devices/" + id, "{\"groups\":[\"no such\"]}", alice), "groups holds no such");
    assertBad(node.send("PUT", "/v1/products/lamps/devices/" + id, "{\"groups\":[\"ghost\"]}", alice), "No such group in this product: ghost");
    assertNull(node.query("SELECT 1 FROM device_group_members WHERE group_name = 'ghost'"));
  }

  @Test
  void aRenameThroughTheProductReachesTheEventFiltersByName() throws Exception {
    String owner = node.signUpAndLogIn("olga@example.com", "olga's password");
    fleet.member(product, "olga@example.com", "developer");
    String id = fleet.device("olga@example.com", product);
    node.execute("INSERT INTO events (device_id, name, data, published_at, ttl, public, owner_id) VALUES ('" + id
        + "', 'temp', '21', now(), 60, false, " + fleet.userId("olga@example.com") + ")");
    assertEquals(200, node.send("PUT", "/v1/products/lamps/devices/" + id, "{\"name\":\"porch-lamp\"}", alice).statusCode());

    HttpResponse<String> history = node.get("/v1/history/events?filter=device:porch-lamp", owner);
    assertEquals(200, history.statusCode(), history.body());
    assertTrue(history.body().contains(id), "the owner's event history finds the device by its new name: " + history.body());
  }

  @Test
  void viewOnlyReadsGroupsButChangesNothingOutsidersSeeNothing() throws Exception {
    node.post("/v1/products/lamps/groups", "{\"name\":\"porch\"}", alice);
    assertEquals(200, node.get("/v1/products/lamps/groups", viewer).statusCode());
    assertEquals(200, node.get("/v1/products/lamps/groups/porch", viewer).statusCode());
    assertEquals(403, node.post("/v1/products/lamps/groups", "{\"name\":\"mine\"}", viewer).statusCode());
    assertEquals(403, node.send("PUT", "/v1/products/lamps/groups/porch", "{\"color\":\"#000000\"}", viewer).statusCode());
    assertEquals(403, node.send("DELETE", "/v1/products/lamps/groups/porch", null, support).statusCode());
    assertEquals(403, node.send("PUT", "/v1/products/lamps/devices", batchBody(List.of(FleetFixture.newId()), List.of("porch"), List.of()), viewer)
        .statusCode());
    assertEquals(404, node.get("/v1/products/lamps/groups", carol).statusCode());
    assertEquals(404, node.post("/v1/products/lamps/groups", "{\"name\":\"x\"}", carol).statusCode());
  }

  private static JsonObject batch(List<String> devices, List<String> add, List<String> remove, String token) throws Exception {
    HttpResponse<String> response = node.send("PUT", "/v1/products/lamps/devices", batchBody(devices, add, remove), token);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  private static String batchBody(List<String> devices, List<String> add, List<String> remove) {
    return new JsonObject().put("action", "groups").put("devices", new JsonArray(devices))
        .put("metadata", new JsonObject().put("add", new JsonArray(add)).put("remove", new JsonArray(remove))).encode();
  }

  private static JsonObject get(String path) throws Exception {
    HttpResponse<String> response = node.get(path, alice);
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    return new JsonObject(response.body());
  }

  private static JsonObject list(String query) throws Exception {
    return get("/v1/products/lamps/devices?" + query);
  }

  private static void assertBad(HttpResponse<String> response, String description) {
    assertEquals(400, response.statusCode(), response.body());
    assertTrue(new JsonObject(response.body()).getString("error_description").startsWith(description), response.body());
  }
}
