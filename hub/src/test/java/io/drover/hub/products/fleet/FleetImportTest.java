package io.drover.hub.products.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.products.FleetChanges;
import io.drover.hub.support.TestNode;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Importing devices into a product: the four outcomes, from a real multipart .txt upload and from JSON. */
class FleetImportTest {

  private static TestNode node;
  private static FleetFixture fleet;
  private static String alice;
  private static String viewer;
  private static int product;
  private static int otherProduct;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    fleet = new FleetFixture(node);
    alice = node.signUpAndLogIn("alice@example.com", "alice's password");
    node.signUpAndLogIn("bob@example.com", "bob's password!");
    node.signUpAndLogIn("carol@example.com", "carol's password");
    viewer = node.signUpAndLogIn("vera@example.com", "vera's password");
    product = fleet.product("widgets", "alice@example.com");
    fleet.member(product, "bob@example.com", "developer");
    fleet.member(product, "vera@example.com", "view_only");
    otherProduct = fleet.product("gadgets", "carol@example.com");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aTextFileGetsAllFourOutcomes() throws Exception {
    String unowned = fleet.device(null, null);
    String teamMembers = fleet.device("bob@example.com", null);
    String already = fleet.device(null, product);
    String outsiders = fleet.device("carol@example.com", null);
    String inAnotherProduct = fleet.device(null, otherProduct);
    String unknown = FleetFixture.newId();
    List<JsonObject> notices = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = node.eventBus().consumer(FleetChanges.ADDRESS, message -> notices.add(message.body()));

    String file = "  " + unowned.toUpperCase() + "  \r\n\r\n" + teamMembers + "\n" + already + "\n\n" + outsiders + "\n"
        + inAnotherProduct + "\n" + unknown + "\nnot-a-device-id\n" + unowned + "\n   \n";
    HttpResponse<String> response = fleet.upload("/v1/products/widgets/devices", "file", "devices.txt", file, alice);

    assertEquals(200, response.statusCode(), response.body());
    JsonObject outcome = new JsonObject(response.body());
    assertEquals(2, outcome.getInteger("updated"));
    assertEquals(new JsonArray(List.of(unowned, teamMembers)), outcome.getJsonArray("updatedDeviceIds"), "added, each once, in file order");
    assertEquals(new JsonArray(List.of(already)), outcome.getJsonArray("existingDeviceIds"));
    assertEquals(new JsonArray(List.of(outsiders, inAnotherProduct)), outcome.getJsonArray("nonmemberDeviceIds"));
    assertEquals(new JsonArray(List.of("not-a-device-id", unknown)), outcome.getJsonArray("invalidDeviceIds"));

    assertEquals(String.valueOf(product), node.query("SELECT product_id FROM devices WHERE id = '" + teamMembers + "'"));
    assertNull(node.query("SELECT product_id FROM devices WHERE id = '" + outsiders + "'"), "someone else's device stays out");
    assertEquals(String.valueOf(otherProduct), node.query("SELECT product_id FROM devices WHERE id = '" + inAnotherProduct + "'"));
    TestNode.eventually(Duration.ofSeconds(5), () -> notices.stream().anyMatch(n -> n.getInteger("product_id") == product
        && n.getJsonArray("device_ids").equals(new JsonArray(List.of(unowned, teamMembers)))), "firmware targeting hears of the added devices");
    consumer.unregister();
  }

  @Test
  void theJsonFormsGetTheSameOutcomes() throws Exception {
    String unowned = fleet.device(null, null);
    String outsiders = fleet.device("carol@example.com", null);
    String already = fleet.device(null, product);

    JsonObject many = new JsonObject(node.post("/v1/products/" + product + "/devices",
        new JsonObject().put("ids", new JsonArray(List.of(unowned, outsiders, already, "0123", 42))).encode(), alice).body());
    assertEquals(new JsonArray(List.of(unowned)), many.getJsonArray("updatedDeviceIds"));
    assertEquals(new JsonArray(List.of(already)), many.getJsonArray("existingDeviceIds"));
    assertEquals(new JsonArray(List.of(outsiders)), many.getJsonArray("nonmemberDeviceIds"));
    assertEquals(new JsonArray(List.of("0123", "42")), many.getJsonArray("invalidDeviceIds"));

    String boron = fleet.device(null, null);
    node.setHardware(boron, 13, true);
    JsonObject otherType = new JsonObject(node.post("/v1/products/widgets/devices", new JsonObject().put("id", boron).encode(), alice).body());
    assertEquals(new JsonArray(List.of(boron)), otherType.getJsonArray("invalidDeviceIds"), "an Argon product takes no Boron");
    String argon = fleet.device(null, null);
    node.setHardware(argon, 12, false);
    assertEquals(1, new JsonObject(node.post("/v1/products/widgets/devices", new JsonObject().put("id", argon).encode(), alice).body())
        .getInteger("updated"), "the product's own type joins");

    String another = fleet.device(null, null);
    JsonObject one = new JsonObject(node.post("/v1/products/widgets/devices", new JsonObject().put("id", another).encode(), alice).body());
    assertEquals(1, one.getInteger("updated"));
    JsonObject again = new JsonObject(node.post("/v1/products/widgets/devices", new JsonObject().put("id", another).encode(), alice).body());
    assertEquals(0, again.getInteger("updated"));
    assertEquals(new JsonArray(List.of(another)), again.getJsonArray("existingDeviceIds"), "importing twice changes nothing");
  }

  @Test
  void tooManyIdsOrAWrongBodyIsAPreciseBadRequest() throws Exception {
    StringBuilder file = new StringBuilder();
    JsonArray ids = new JsonArray();
    for (int i = 0; i <= DeviceIdList.MAX_IDS; i++) {
      String id = String.format("%024x", 0xabc_0000_0000L + i);
      file.append(id).append('\n');
      ids.add(id);
    }
    HttpResponse<String> bigFile = fleet.upload("/v1/products/widgets/devices", "file", "all.txt", file.toString(), alice);
    assertEquals(400, bigFile.statusCode(), bigFile.body());
    assertTrue(new JsonObject(bigFile.body()).getString("error_description").contains("more than 10000 device IDs"), bigFile.body());
    HttpResponse<String> bigJson = node.post("/v1/products/widgets/devices", new JsonObject().put("ids", ids).encode(), alice);
    assertEquals(400, bigJson.statusCode(), bigJson.body());
    assertTrue(new JsonObject(bigJson.body()).getString("error_description").startsWith("ids holds more than"), bigJson.body());

    HttpResponse<String> wrongField = fleet.upload("/v1/products/widgets/devices", "devices", "a.txt", FleetFixture.newId(), alice);
    assertEquals(400, wrongField.statusCode());
    assertTrue(wrongField.body().contains("form field named file"), wrongField.body());
    HttpResponse<String> empty = fleet.upload("/v1/products/widgets/devices", "file", "a.txt", "\n  \n", alice);
    assertEquals(400, empty.statusCode());
    assertTrue(empty.body().contains("file names no device ID"), empty.body());
    HttpResponse<String> noIds = node.post("/v1/products/widgets/devices", "{\"ids\":\"abc\"}", alice);
    assertEquals(400, noIds.statusCode());
    assertTrue(noIds.body().contains("ids must be an array"), noIds.body());
    assertEquals(400, node.post("/v1/products/widgets/devices", "{}", alice).statusCode());
    assertEquals(400, node.post("/v1/products/widgets/devices", "[1,2]", alice).statusCode());
  }

  @Test
  void viewOnlyMayNotImportAndOutsidersDoNotSeeTheProduct() throws Exception {
    String id = fleet.device(null, null);
    HttpResponse<String> viewOnly = node.post("/v1/products/widgets/devices", new JsonObject().put("id", id).encode(), viewer);
    assertEquals(403, viewOnly.statusCode(), viewOnly.body());
    assertTrue(viewOnly.body().contains("view_only"), viewOnly.body());
    String carol = node.logIn("carol@example.com", "carol's password");
    assertEquals(404, node.post("/v1/products/widgets/devices", new JsonObject().put("id", id).encode(), carol).statusCode());
    assertEquals(401, node.post("/v1/products/widgets/devices", new JsonObject().put("id", id).encode(), null).statusCode());
    assertNull(node.query("SELECT product_id FROM devices WHERE id = '" + id + "'"));
  }

  @Test
  void aRemovedDeviceIsDeniedUntilImportedAgain() throws Exception {
    String id = fleet.device("bob@example.com", null);
    assertEquals(200, node.post("/v1/products/widgets/devices", new JsonObject().put("id", id).encode(), alice).statusCode());
    String bob = node.logIn("bob@example.com", "bob's password!");
    assertEquals(200, node.send("PUT", "/v1/products/widgets/devices/" + id, "{\"development\":true}", bob).statusCode());

    long before = total();
    HttpResponse<String> removed = node.send("DELETE", "/v1/products/widgets/devices/" + id, null, alice);
    assertEquals(200, removed.statusCode(), removed.body());
    assertEquals(before - 1, total(), "the product's count follows");
    assertNull(node.query("SELECT product_id FROM devices WHERE id = '" + id + "'"));
    assertEquals(String.valueOf(fleet.userId("bob@example.com")), node.query("SELECT owner_id FROM devices WHERE id = '" + id + "'"),
        "the device stays on the node with its owner");
    assertEquals("false", node.query("SELECT development::text FROM devices WHERE id = '" + id + "'"));
    assertEquals("1", node.query("SELECT count(*) FROM product_device_denials WHERE device_id = '" + id + "' AND product_id = " + product));
    assertEquals(404, node.send("DELETE", "/v1/products/widgets/devices/" + id, null, alice).statusCode(), "not in the product any more");
    assertEquals(404, node.get("/v1/products/widgets/devices/" + id, alice).statusCode());

    assertEquals(200, node.post("/v1/products/widgets/devices", new JsonObject().put("id", id).encode(), alice).statusCode());
    assertEquals("0", node.query("SELECT count(*) FROM product_device_denials WHERE device_id = '" + id + "'"), "importing lifts the denial");
    assertEquals(before, total());
    assertEquals(String.valueOf(before), node.query("SELECT count(*) FROM devices WHERE product_id = " + product), "the kept count is the real one");
  }

  private static long total() throws Exception {
    return new JsonObject(node.get("/v1/products/widgets/devices?per_page=1", alice).body()).getJsonObject("meta").getLong("total");
  }
}
