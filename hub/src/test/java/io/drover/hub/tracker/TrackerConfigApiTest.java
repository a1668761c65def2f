package io.drover.hub.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Asset Tracker settings through the API, and the in-memory checksums a handshake is checked against. */
class TrackerConfigApiTest {

  private static TestNode node;
  private static TrackerFleet fleet;
  private static String owner;
  private static String viewer;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("owner@example.com", "owner's password");
    viewer = node.signUpAndLogIn("viewer@example.com", "viewer's password");
    fleet = new TrackerFleet(node);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void theSchemaDescribesEveryFieldWithItsBounds() throws Exception {
    int product = fleet.product("schema", "owner@example.com", "tracker");
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + node.httpPort() + "/v1/products/schema/config"))
        .header("Authorization", "Bearer " + owner).header("Accept", "application/schema+json").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("application/schema+json", response.headers().firstValue("Content-Type").orElse(""));
    JsonObject properties = new JsonObject(response.body()).getJsonObject("properties");
    JsonObject location = properties.getJsonObject("location").getJsonObject("properties");
    assertEquals("number", location.getJsonObject("radius").getString("type"));
    assertEquals("integer", location.getJsonObject("interval_min").getString("type"));
    assertEquals("integer", location.getJsonObject("interval_max").getString("type"));
    assertEquals("[\"disable\",\"low\",\"medium\",\"high\"]",
        properties.getJsonObject("imu_trig").getJsonObject("properties").getJsonObject("motion").getJsonArray("enum").encode());
    assertEquals("[\"disable\",\"enable\"]",
        properties.getJsonObject("imu_trig").getJsonObject("properties").getJsonObject("high_g").getJsonArray("enum").encode());
    JsonObject rgb = properties.getJsonObject("rgb").getJsonObject("properties");
    assertEquals("[\"off\",\"direct\",\"tracker\",\"particle\"]", rgb.getJsonObject("type").getJsonArray("enum").encode());
    for (String color : new String[] {"red", "green", "blue", "brightness"}) {
      assertEquals(0, rgb.getJsonObject(color).getInteger("minimum"), color);
      assertEquals(255, rgb.getJsonObject(color).getInteger("maximum"), color);
    }
    HttpResponse<String> plain = node.get("/v1/products/" + product + "/config", owner);
    assertEquals(200, plain.statusCode());
    JsonObject defaults = new JsonObject(plain.body());
    assertEquals("disable", defaults.getJsonObject("configuration").getJsonObject("imu_trig").getString("motion"));
    assertEquals(ConfigChecksum.of(defaults.getJsonObject("configuration")), defaults.getString("checksum"));
  }

  @Test
  void badSettingsAreRefusedNamingTheField() throws Exception {
    int product = fleet.product("refusals", "owner@example.com", "tracker");
    String path = "/v1/products/" + product + "/config";
    assertError(node.send("PUT", path, "{\"location\":{\"radius\":-1}}", owner), 400, "invalid_request", "location.radius must be a number from 0");
    assertError(node.send("PUT", path, "{\"location\":{\"radius\":\"far\"}}", owner), 400, "invalid_request", "location.radius");
    assertError(node.send("PUT", path, "{\"location\":{\"interval_min\":\"30\"}}", owner), 400, "invalid_request",
        "location.interval_min must be an integer from 0 to 86400");
    assertError(node.send("PUT", path, "{\"location\":{\"interval_max\":2.5}}", owner), 400, "invalid_request", "location.interval_max must be an integer");
    assertError(node.send("PUT", path, "{\"imu_trig\":{\"motion\":\"fast\"}}", owner), 400, "invalid_request",
        "imu_trig.motion must be one of disable, low, medium, high");
    assertError(node.send("PUT", path, "{\"imu_trig\":{\"high_g\":true}}", owner), 400, "invalid_request", "imu_trig.high_g must be one of disable, enable");
    assertError(node.send("PUT", path, "{\"rgb\":{\"red\":256}}", owner), 400, "invalid_request", "rgb.red must be an integer from 0 to 255");
    assertError(node.send("PUT", path, "{\"rgb\":{\"type\":\"rainbow\"}}", owner), 400, "invalid_request", "rgb.type must be one of off, direct, tracker, particle");
    assertError(node.send("PUT", path, "{\"rgb\":{\"purple\":1}}", owner), 400, "invalid_request", "Unknown setting rgb.purple");
    assertError(node.send("PUT", path, "{\"sound\":{}}", owner), 400, "invalid_request", "Unknown settings section sound");
    assertError(node.send("PUT", path, "{\"rgb\":5}", owner), 400, "invalid_request", "rgb must be an object");
    assertError(node.send("PUT", path, "{}", owner), 400, "invalid_request", "No settings given");
    assertError(node.send("PUT", path, "{\"location\":", owner), 400, "invalid_request", "not a valid JSON object");
    assertError(node.send("PUT", path, "{\"location\":{\"interval_min\":600,\"interval_max\":60}}", owner), 400, "invalid_request",
        "location.interval_max (60) must be 0 or at least location.interval_min (600)");

    JsonObject unchanged = new JsonObject(node.get(path, owner).body());
    assertEquals(900, unchanged.getJsonObject("configuration").getJsonObject("location").getInteger("interval_min"), "a refused write changes nothing");

    int standard = fleet.product("not-a-tracker", "owner@example.com", "standard");
    assertError(node.get("/v1/products/" + standard + "/config", owner), 400, "not_tracker", "not an Asset Tracker product");
  }

  @Test
  void fleetSettingsMergeWritesAndMoveEveryDevicesChecksum() throws Exception {
    int product = fleet.product("fleet-settings", "owner@example.com", "tracker");
    fleet.member(product, "viewer@example.com", "view_only");
    DeviceIdentity tracker = fleet.device(product, false);
    String path = "/v1/products/fleet-settings/config";
    JsonObject before = new JsonObject(node.get(path, viewer).body());
    TestNode.eventually(Duration.ofSeconds(5), () -> before.getString("checksum").equals(checkOrNull(tracker.id(), "x")),
        "the index knows the new device with the default checksum");

    HttpResponse<String> first = node.send("PUT", path, "{\"location\":{\"radius\":151,\"interval_min\":30,\"interval_max\":900}}", owner);
    assertEquals(200, first.statusCode(), first.body());
    HttpResponse<String> second = node.send("PUT", path, "{\"imu_trig\":{\"motion\":\"medium\"}}", owner);
    assertEquals(200, second.statusCode(), second.body());
    JsonObject now = new JsonObject(node.get(path, viewer).body());
    JsonObject settings = now.getJsonObject("configuration");
    assertEquals(151.0, settings.getJsonObject("location").getDouble("radius"));
    assertEquals(30, settings.getJsonObject("location").getInteger("interval_min"), "the first write's fields stay");
    assertEquals("medium", settings.getJsonObject("imu_trig").getString("motion"));
    assertEquals("disable", settings.getJsonObject("imu_trig").getString("high_g"), "fields never written keep their default");
    assertNotEquals(before.getString("checksum"), now.getString("checksum"));
    assertEquals(ConfigChecksum.of(settings), now.getString("checksum"));

    JsonObject check = fleet.check(tracker.id(), before.getString("checksum"));
    assertTrue(check.getBoolean("tracker"));
    assertFalse(check.getBoolean("in_sync"), "a device still running the defaults is out of sync");
    assertEquals(now.getString("checksum"), check.getString("checksum"));
    assertEquals(settings, check.getJsonObject("settings"), "the hub hands over the settings to send");
    assertTrue(fleet.check(tracker.id(), now.getString("checksum")).getBoolean("in_sync"));
    assertFalse(fleet.check("0123456789abcdef01234567", "x").getBoolean("tracker"), "a device of no tracker product");

    assertError(node.send("PUT", path, "{\"imu_trig\":{\"motion\":\"low\"}}", viewer), 403, "forbidden", "view_only");
    assertError(node.get("/v1/products/fleet-settings/config", node.signUpAndLogIn("stranger@example.com", "stranger's password")),
        404, "not_found", "not found");
  }

  @Test
  void aDevelopmentDevicesOwnSettingsBeatTheFleetsAndOthersAreRefused() throws Exception {
    int product = fleet.product("per-device", "owner@example.com", "tracker");
    DeviceIdentity development = fleet.device(product, true);
    DeviceIdentity production = fleet.device(product, false);
    String base = "/v1/products/" + product + "/config";

    assertError(node.send("PUT", base + "/" + production.id(), "{\"rgb\":{\"type\":\"off\"}}", owner), 400, "not_development",
        "is not a development device");
    HttpResponse<String> own = node.send("PUT", base + "/" + development.id().toUpperCase(), "{\"rgb\":{\"type\":\"direct\",\"red\":200}}", owner);
    assertEquals(200, own.statusCode(), own.body());
    assertEquals("device", new JsonObject(own.body()).getString("source"));
    assertEquals(200, node.send("PUT", base, "{\"rgb\":{\"type\":\"off\",\"blue\":10}}", owner).statusCode());

    JsonObject mine = new JsonObject(node.get(base + "/" + development.id(), owner).body());
    JsonObject rgb = mine.getJsonObject("configuration").getJsonObject("rgb");
    assertEquals("direct", rgb.getString("type"), "the device's own field beats the fleet's");
    assertEquals(200, rgb.getInteger("red"));
    assertEquals(10, rgb.getInteger("blue"), "fields the device does not set follow the fleet");
    JsonObject fleetWide = new JsonObject(node.get(base + "/" + production.id(), owner).body());
    assertEquals("fleet", fleetWide.getString("source"));
    assertEquals("off", fleetWide.getJsonObject("configuration").getJsonObject("rgb").getString("type"));

    TestNode.eventually(Duration.ofSeconds(5), () -> mine.getString("checksum").equals(checkOrNull(development.id(), "")),
        "the index has the development device's own checksum after the fleet change");
    assertEquals(fleetWide.getString("checksum"), fleet.check(production.id(), "").getString("checksum"));

    fleet.setDevelopment(product, development.id(), false);
    TestNode.eventually(Duration.ofSeconds(5), () -> fleetWide.getString("checksum").equals(checkOrNull(development.id(), "")),
        "a device that stops being a development device runs the fleet's settings");
    fleet.setDevelopment(product, development.id(), true);
    TestNode.eventually(Duration.ofSeconds(5), () -> mine.getString("checksum").equals(checkOrNull(development.id(), "")),
        "and its own again when it is one again");

    HttpResponse<String> cleared = node.send("DELETE", base + "/" + development.id(), null, owner);
    assertEquals(200, cleared.statusCode(), cleared.body());
    assertEquals(fleetWide.getString("checksum"), new JsonObject(cleared.body()).getString("checksum"));
    assertEquals(fleetWide.getString("checksum"), fleet.check(development.id(), "").getString("checksum"));

    int other = fleet.product("per-device-other", "owner@example.com", "tracker");
    assertError(node.get("/v1/products/" + other + "/config/" + development.id(), owner), 404, "not_found", "is not in product " + other);
    assertError(node.send("PUT", base + "/" + development.id(), "{\"rgb\":{\"green\":-3}}", owner), 400, "invalid_request", "rgb.green");
  }

  @Test
  void theChecksumIsSha256OverSortedCanonicalJson() throws Exception {
    JsonObject settings = new JsonObject("{\"rgb\":{\"type\":\"off\",\"blue\":3},\"location\":{\"radius\":151.0,\"interval_min\":30}}");
    String canonical = "{\"location\":{\"interval_min\":30,\"radius\":151},\"rgb\":{\"blue\":3,\"type\":\"off\"}}";
    assertEquals(canonical, ConfigChecksum.canonical(settings));
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
    assertEquals(HexFormat.of().formatHex(digest).substring(0, 8), ConfigChecksum.of(settings));
    assertEquals(ConfigChecksum.of(settings), ConfigChecksum.of(new JsonObject("{\"location\":{\"radius\":151,\"interval_min\":30},\"rgb\":{\"blue\":3,\"type\":\"off\"}}")),
        "key order and 151 versus 151.0 do not change it");
    assertEquals("{\"location\":{\"radius\":0.5}}", ConfigChecksum.canonical(new JsonObject().put("location", new JsonObject().put("radius", 0.50))));
  }

  /**
   * A push names the checksum the pushing hub node expects. A hub node whose index has not applied the
   * change yet (here: settings written behind its back, no notice) would answer "in sync" from memory;
   * asked with the expected checksum, it reads the device's settings first. (In a cluster this answer
   * came from the other hub node, and the tracker stayed on its old settings: ClusteredConfigPushTest.)
   */
  @Test
  void aPushAnsweredByAHubWhoseIndexIsBehindReadsTheSettingsFirst() throws Exception {
    int product = fleet.product("lagging-index", "owner@example.com", "tracker");
    DeviceIdentity device = fleet.device(product, false);
    TestNode.eventually(Duration.ofSeconds(10), () -> checkOrNull(device.id(), "") != null, "the device is indexed");
    String before = fleet.check(device.id(), "").getString("checksum");

    JsonObject stored = new JsonObject().put("location", new JsonObject().put("radius", 77));
    node.execute("INSERT INTO tracker_fleet_config (product_id, settings) VALUES (" + product + ", '" + stored.encode() + "')"
        + " ON CONFLICT (product_id) DO UPDATE SET settings = EXCLUDED.settings");
    String after = ConfigChecksum.of(TrackerSettings.merged(TrackerSettings.defaults(), stored));
    assertNotEquals(before, after);

    assertTrue(fleet.check(device.id(), before).getBoolean("in_sync"), "a handshake is answered from memory, no SQL");
    JsonObject pushed = fleet.check(device.id(), before, after);
    assertFalse(pushed.getBoolean("in_sync"), pushed.encode());
    assertEquals(after, pushed.getString("checksum"));
    assertEquals(77, pushed.getJsonObject("settings").getJsonObject("location").getInteger("radius"));
    assertEquals(after, fleet.check(device.id(), after).getString("checksum"), "the index holds the reloaded settings");
  }

  private static String checkOrNull(String deviceId, String checksum) {
    try {
      return fleet.check(deviceId, checksum).getString("checksum");
    } catch (Exception e) {
      return null;
    }
  }

  private static void assertError(HttpResponse<String> response, int status, String error, String fragment) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(error, body.getString("error"), response.body());
    assertTrue(body.getString("error_description").contains(fragment), body.getString("error_description") + " should mention " + fragment);
  }
}
