package io.drover.hub.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tracker locations published as the guide's loc event, kept, and answered in Particle's shape (GeoJSON
 * geometry, timestamps, the device's fields, paging meta) with its filters, and bad input refused.
 */
@ExtendWith(VertxExtension.class)
class LocationsTest {

  private static final Duration SOON = Duration.ofSeconds(10);
  /** 2026-11-27T10:00:00Z and the hours after it. */
  private static final long T0 = 1_795_773_600L;
  private static TestNode node;
  private static TrackerFleet fleet;
  private static String owner;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("owner@example.com", "owner's password");
    fleet = new TrackerFleet(node);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void locationsAreKeptWithTheLastKnownAndAnsweredByRangeAndPage(Vertx vertx) throws Exception {
    int product = fleet.product("located", "owner@example.com", "tracker");
    DeviceIdentity first = fleet.device(product, false);
    DeviceIdentity second = fleet.device(product, false);
    int standard = fleet.product("plain-located", "owner@example.com", "standard");
    DeviceIdentity plain = fleet.device(standard, false);
    for (DeviceIdentity device : new DeviceIdentity[] {first, second, plain}) {
      TestNode.eventually(SOON, () -> tracked(device.id()) == (device != plain), "the index knows " + device.id());
    }

    TestDevice one = TestDevice.connect(vertx, node.mqttPort(), first.id(), first.secret()).await(10, TimeUnit.SECONDS);
    // out of order on purpose: the last known location is the latest fix, not the latest arrival
    one.publishAcknowledged("e/loc", Buffer.buffer(loc(T0 + 3600, 42.5, -75.1, 3)));
    one.publishAcknowledged("e/loc", Buffer.buffer(loc(T0, 42.4, -75.0, 1)));
    one.publishAcknowledged("e/loc", Buffer.buffer(loc(T0 + 1800, 42.45, -75.05, 2)));
    one.publishAcknowledged("e/loc", Buffer.buffer("{\"cmd\":\"loc\",\"loc\":{\"lat\":91,\"lon\":0}}"));
    one.publishAcknowledged("e/loc", Buffer.buffer("not json"));
    one.publishAcknowledged("e/temperature", Buffer.buffer("21.5"));
    TestDevice two = TestDevice.connect(vertx, node.mqttPort(), second.id(), second.secret()).await(10, TimeUnit.SECONDS);
    two.publishAcknowledged("e/loc", Buffer.buffer(loc(T0 + 60, -33.9, 151.2, 7)));
    TestDevice other = TestDevice.connect(vertx, node.mqttPort(), plain.id(), plain.secret()).await(10, TimeUnit.SECONDS);
    other.publishAcknowledged("e/loc", Buffer.buffer(loc(T0, 1, 1, 1)));

    String range = "?date_range=2026-11-27T00:00:00Z,2026-11-28T00:00:00Z";
    String track = "/v1/products/" + product + "/locations/" + first.id();
    TestNode.eventually(SOON, () -> pointsFound(track + range) == 3, "three valid locations are kept; the bad ones are not");
    TestNode.eventually(SOON, () -> devicesFound("/v1/products/" + product + "/locations") == 2, "the second device's location is written too");
    node.execute("UPDATE devices SET name = 'Truck-1' WHERE id = '" + first.id() + "'");
    node.execute("INSERT INTO device_groups (product_id, name) VALUES (" + product + ", 'reefers')");
    node.execute("INSERT INTO device_group_members (product_id, group_name, device_id) VALUES (" + product + ", 'reefers', '" + second.id() + "')");

    // one device: its points in the range, oldest first, as a GeoJSON LineString [lon, lat, alt] with a timestamp each
    JsonObject answer = get(track + range);
    JsonObject location = answer.getJsonObject("location");
    assertEquals(first.id(), location.getString("device_id"));
    assertEquals(product, location.getInteger("product_id"));
    assertEquals("Truck-1", location.getString("device_name"));
    assertEquals(new JsonArray(), location.getJsonArray("groups"));
    assertEquals(true, location.getBoolean("gps_lock"));
    assertTrue(location.containsKey("online") && location.containsKey("last_heard"), location.encode());
    assertEquals("LineString", location.getJsonObject("geometry").getString("type"));
    assertEquals(new JsonArray().add(new JsonArray().add(-75.0).add(42.4).add(322.294)).add(new JsonArray().add(-75.05).add(42.45).add(322.294))
        .add(new JsonArray().add(-75.1).add(42.5).add(322.294)), location.getJsonObject("geometry").getJsonArray("coordinates"));
    assertEquals(new JsonArray().add("2026-11-27T10:00:00.000Z").add("2026-11-27T10:30:00.000Z").add("2026-11-27T11:00:00.000Z"),
        location.getJsonArray("timestamps"));
    assertEquals(99.6, location.getJsonObject("loc").getDouble("batt"), "the whole loc object is kept");
    assertEquals(3, answer.getJsonObject("meta").getInteger("points_found"));

    JsonObject narrow = get(track + "?date_range=2026-11-27T10:15:00Z,2026-11-27T10:45:00Z").getJsonObject("location");
    assertEquals(new JsonObject().put("type", "Point").put("coordinates", new JsonArray().add(-75.05).add(42.45).add(322.294)),
        narrow.getJsonObject("geometry"), "the range bounds the points; one is a Point");
    JsonObject lastOfDevice = get(track).getJsonObject("location");
    assertEquals(new JsonArray().add("2026-11-27T11:00:00.000Z"), lastOfDevice.getJsonArray("timestamps"), "without a range: the last known location");
    JsonObject empty = get(track + "?date_range=2026-11-29T00:00:00Z,2026-11-30T00:00:00Z").getJsonObject("location");
    assertNull(empty.getValue("geometry"), "no point in the range");
    assertEquals(new JsonArray(), empty.getJsonArray("timestamps"));
    JsonObject boxed = get(track + range + "&rect_bl=42.42,-76&rect_tr=43,-74").getJsonObject("location");
    assertEquals(2, boxed.getJsonArray("timestamps").size(), "the box leaves out the point south of it");

    // the fleet: one entry per device, its last known location, paged with Particle's meta
    JsonObject lastKnown = get("/v1/products/" + product + "/locations");
    assertEquals(2, lastKnown.getJsonArray("locations").size(), "one last known location per device, none from another product");
    assertEquals(new JsonObject().put("page", 1).put("per_page", 20).put("total_pages", 1).put("devices_found", 2), lastKnown.getJsonObject("meta"));
    JsonObject firstLast = byDevice(lastKnown, first.id());
    assertEquals(new JsonArray().add("2026-11-27T11:00:00.000Z"), firstLast.getJsonArray("timestamps"), "the latest fix wins, not the latest arrival");
    assertEquals(new JsonObject().put("type", "Point").put("coordinates", new JsonArray().add(-75.1).add(42.5).add(322.294)),
        firstLast.getJsonObject("geometry"));
    assertEquals("Truck-1", firstLast.getString("device_name"));
    assertEquals(true, firstLast.getBoolean("gps_lock"));
    assertEquals(new JsonArray().add("reefers"), byDevice(lastKnown, second.id()).getJsonArray("groups"));
    JsonObject inRange = get("/v1/products/" + product + "/locations?date_range=2026-11-27T09:00:00Z,2026-11-27T10:45:00Z");
    assertEquals(new JsonArray().add("2026-11-27T10:30:00.000Z"), byDevice(inRange, first.id()).getJsonArray("timestamps"),
        "the last location within the range");

    // the filters, alone and together
    String fleetPath = "/v1/products/" + product + "/locations";
    assertEquals(List.of(second.id()), ids(get(fleetPath + "?device_id=" + second.id().substring(0, 20))));
    assertEquals(List.of(first.id()), ids(get(fleetPath + "?device_name=TRUCK")), "a name prefix, whatever its case");
    assertEquals(List.of(second.id()), ids(get(fleetPath + "?groups=reefers")));
    assertEquals(List.of(second.id()), ids(get(fleetPath + "?groups%5B0%5D=nothing&groups%5B1%5D=reefers")), "an array as api-js writes it: any of");
    assertEquals(List.of(), ids(get(fleetPath + "?groups=nothing")));
    assertEquals(List.of(first.id()), ids(get(fleetPath + "?rect_bl=42,-76&rect_tr=43,-74")), "the box around the first");
    assertEquals(List.of(second.id()), ids(get(fleetPath + "?rect_bl=-40,150&rect_tr=-30,-170")), "a box across the antimeridian");
    assertEquals(List.of(), ids(get(fleetPath + "?rect_bl=0,0&rect_tr=10,10")));
    assertEquals(List.of(), ids(get(fleetPath + "?rect_bl=42,-76&rect_tr=43,-74&groups=reefers")), "filters combine");
    assertEquals(List.of(), ids(get(fleetPath + "?date_range=2026-11-27T10:45:00Z,2026-11-27T10:50:00Z")), "no fix in that range");
    JsonObject firstPage = get(fleetPath + "?per_page=1");
    JsonObject secondPage = get(fleetPath + "?per_page=1&page=2");
    assertEquals(new JsonObject().put("page", 2).put("per_page", 1).put("total_pages", 2).put("devices_found", 2), secondPage.getJsonObject("meta"));
    List<String> paged = new java.util.ArrayList<>(ids(firstPage));
    paged.addAll(ids(secondPage));
    assertEquals(List.of(first.id(), second.id()).stream().sorted().toList(), paged, "pages by device ID");

    // bad input: 400 with the API's error JSON, saying which parameter
    String bad = "/v1/products/" + product + "/locations";
    assertError(node.get(bad + "?date_range=yesterday", owner), 400, "date_range must be two ISO-8601");
    assertError(node.get(bad + "?date_range=2026-11-27T00:00:00Z,2026-11-28T00:00:00Z,2026-11-29T00:00:00Z", owner), 400, "date_range must be two");
    assertError(node.get(bad + "?date_range=2026-11-28T00:00:00Z,2026-11-27T00:00:00Z", owner), 400, "start before it ends");
    assertError(node.get(track + "?date_range=2026-13-01T00:00:00Z,2026-11-27T00:00:00Z", owner), 400, "date_range must be two ISO-8601");
    assertError(node.get(bad + "?rect_bl=42,-76", owner), 400, "rect_bl and rect_tr go together");
    assertError(node.get(bad + "?rect_bl=91,0&rect_tr=92,1", owner), 400, "rect_bl must be a latitude from -90 to 90");
    assertError(node.get(bad + "?rect_bl=0,0&rect_tr=10,181", owner), 400, "rect_tr must be a latitude from -90 to 90 and a longitude from -180 to 180");
    assertError(node.get(bad + "?rect_bl=north&rect_tr=10,10", owner), 400, "rect_bl must be");
    assertError(node.get(bad + "?rect_bl=50,0&rect_tr=40,10", owner), 400, "rect_bl must be south of rect_tr");
    assertError(node.get(track + "?rect_bl=-91,0&rect_tr=0,0", owner), 400, "rect_bl must be");
    assertError(node.get(bad + "?per_page=0", owner), 400, "per_page must be an integer from 1 to 1000");
    assertError(node.get(bad + "?per_page=1001", owner), 400, "per_page must be an integer from 1 to 1000");
    assertError(node.get(bad + "?per_page=ten", owner), 400, "per_page must be an integer");
    assertError(node.get(bad + "?page=0", owner), 400, "page must be an integer");
    assertError(node.get(bad + "?groups=" + "g,".repeat(LocationQuery.MAX_GROUPS + 1), owner), 400, "groups may name at most");
    assertError(node.get("/v1/products/" + product + "/locations/" + plain.id(), owner), 404, "is not in product");
    assertError(node.get("/v1/products/" + product + "/locations/not-a-device", owner), 404, "is not in product");
    assertError(node.get("/v1/products/" + standard + "/locations", owner), 400, "not an Asset Tracker product");
    assertError(node.get("/v1/products/" + product + "/locations", node.signUpAndLogIn("nosy@example.com", "nosy's password")), 404, "not found");
    Thread.sleep(2 * LocationRecorder.FLUSH_MILLIS);
    assertEquals("0", node.query("SELECT count(*) FROM tracker_locations WHERE device_id = '" + plain.id() + "'"),
        "a device outside tracker products has no locations");

    // a device that leaves the product takes its locations out of the product's answers
    node.execute("UPDATE devices SET product_id = NULL WHERE id = '" + second.id() + "'");
    assertEquals(List.of(first.id()), ids(get(fleetPath)));
    assertError(node.get("/v1/products/" + product + "/locations/" + second.id(), owner), 404, "is not in product");
    one.close();
    two.close();
    other.close();
  }

  private static String loc(long time, double lat, double lon, int reqId) {
    return "{\"cmd\":\"loc\",\"time\":" + time + ",\"loc\":{\"lck\":1,\"time\":" + time + ",\"lat\":" + lat + ",\"lon\":" + lon
        + ",\"alt\":322.294,\"hd\":214.60,\"h_acc\":10.000,\"v_acc\":16.000,\"cell\":40.2,\"batt\":99.6},\"trig\":[\"time\"],\"req_id\":" + reqId + "}";
  }

  private static boolean tracked(String deviceId) {
    try {
      return fleet.check(deviceId, "").getBoolean("tracker");
    } catch (Exception e) {
      return false;
    }
  }

  private static long devicesFound(String path) {
    try {
      return get(path).getJsonObject("meta").getLong("devices_found");
    } catch (Exception | AssertionError e) {
      return -1;
    }
  }

  private static long pointsFound(String path) {
    try {
      return get(path).getJsonObject("meta").getLong("points_found");
    } catch (Exception | AssertionError e) {
      return -1;
    }
  }

  private static List<String> ids(JsonObject answer) {
    return answer.getJsonArray("locations").stream().map(l -> ((JsonObject) l).getString("device_id")).toList();
  }

  private static JsonObject get(String path) throws Exception {
    HttpResponse<String> response = node.get(path, owner);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  private static JsonObject byDevice(JsonObject answer, String deviceId) {
    for (Object location : answer.getJsonArray("locations")) {
      if (deviceId.equals(((JsonObject) location).getString("device_id"))) {
        return (JsonObject) location;
      }
    }
    throw new AssertionError(deviceId + " not in " + answer.encode());
  }

  private static void assertError(HttpResponse<String> response, int status, String fragment) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(false, new JsonObject(response.body()).getBoolean("ok"), response.body());
    assertTrue(new JsonObject(response.body()).getString("error_description").contains(fragment), response.body());
  }
}
