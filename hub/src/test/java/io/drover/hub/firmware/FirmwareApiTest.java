package io.drover.hub.firmware;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Firmware upload, release, locks and targeting through the API, on a real node and database. */
class FirmwareApiTest {

  private static TestNode node;
  private static FirmwareFleet fleet;
  private static String owner;
  private static String viewer;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("owner@example.com", "owner's password");
    viewer = node.signUpAndLogIn("viewer@example.com", "viewer's password");
    fleet = new FirmwareFleet(node);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void uploadChecksTheBinaryAgainstTheFormAndTheProduct() throws Exception {
    int product = fleet.product("uploads", "owner@example.com");
    int other = fleet.product("uploads-other", "owner@example.com");
    byte[] payload = "firmware payload".getBytes(StandardCharsets.UTF_8);

    assertError(fleet.upload(product, Map.of("version", "2", "title", "two"), FirmwareBinary.wrap(other, 2, FirmwareFleet.PLATFORM, payload), owner),
        400, "product_mismatch", "product " + other);
    assertError(fleet.upload(product, Map.of("version", "3", "title", "two"), FirmwareBinary.wrap(product, 2, FirmwareFleet.PLATFORM, payload), owner),
        400, "version_mismatch", "header says version 2");
    assertError(fleet.upload(product, Map.of("version", "2", "title", "two"), FirmwareBinary.wrap(product, 2, 99, payload), owner),
        400, "platform_mismatch", "platform 99");
    assertError(fleet.upload(product, Map.of("version", "2", "title", "two"), "not a binary".getBytes(StandardCharsets.UTF_8), owner),
        400, "invalid_binary", "DRFW");
    byte[] corrupt = FirmwareBinary.wrap(product, 2, FirmwareFleet.PLATFORM, payload);
    corrupt[corrupt.length - 1] ^= 1;
    assertError(fleet.upload(product, Map.of("version", "2", "title", "two"), corrupt, owner), 400, "invalid_binary", "SHA-256");
    assertError(fleet.upload(product, Map.of("version", "2", "title", "two"), null, owner), 400, "invalid_request", "binary");
    assertError(fleet.upload(product, Map.of("version", "two", "title", "two"), FirmwareBinary.wrap(product, 2, FirmwareFleet.PLATFORM, payload), owner),
        400, "invalid_request", "version must be a positive integer");
    assertError(fleet.upload(product, Map.of("version", "2"), FirmwareBinary.wrap(product, 2, FirmwareFleet.PLATFORM, payload), owner),
        400, "invalid_request", "title is required");

    HttpResponse<String> created = fleet.upload(product, Map.of("version", "2", "title", "two", "description", "the second"),
        FirmwareBinary.wrap(product, 2, FirmwareFleet.PLATFORM, payload), owner);
    assertEquals(201, created.statusCode(), created.body());
    JsonObject object = new JsonObject(created.body());
    assertEquals(2, object.getInteger("version"));
    assertEquals("two", object.getString("title"));
    assertEquals("owner@example.com", object.getJsonObject("uploaded_by").getString("username"));
    assertEquals(FirmwareBinary.HEADER_LENGTH + payload.length, object.getInteger("size"));
    assertEquals(false, object.getBoolean("product_default"));

    assertError(fleet.upload(product, Map.of("version", "2", "title", "again"), FirmwareBinary.wrap(product, 2, FirmwareFleet.PLATFORM, payload), owner),
        400, "invalid_version", "highest, 2");
    assertError(fleet.upload(product, Map.of("version", "1", "title", "one"), FirmwareBinary.wrap(product, 1, FirmwareFleet.PLATFORM, payload), owner),
        400, "invalid_version", "Versions must increase");
    assertError(fleet.upload(product, Map.of("version", "3", "title", "two"), FirmwareBinary.wrap(product, 3, FirmwareFleet.PLATFORM, payload), owner),
        400, "title_taken", "two");

    fleet.member(product, "viewer@example.com", "view_only");
    assertEquals(200, node.get("/v1/products/" + product + "/firmware", viewer).statusCode(), "a viewer reads the list");
    assertError(fleet.upload(product, Map.of("version", "3", "title", "three"), FirmwareBinary.wrap(product, 3, FirmwareFleet.PLATFORM, payload), viewer),
        403, "forbidden", "view_only");
    assertError(node.get("/v1/products/" + other + "/firmware", viewer), 404, "not_found", "not found");

    HttpResponse<byte[]> download = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + node.httpPort() + "/v1/products/uploads/firmware/2/binary"))
        .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, download.statusCode());
    assertArrayEquals(FirmwareBinary.wrap(product, 2, FirmwareFleet.PLATFORM, payload), download.body(), "the binary comes back byte for byte");

    HttpResponse<String> edited = node.send("PUT", "/v1/products/" + product + "/firmware/2", "{\"title\":\"two, edited\",\"description\":\"new words\"}", owner);
    assertEquals(200, edited.statusCode(), edited.body());
    assertEquals("new words", new JsonObject(edited.body()).getString("description"));
    assertError(node.get("/v1/products/" + product + "/firmware/7", owner), 404, "not_found", "no firmware version 7");
  }

  @Test
  void theWrapCommandMakesABinaryTheCloudTakes() throws Exception {
    int product = fleet.product("wrapped", "owner@example.com");
    Path in = Files.createTempFile("payload", ".bin");
    Path out = Files.createTempFile("firmware", ".bin");
    Files.write(in, new byte[] {1, 2, 3, 4, 5});
    Process wrap = new ProcessBuilder("../bin/drover-firmware", "wrap", "--product", Integer.toString(product), "--version", "4",
        "--platform", Integer.toString(FirmwareFleet.PLATFORM), in.toString(), out.toString()).redirectErrorStream(true).start();
    assertTrue(wrap.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, wrap.exitValue(), new String(wrap.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    HttpResponse<String> created = fleet.upload(product, Map.of("version", "4", "title", "wrapped"), Files.readAllBytes(out), owner);
    assertEquals(201, created.statusCode(), created.body());

    Process bad = new ProcessBuilder("../bin/drover-firmware", "wrap", "--product", "1", in.toString(), out.toString())
        .redirectErrorStream(true).start();
    assertTrue(bad.waitFor(60, TimeUnit.SECONDS));
    assertEquals(2, bad.exitValue(), "a missing option is a usage error");
  }

  @Test
  void releaseIsRefusedUntilTheVersionRunsAndDeleteIsRefusedAfter() throws Exception {
    int product = fleet.product("releases", "owner@example.com");
    fleet.uploaded(product, 5, new byte[] {5}, owner);
    fleet.uploaded(product, 6, new byte[] {6}, owner);
    fleet.device(product, 4, false);
    fleet.announce(product);

    // the impact preview says beforehand what the release answers
    JsonObject preview = new JsonObject(node.get("/v1/products/" + product + "/impact?firmware_version=5&product_default=true", owner).body());
    assertEquals(false, preview.getBoolean("releasable"), preview.encode());
    assertEquals(1, preview.getJsonObject("devices").getJsonObject("firmware_update").getInteger("total"), "what it would do, all the same");
    JsonObject refusal = preview.getJsonObject("refusal");
    HttpResponse<String> refused = node.send("PUT", "/v1/products/" + product + "/firmware/release", FirmwareFleet.json("5", true, List.of()), owner);
    assertError(refused, 400, "firmware_not_running", "at least one device");
    assertEquals(new JsonObject().put("status", 400).put("error", "firmware_not_running")
        .put("error_description", new JsonObject(refused.body()).getString("error_description")), refusal, "the release's own refusal");
    assertError(node.send("PUT", "/v1/products/" + product + "/firmware/release", FirmwareFleet.json("9", true, List.of()), owner),
        404, "not_found", "no firmware version 9");
    JsonObject unknown = new JsonObject(node.get("/v1/products/" + product + "/impact?firmware_version=9&product_default=true", owner).body());
    assertEquals(false, unknown.getBoolean("releasable"));
    assertEquals("not_found", unknown.getJsonObject("refusal").getString("error"), unknown.encode());

    fleet.device(product, 5, true); // a development device runs it: the recommended flow
    fleet.announce(product);
    JsonObject allowed = new JsonObject(node.get("/v1/products/" + product + "/impact?firmware_version=5&product_default=true", owner).body());
    assertEquals(true, allowed.getBoolean("releasable"), allowed.encode());
    assertNull(allowed.getValue("refusal"));
    assertError(node.send("PUT", "/v1/products/" + product + "/firmware/release", FirmwareFleet.json("5", false, List.of("nosuch")), owner),
        400, "invalid_request", "no group nosuch");
    HttpResponse<String> released = node.send("PUT", "/v1/products/" + product + "/firmware/release", FirmwareFleet.json("5", true, List.of()), owner);
    assertEquals(200, released.statusCode(), released.body());
    assertEquals(true, new JsonObject(released.body()).getBoolean("product_default"));
    assertEquals(1, new JsonObject(released.body()).getInteger("device_count"), "one device runs version 5");

    assertError(node.send("DELETE", "/v1/products/" + product + "/firmware/5", null, owner), 400, "firmware_released", "cannot be deleted");
    TestNode.eventually(java.time.Duration.ofSeconds(5), () -> queryQuietly("SELECT count(*) FROM events WHERE device_id = 'api' AND name = "
        + "'particle/firmware/release' AND data LIKE '%\"product_id\":" + product + ",%'").equals("1"), "particle/firmware/release is published");
    assertTrue(queryQuietly("SELECT count(*) FROM events WHERE device_id = 'api' AND name = 'particle/firmware/create' AND data LIKE '%\"product_id\":"
        + product + ",%'").equals("2"), "particle/firmware/create for each upload");
    assertEquals("3", queryQuietly("SELECT count(*) FROM events WHERE device_id = 'api' AND name LIKE 'particle/firmware/%' AND product_id = "
        + product), "the firmware events are the product's: on its stream and in its history");
    // un-releasing does not make it deletable: it was released once
    node.send("PUT", "/v1/products/" + product + "/firmware/release", FirmwareFleet.json("5", false, List.of()), owner);
    assertError(node.send("DELETE", "/v1/products/" + product + "/firmware/5", null, owner), 400, "firmware_released", "cannot be deleted");
    assertEquals(204, node.send("DELETE", "/v1/products/" + product + "/firmware/6", null, owner).statusCode(), "never released: deletable");
    assertError(node.get("/v1/products/" + product + "/firmware/6", owner), 404, "not_found", "version 6");
  }

  @Test
  void lockBeatsGroupBeatsDefaultAndDevelopmentDevicesAreUntouched() throws Exception {
    int product = fleet.product("precedence", "owner@example.com");
    for (int version = 1; version <= 4; version++) {
      fleet.uploaded(product, version, new byte[] {(byte) version}, owner);
    }
    DeviceIdentity plain = fleet.device(product, 1, false);
    DeviceIdentity beta = fleet.device(product, 1, false, "beta");
    DeviceIdentity betaAndEarly = fleet.device(product, 1, false, "beta", "early");
    DeviceIdentity locked = fleet.device(product, 1, false, "beta");
    DeviceIdentity development = fleet.device(product, 1, true, "beta");
    fleet.device(product, 2, true);
    fleet.device(product, 3, true);
    fleet.device(product, 4, true);
    fleet.group(product, "early");
    fleet.announce(product);

    // impact before the release, checked against the targets after it
    JsonObject impact = new JsonObject(node.get("/v1/products/" + product + "/impact?action=edit_groups_for_firmware&firmware_version=2"
        + "&product_default=true", owner).body());
    assertEquals(4, impact.getJsonObject("devices").getJsonObject("firmware_update").getInteger("total"),
        "every device but the development ones: " + impact);
    assertEquals(200, release(product, 2, true, List.of()).statusCode());
    assertEquals(200, release(product, 3, false, List.of("beta")).statusCode());
    JsonObject impactEarly = new JsonObject(node.get("/v1/products/" + product + "/impact?firmware_version=4&groups=early", owner).body());
    assertEquals(1, impactEarly.getJsonObject("devices").getJsonObject("firmware_update").getInteger("total"), impactEarly.encode());
    assertEquals(200, release(product, 4, false, List.of("early")).statusCode());
    HttpResponse<String> lock = node.send("PUT", "/v1/products/" + product + "/devices/" + locked.id(), "{\"desired_firmware_version\":1}", owner);
    assertEquals(200, lock.statusCode(), lock.body());

    assertWhy(product, plain, 2, "product_default", null);
    assertWhy(product, beta, 3, "group", "beta");
    assertWhy(product, betaAndEarly, 4, "group", "early");
    assertWhy(product, locked, 1, "locked", null);
    assertWhy(product, development, null, "development", null);

    // the gateway's question at a handshake gets the same answer, and a new running version is recorded
    JsonObject answer = node.eventBus().<JsonObject>request(BusAddresses.FIRMWARE_TARGET, new JsonObject().put("device_id", beta.id())
        .put("product_id", product).put("firmware_version", 3).put("platform_id", FirmwareFleet.PLATFORM))
        .await(5, TimeUnit.SECONDS).body();
    assertEquals(3, answer.getInteger("target_version"));
    assertEquals("group", answer.getString("rule"));
    assertEquals(FirmwareBinary.HEADER_LENGTH + 1, answer.getInteger("size"));
    TestNode.eventually(java.time.Duration.ofSeconds(5), () -> queryQuietly("SELECT firmware_version FROM devices WHERE id = '" + beta.id() + "'")
        .equals("3"), "the reported version is recorded");

    HttpResponse<String> unlock = node.send("PUT", "/v1/products/" + product + "/devices/" + locked.id(), "{\"desired_firmware_version\":null}", owner);
    assertEquals(200, unlock.statusCode(), unlock.body());
    assertWhy(product, locked, 3, "group", "beta");
    assertError(node.send("PUT", "/v1/products/" + product + "/devices/" + locked.id(), "{\"desired_firmware_version\":9}", owner),
        400, "invalid_request", "no firmware version 9");

    // a device leaving its group, announced as the products API does, changes its target at once
    node.execute("DELETE FROM device_group_members WHERE device_id = '" + beta.id() + "'");
    io.drover.hub.products.FleetChanges.devicesChanged(node.eventBus(), product, List.of(beta.id()));
    TestNode.eventually(java.time.Duration.ofSeconds(5), () -> whyQuietly(product, beta).getString("rule").equals("product_default"),
        "the index follows FleetChanges");
  }

  @Test
  void offTheShelfReleasesAppearInTrackerProductsUntilTheyUploadTheirOwn() throws Exception {
    int tracker = fleet.product("trackers", "owner@example.com");
    node.execute("UPDATE products SET type = 'tracker' WHERE id = " + tracker);
    int standard = fleet.product("not-trackers", "owner@example.com");
    assertEquals(201, fleet.upload(0, Map.of("title", "Tracker Edge v5"), FirmwareBinary.wrap(0, 5, FirmwareFleet.PLATFORM, new byte[] {5}),
        node.adminToken(), "/v1/admin/firmware/off-the-shelf").statusCode());
    assertError(fleet.upload(0, Map.of("title", "Tracker Edge v6"), FirmwareBinary.wrap(tracker, 6, FirmwareFleet.PLATFORM, new byte[] {6}),
        node.adminToken(), "/v1/admin/firmware/off-the-shelf"), 400, "product_mismatch", "product 0");
    assertError(fleet.upload(0, Map.of("title", "Tracker Edge v5"), FirmwareBinary.wrap(0, 5, FirmwareFleet.PLATFORM, new byte[] {5}),
        owner, "/v1/admin/firmware/off-the-shelf"), 403, "forbidden", "administrator");

    JsonArray listed = new JsonArray(node.get("/v1/products/" + tracker + "/firmware", owner).body());
    assertEquals(1, listed.size(), listed.encode());
    assertEquals(true, listed.getJsonObject(0).getBoolean("off_the_shelf"));
    assertEquals("Tracker Edge v5", listed.getJsonObject(0).getString("title"));
    assertEquals(0, new JsonArray(node.get("/v1/products/" + standard + "/firmware", owner).body()).size(), "only tracker products");

    fleet.uploaded(tracker, 6, new byte[] {6}, owner);
    assertEquals(201, fleet.upload(0, Map.of("title", "Tracker Edge v7"), FirmwareBinary.wrap(0, 7, FirmwareFleet.PLATFORM, new byte[] {7}),
        node.adminToken(), "/v1/admin/firmware/off-the-shelf").statusCode());
    JsonArray after = new JsonArray(node.get("/v1/products/" + tracker + "/firmware", owner).body());
    assertEquals(List.of(6, 5), after.stream().map(f -> ((JsonObject) f).getInteger("version")).toList(),
        "once the product has its own firmware, new off-the-shelf releases are no longer added");
  }

  private static HttpResponse<String> release(int product, int version, boolean asDefault, List<String> groups) throws Exception {
    return node.send("PUT", "/v1/products/" + product + "/firmware/release", FirmwareFleet.json(Integer.toString(version), asDefault, groups), owner);
  }

  private static void assertWhy(int product, DeviceIdentity device, Integer version, String rule, String group) throws Exception {
    JsonObject why = new JsonObject(node.get("/v1/products/" + product + "/devices/" + device.id() + "/firmware-target", owner).body());
    assertEquals(version, why.getInteger("target_version"), why.encode());
    assertEquals(rule, why.getString("rule"), why.encode());
    assertEquals(group, why.getString("group"), why.encode());
  }

  private static JsonObject whyQuietly(int product, DeviceIdentity device) {
    try {
      return new JsonObject(node.get("/v1/products/" + product + "/devices/" + device.id() + "/firmware-target", owner).body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String queryQuietly(String sql) {
    try {
      String value = node.query(sql);
      return value == null ? "" : value;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void assertError(HttpResponse<String> response, int status, String error, String descriptionPart) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(error, body.getString("error"), response.body());
    assertTrue(body.getString("error_description").contains(descriptionPart), response.body());
    assertNull(body.getValue("stack"));
  }
}
