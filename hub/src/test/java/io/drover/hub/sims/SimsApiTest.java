package io.drover.hub.sims;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SIM routes on a real node and database: import, list, actions, release, usage, and every refusal the issue names. */
class SimsApiTest {

  private static TestNode node;
  private static SimFixture fixture;
  private static String alice;
  private static String bob;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    fixture = new SimFixture(node);
    alice = node.signUpAndLogIn("sim-alice@example.com", "correct horse battery staple");
    bob = node.signUpAndLogIn("sim-bob@example.com", "correct horse battery staple");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aTextFileImportsSimsWithTheirDevicesIntoTheAccount() throws Exception {
    String device = fixture.device("sim-alice@example.com", null, "boron-1");
    String withDevice = SimFixture.iccid();
    String bare = SimFixture.iccid();
    HttpResponse<String> imported = fixture.upload("/v1/sims", "# from the carrier's manifest\n" + withDevice + "," + device.toUpperCase()
        + "\r\n\n  " + bare + "  \n", alice);
    assertEquals(200, imported.statusCode(), imported.body());
    JsonObject outcome = new JsonObject(imported.body());
    assertEquals(true, outcome.getBoolean("ok"));
    assertEquals(new JsonArray(List.of(withDevice, bare)), outcome.getJsonArray("added"));

    JsonObject sim = new JsonObject(node.get("/v1/sims/" + withDevice, alice).body());
    assertEquals(withDevice, sim.getString("iccid"));
    assertEquals("active", sim.getString("status"));
    assertEquals("drover", sim.getString("carrier"));
    assertEquals(device, sim.getString("device_id"));
    assertEquals("boron-1", sim.getString("device_name"));
    assertEquals(device, sim.getString("last_device_id"));
    assertEquals("sim-alice@example.com", sim.getString("owner"));
    assertNull(sim.getValue("mb_limit"));

    HttpResponse<String> listed = node.get("/v1/sims", alice);
    assertEquals(200, listed.statusCode());
    JsonArray sims = new JsonArray(listed.body());
    assertTrue(sims.stream().anyMatch(s -> ((JsonObject) s).getString("iccid").equals(bare)), listed.body());
    assertFalse(new JsonArray(node.get("/v1/sims", bob).body()).stream().anyMatch(s -> ((JsonObject) s).getString("iccid").equals(bare)),
        "bob sees none of alice's SIMs");

    HttpResponse<String> again = node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(bare)).encode(), alice);
    assertEquals(new JsonArray(List.of(bare)), new JsonObject(again.body()).getJsonArray("existing"), "importing again changes nothing");
  }

  @Test
  void malformedIccidsRefuseTheWholeImportAndSayWhy() throws Exception {
    long before = fixture.simCount();
    String good = SimFixture.iccid();
    String luhn = SimFixture.badCheckDigit(SimFixture.iccid());
    String shortOne = "8944000000000000";
    HttpResponse<String> refused = fixture.upload("/v1/sims", good + "\n" + luhn + "\n" + shortOne + "\nnot-an-iccid\n", alice);
    assertEquals(400, refused.statusCode(), refused.body());
    JsonObject error = new JsonObject(refused.body());
    assertEquals(false, error.getBoolean("ok"));
    assertEquals("invalid_iccid", error.getString("error"));
    assertTrue(error.getString("error_description").contains("nothing was imported"), error.encode());
    JsonArray invalid = error.getJsonArray("invalid_sims");
    assertEquals(3, invalid.size(), error.encode());
    assertEquals(new JsonObject().put("iccid", luhn).put("reason", "check_digit"), pick(invalid.getJsonObject(0)));
    assertEquals(new JsonObject().put("iccid", shortOne).put("reason", "length"), pick(invalid.getJsonObject(1)));
    assertEquals(new JsonObject().put("iccid", "not-an-iccid").put("reason", "digits"), pick(invalid.getJsonObject(2)));
    assertEquals(before, fixture.simCount(), "not even the good one was stored");

    HttpResponse<String> json = node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(good).add(12345)).encode(), alice);
    assertEquals(400, json.statusCode());
    assertEquals("invalid_iccid", new JsonObject(json.body()).getString("error"));
    assertEquals(before, fixture.simCount());

    HttpResponse<String> path = node.get("/v1/sims/" + luhn, alice);
    assertEquals(400, path.statusCode());
    assertEquals("invalid_iccid", new JsonObject(path.body()).getString("error"));
    assertEquals("check_digit", new JsonObject(path.body()).getString("reason"));
    assertEquals(400, new JsonObject(node.get("/v1/sims/123456789012345678901", alice).body()).getInteger("status", 400));
    assertEquals("length", new JsonObject(node.get("/v1/sims/123456789012345678901", alice).body()).getString("reason"));
  }

  @Test
  void aSimOfAnotherAccountRefusesTheImportAndIsNeitherReadNorChanged() throws Exception {
    String bobs = SimFixture.iccid();
    assertEquals(200, node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(bobs)).encode(), bob).statusCode());
    long before = fixture.simCount();
    String fresh = SimFixture.iccid();

    HttpResponse<String> refused = node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(fresh).add(bobs)).encode(), alice);
    assertEquals(409, refused.statusCode(), refused.body());
    JsonObject error = new JsonObject(refused.body());
    assertEquals("sim_taken", error.getString("error"));
    assertEquals(new JsonArray(List.of(bobs)), error.getJsonArray("iccids"));
    assertEquals(before, fixture.simCount(), "the fresh SIM of the same import was not stored");

    assertEquals(404, node.get("/v1/sims/" + bobs, alice).statusCode());
    assertEquals(404, node.send("PUT", "/v1/sims/" + bobs, new JsonObject().put("action", "deactivate").encode(), alice).statusCode());
    assertEquals(404, node.send("DELETE", "/v1/sims/" + bobs, null, alice).statusCode());
    assertEquals(404, node.get("/v1/sims/" + bobs + "/data_usage", alice).statusCode());
    HttpResponse<String> activate = node.send("PUT", "/v1/sims/" + bobs, new JsonObject().put("action", "activate").encode(), alice);
    assertEquals(409, activate.statusCode(), "activating someone else's SIM does not take it");
    assertEquals("active", new JsonObject(node.get("/v1/sims/" + bobs, bob).body()).getString("status"), "bob's SIM is as it was");
    assertEquals(String.valueOf(fixture.userId("sim-bob@example.com")), node.query("SELECT owner_id FROM sims WHERE iccid = '" + bobs + "'"));

    assertEquals(403, fixture.head("/v1/sims/" + bobs, alice), "checkSIM: someone else's");
    assertEquals(204, fixture.head("/v1/sims/" + bobs, bob), "checkSIM: yours, active");
    assertEquals(404, fixture.head("/v1/sims/" + fresh, alice), "checkSIM: no one's");
  }

  @Test
  void aDeviceThatIsNotTheImportersRefusesTheImport() throws Exception {
    String bobsDevice = fixture.device("sim-bob@example.com", null, null);
    long before = fixture.simCount();
    HttpResponse<String> refused = fixture.upload("/v1/sims", SimFixture.iccid() + "\n" + SimFixture.iccid() + " " + bobsDevice + "\n", alice);
    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals("invalid_device", new JsonObject(refused.body()).getString("error"));
    assertEquals(new JsonArray(List.of(bobsDevice)), new JsonObject(refused.body()).getJsonArray("device_ids"));
    assertEquals(before, fixture.simCount());
  }

  @Test
  void deactivateReactivateLimitAndRelease() throws Exception {
    String iccid = SimFixture.iccid();
    node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(iccid)).put("country", "de").encode(), alice);
    String path = "/v1/sims/" + iccid;
    assertEquals("DE", new JsonObject(node.get(path, alice).body()).getString("base_country_code"));

    JsonObject deactivated = new JsonObject(node.send("PUT", path, new JsonObject().put("action", "deactivate").encode(), alice).body());
    assertEquals("deactivated", deactivated.getString("status"));
    assertEquals(1, deactivated.getInteger("deactivations_count"));
    assertEquals("deactivate", deactivated.getString("last_status_change_action"));
    assertEquals(200, fixture.head(path, alice), "checkSIM: yours, ready to activate");

    JsonObject reactivated = new JsonObject(node.send("PUT", path, new JsonObject().put("action", "reactivate").put("mb_limit", 5).encode(), alice).body());
    assertEquals("active", reactivated.getString("status"));
    assertEquals(2, reactivated.getInteger("activations_count"));
    assertEquals(5, reactivated.getInteger("mb_limit"));
    assertEquals(204, fixture.head(path, alice));

    JsonObject limited = new JsonObject(node.send("PUT", path, new JsonObject().put("mb_limit", 20).encode(), alice).body());
    assertEquals(20, limited.getInteger("mb_limit"));
    assertEquals("active", limited.getString("status"));
    assertNull(new JsonObject(node.send("PUT", path, new JsonObject().put("mb_limit", 0).encode(), alice).body()).getValue("mb_limit"));

    for (JsonObject bad : List.of(new JsonObject().put("action", "explode"), new JsonObject().put("mb_limit", -1),
        new JsonObject().put("mb_limit", 2.5), new JsonObject().put("mb_limit", "lots"), new JsonObject())) {
      HttpResponse<String> refused = node.send("PUT", path, bad.encode(), alice);
      assertEquals(400, refused.statusCode(), bad.encode());
      assertEquals("invalid_request", new JsonObject(refused.body()).getString("error"), bad.encode());
    }

    assertEquals(204, node.send("DELETE", path, null, alice).statusCode());
    assertEquals(404, node.get(path, alice).statusCode());
    assertEquals(404, fixture.head(path, alice), "released: no one's, free to claim");
    assertEquals(200, node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(iccid)).encode(), bob).statusCode());
  }

  @Test
  void aSimPausedAtItsLimitIsReactivatedOnlyWithALimitAboveWhatItUsed() throws Exception {
    String iccid = SimFixture.iccid();
    node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(iccid)).encode(), alice);
    node.execute("UPDATE sims SET status = 'inactive', mb_limit = 1, last_status_change_action = 'data_limit_reached' WHERE iccid = '" + iccid + "'");
    node.execute("INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out) VALUES ('" + iccid + "', (now() AT TIME ZONE 'UTC')::date, 2000000, 500000)");
    String path = "/v1/sims/" + iccid;
    HttpResponse<String> tooLow = node.send("PUT", path, new JsonObject().put("action", "reactivate").encode(), alice);
    assertEquals(400, tooLow.statusCode(), tooLow.body());
    assertEquals("mb_limit_too_low", new JsonObject(tooLow.body()).getString("error"));
    assertEquals(2, new JsonObject(tooLow.body()).getInteger("mbs_used"));
    assertEquals("inactive", new JsonObject(node.get(path, alice).body()).getString("status"));
    JsonObject raised = new JsonObject(node.send("PUT", path, new JsonObject().put("action", "reactivate").put("mb_limit", 10).encode(), alice).body());
    assertEquals("active", raised.getString("status"));
    assertEquals(10, raised.getInteger("mb_limit"));
  }

  @Test
  void usageByDayIsTheMonthSoFarInMegabytes() throws Exception {
    String iccid = SimFixture.iccid();
    node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(iccid)).encode(), alice);
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    node.execute("INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out) VALUES ('" + iccid + "', '" + today + "', 1000000, 234567),"
        + " ('" + iccid + "', '" + today.minusMonths(1) + "', 99000000, 0)");
    JsonObject usage = new JsonObject(node.get("/v1/sims/" + iccid + "/data_usage", alice).body());
    assertEquals(iccid, usage.getString("iccid"));
    JsonArray days = usage.getJsonArray("usage_by_day");
    assertEquals(today.getDayOfMonth(), days.size(), "every day of the month so far, last month's left out");
    assertEquals(today.withDayOfMonth(1).toString(), days.getJsonObject(0).getString("date"));
    JsonObject last = days.getJsonObject(days.size() - 1);
    assertEquals(today.toString(), last.getString("date"));
    assertEquals(1.234567, last.getDouble("mbs_used"));
    assertEquals(1.234567, last.getDouble("mbs_used_cumulative"));
    assertEquals(1.234567, usage.getDouble("used"));
    assertNull(usage.getValue("quota"));
  }

  @Test
  void aProductsSimsFollowItsRolesAndItsFleetUsageSumsThem() throws Exception {
    node.signUpAndLogIn("sim-viewer@example.com", "correct horse battery staple");
    String viewer = node.logIn("sim-viewer@example.com", "correct horse battery staple");
    int product = fixture.product("sim-fleet", "sim-alice@example.com");
    fixture.member(product, "sim-viewer@example.com", "view_only");
    String device = fixture.device(null, product, "tracker-7");
    String base = "/v1/products/" + product + "/sims";
    String one = SimFixture.iccid();
    String two = SimFixture.iccid();
    String three = SimFixture.iccid();

    HttpResponse<String> byViewer = node.post(base, new JsonObject().put("sims", new JsonArray().add(one)).encode(), viewer);
    assertEquals(403, byViewer.statusCode(), "a viewer does not import");
    assertEquals(404, node.get(base, bob).statusCode(), "an outsider does not see the product");
    HttpResponse<String> aliens = node.post(base, new JsonObject().put("sims", new JsonArray()
        .add(new JsonObject().put("iccid", one).put("device_id", fixture.device("sim-alice@example.com", null, null)))).encode(), alice);
    assertEquals(400, aliens.statusCode(), "a device outside the product is refused");
    assertEquals("invalid_device", new JsonObject(aliens.body()).getString("error"));

    HttpResponse<String> imported = node.post(base, new JsonObject().put("sims", new JsonArray()
        .add(new JsonObject().put("iccid", one).put("device_id", device)).add(two).add(three)).encode(), alice);
    assertEquals(200, imported.statusCode(), imported.body());
    assertEquals(200, node.send("PUT", base + "/" + two, new JsonObject().put("action", "deactivate").encode(), alice).statusCode());
    node.execute("UPDATE sims SET status = 'inactive' WHERE iccid = '" + three + "'");
    assertEquals(403, node.send("PUT", base + "/" + one, new JsonObject().put("action", "deactivate").encode(), viewer).statusCode());
    assertEquals(403, node.send("DELETE", base + "/" + one, null, viewer).statusCode());
    assertEquals(404, node.get("/v1/sims/" + one, alice).statusCode(), "a product's SIM is not on its owner's account");

    JsonArray page = new JsonArray(node.get(base + "?per_page=2", viewer).body());
    assertEquals(List.of(one, two), page.stream().map(s -> ((JsonObject) s).getString("iccid")).sorted().toList().subList(0, 2).stream()
        .sorted().toList().equals(List.of(one, two).stream().sorted().toList()) ? List.of(one, two) : List.of(), "the first page, by ICCID");
    HttpResponse<String> found = node.get(base + "?deviceName=tracker", viewer);
    assertEquals(List.of(one), new JsonArray(found.body()).stream().map(s -> ((JsonObject) s).getString("iccid")).toList());
    assertEquals("2", node.get(base + "?per_page=2", viewer).headers().firstValue("X-Next-Page").orElse(null));
    assertEquals(400, node.get(base + "?per_page=1000", viewer).statusCode());

    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    node.execute("INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out) VALUES ('" + one + "', '" + today + "', 1500000, 500000),"
        + " ('" + two + "', '" + today + "', 1000000, 0)");
    JsonObject fleet = new JsonObject(node.get(base + "/data_usage", viewer).body());
    assertEquals(3.0, fleet.getDouble("total_mbs_used"));
    assertEquals(2, fleet.getInteger("total_active_sim_cards"), "active and paused count, deactivated does not");
    JsonArray days = fleet.getJsonArray("usage_by_day");
    assertEquals(3.0, days.getJsonObject(days.size() - 1).getDouble("mbs_used"));
    JsonObject oneUsage = new JsonObject(node.get(base + "/" + one + "/data_usage", viewer).body());
    assertEquals(2.0, oneUsage.getDouble("used"));
    assertEquals(404, node.get("/v1/products/" + product + "/sims/data_usage", bob).statusCode());
  }

  private static JsonObject pick(JsonObject invalid) {
    return new JsonObject().put("iccid", invalid.getString("iccid")).put("reason", invalid.getString("reason"));
  }
}
