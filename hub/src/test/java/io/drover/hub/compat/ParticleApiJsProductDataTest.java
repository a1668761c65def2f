package io.drover.hub.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * particle-api-js 12.0.3, unchanged, on a product's data: {@code getEventStream({product})} and
 * {@code publishEvent({product})} (publish as the product), {@code getProductLocations} with each of
 * Particle's filters and {@code getProductDeviceLocations} against a real node
 * (hub/src/test/js/api-js-product-data.mjs prints what each call answered); this test checks the answers.
 */
class ParticleApiJsProductDataTest {

  private static final long SCRIPT_TIMEOUT_SECONDS = 90;
  private static final int TRACKER_PLATFORM = 26;
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void apiJsPublishesAndStreamsAsTheProductAndReadsTrackerLocationsInParticlesShape() throws Exception {
    String token = node.signUpAndLogIn("api-js-fleet@example.com", "correct horse battery staple");
    String other = node.signUpAndLogIn("api-js-outsider@example.com", "correct horse battery staple");
    String product = String.valueOf(new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject()
        .put("name", "Fleet Events").put("platform_id", 12)).encode(), token).body()).getJsonObject("product").getValue("id"));
    String ownerId = node.query("SELECT id FROM users WHERE username = 'api-js-fleet@example.com'");
    int tracker = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, type, owner_id) VALUES ('api-js-trackers', "
        + "'Trackers', " + TRACKER_PLATFORM + ", 'tracker', " + ownerId + ") RETURNING id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role, is_owner) VALUES (" + tracker + ", " + ownerId + ", 'administrator', true)");
    String truck = node.provisionDevice().id();
    String van = node.provisionDevice().id();
    node.execute("UPDATE devices SET product_id = " + tracker + ", platform_id = " + TRACKER_PLATFORM + ", name = 'truck-7' WHERE id = '" + truck + "'");
    node.execute("UPDATE devices SET product_id = " + tracker + ", platform_id = " + TRACKER_PLATFORM + ", name = 'van-2' WHERE id = '" + van + "'");
    node.execute("INSERT INTO device_groups (product_id, name) VALUES (" + tracker + ", 'reefers'), (" + tracker + ", 'vans')");
    node.execute("INSERT INTO device_group_members (product_id, group_name, device_id) VALUES (" + tracker + ", 'reefers', '" + truck + "'), ("
        + tracker + ", 'vans', '" + van + "')");
    // the recorder's rows, as it writes them (LocationsTest publishes them over MQTT)
    String loc = "'{\"lck\":1,\"lat\":%s,\"lon\":%s,\"alt\":12.5}'";
    node.execute("INSERT INTO tracker_locations (device_id, product_id, at, received_at, lat, lon, loc) VALUES "
        + "('" + truck + "', " + tracker + ", '2026-11-27T10:00:00Z', now(), 42.40, -75.00, " + String.format(loc, "42.40", "-75.00") + "),"
        + "('" + truck + "', " + tracker + ", '2026-11-27T11:00:00Z', now(), 42.50, -75.10, " + String.format(loc, "42.50", "-75.10") + "),"
        + "('" + van + "', " + tracker + ", '2026-11-27T11:30:00Z', now(), -33.90, 151.20, '{\"lck\":0,\"lat\":-33.9,\"lon\":151.2}')");
    node.execute("INSERT INTO tracker_last_locations (device_id, product_id, at, received_at, lat, lon, loc) "
        + "SELECT DISTINCT ON (device_id) device_id, product_id, at, received_at, lat, lon, loc FROM tracker_locations "
        + "WHERE product_id = " + tracker + " ORDER BY device_id, at DESC");

    Map<String, JsonObject> steps = run(List.of(product, String.valueOf(tracker), truck), token, other);

    assertEquals(200, steps.get("publishEvent").getInteger("statusCode"));
    assertEquals(true, steps.get("publishEvent").getBoolean("ok"));
    JsonObject received = steps.get("productEventReceived");
    assertEquals("fleet/announcement", received.getString("name"));
    assertEquals("api", received.getString("coreid"), "published by the cloud, as the product");
    assertEquals(Integer.parseInt(product), received.getInteger("productID"));
    assertNull(received.getValue("userid"), "no account owns it");
    assertEquals(false, received.getBoolean("public"), "isPrivate: true");
    assertTrue(received.getString("published_at").endsWith("Z") && received.getInteger("ttl") == 60, received.encode());
    assertEquals(product, node.query("SELECT product_id FROM events WHERE device_id = 'api' AND name = 'fleet/announcement'"), "stored as the product's");

    assertEquals(404, steps.get("publishEventOthersProduct").getInteger("statusCode"));
    assertEquals("not_found", steps.get("publishEventOthersProduct").getString("error"));
    assertEquals(404, steps.get("getEventStreamOthersProduct").getInteger("statusCode"));
    assertEquals("0", node.query("SELECT count(*) FROM events WHERE name = 'fleet/intrusion'"));

    JsonObject all = steps.get("getProductLocations").getJsonObject("body");
    assertEquals(new JsonObject().put("page", 1).put("per_page", 10).put("total_pages", 1).put("devices_found", 2), all.getJsonObject("meta"));
    JsonObject truckLast = all.getJsonArray("locations").stream().map(JsonObject.class::cast)
        .filter(l -> truck.equals(l.getString("device_id"))).findFirst().orElseThrow();
    assertEquals(tracker, truckLast.getInteger("product_id"));
    assertEquals("truck-7", truckLast.getString("device_name"));
    assertEquals(new JsonArray().add("reefers"), truckLast.getJsonArray("groups"));
    assertEquals(true, truckLast.getBoolean("gps_lock"));
    assertEquals(false, truckLast.getBoolean("online"));
    assertTrue(truckLast.containsKey("last_heard"), truckLast.encode());
    assertEquals(new JsonArray().add("2026-11-27T11:00:00.000Z"), truckLast.getJsonArray("timestamps"));
    assertEquals(new JsonObject().put("type", "Point").put("coordinates", new JsonArray().add(-75.1).add(42.5).add(12.5)),
        truckLast.getJsonObject("geometry"));

    JsonObject filtered = steps.get("getProductLocationsFiltered").getJsonObject("body");
    assertEquals(1, filtered.getJsonArray("locations").size(), filtered.encode());
    assertEquals(truck, filtered.getJsonArray("locations").getJsonObject(0).getString("device_id"));
    assertEquals(5, filtered.getJsonObject("meta").getInteger("per_page"));
    JsonObject vans = steps.get("getProductLocationsOtherGroup").getJsonObject("body");
    assertEquals(List.of(van), vans.getJsonArray("locations").stream().map(l -> ((JsonObject) l).getString("device_id")).toList(),
        "groups as api-js sends an array");
    assertEquals(false, vans.getJsonArray("locations").getJsonObject(0).getBoolean("gps_lock"), "lck 0: no lock");

    JsonObject device = steps.get("getProductDeviceLocations").getJsonObject("body").getJsonObject("location");
    assertEquals(truck, device.getString("device_id"));
    assertEquals("LineString", device.getJsonObject("geometry").getString("type"));
    assertEquals(new JsonArray().add(new JsonArray().add(-75.0).add(42.4).add(12.5)).add(new JsonArray().add(-75.1).add(42.5).add(12.5)),
        device.getJsonObject("geometry").getJsonArray("coordinates"), "oldest first");
    assertEquals(new JsonArray().add("2026-11-27T10:00:00.000Z").add("2026-11-27T11:00:00.000Z"), device.getJsonArray("timestamps"));

    for (String bad : List.of("getProductLocationsBadBox", "getProductLocationsBadRange", "getProductLocationsBadPerPage")) {
      assertEquals(400, steps.get(bad).getInteger("statusCode"), bad);
      assertEquals("invalid_request", steps.get(bad).getString("error"), bad);
      assertEquals(false, steps.get(bad).getBoolean("ok"), bad);
    }
    assertEquals(404, steps.get("getProductLocationsOthers").getInteger("statusCode"));
  }

  private static Map<String, JsonObject> run(List<String> args, String token, String other) throws Exception {
    ParticleTools.requireInstalled("node_modules/particle-api-js/package.json");
    Map<String, String> env = new HashMap<>(Map.of("DROVER_TOKEN", token, "DROVER_OTHER_TOKEN", other));
    List<String> command = new java.util.ArrayList<>(List.of("node", ParticleTools.requireInstalled("api-js-product-data.mjs").toString(),
        "http://127.0.0.1:" + node.httpPort()));
    command.addAll(args);
    Process script = ParticleTools.process(command, env).start();
    CompletableFuture<Boolean> ended = script.onExit().thenApply(exited -> true).completeOnTimeout(false, SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    ended.thenAccept(inTime -> {
      if (!inTime) {
        script.destroyForcibly();
      }
    });
    CompletableFuture<String> stderr = ParticleTools.readAll(script.getErrorStream());
    Map<String, JsonObject> steps = new HashMap<>();
    StringBuilder printed = new StringBuilder();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        printed.append(line).append('\n');
        JsonObject step = new JsonObject(line);
        steps.put(step.getString("step"), step);
      }
    }
    script.waitFor();
    String transcript = "\n--- stdout\n" + printed + "--- stderr\n" + stderr.join();
    assertTrue(ended.join(), "the script did not end within " + SCRIPT_TIMEOUT_SECONDS + " s" + transcript);
    assertEquals(0, script.exitValue(), "the script failed" + transcript);
    assertTrue(steps.containsKey("done"), "the script stopped early" + transcript);
    return steps;
  }
}
