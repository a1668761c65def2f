package io.drover.hub.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Tracker locations published as the guide's loc event, kept, and answered by time range and page. */
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

    String history = "/v1/products/" + product + "/locations/" + first.id() + "?date_range=2026-11-27T00:00:00Z,2026-11-28T00:00:00Z";
    TestNode.eventually(SOON, () -> total(history) == 3, "three valid locations are kept; the bad ones are not");
    TestNode.eventually(SOON, () -> total("/v1/products/" + product + "/locations") == 2, "the second device's location is written too");
    JsonObject page = get(history + "&per_page=2");
    JsonArray points = page.getJsonArray("locations");
    assertEquals(2, points.size());
    assertEquals(2, page.getJsonObject("meta").getInteger("total_pages"));
    assertEquals("2026-11-27T11:00:00Z", points.getJsonObject(0).getString("time"), "newest first");
    assertEquals(42.5, points.getJsonObject(0).getDouble("lat"));
    assertEquals(3, points.getJsonObject(0).getLong("req_id"));
    assertEquals("[\"time\"]", points.getJsonObject(0).getJsonArray("trig").encode());
    assertEquals(99.6, points.getJsonObject(0).getJsonObject("loc").getDouble("batt"), "the whole loc object is kept");
    JsonObject second2 = get(history + "&per_page=2&page=2");
    assertEquals("2026-11-27T10:00:00Z", second2.getJsonArray("locations").getJsonObject(0).getString("time"));

    JsonObject narrow = get("/v1/products/" + product + "/locations/" + first.id() + "?date_range=2026-11-27T10:15:00Z,2026-11-27T10:45:00Z");
    assertEquals(1, narrow.getJsonArray("locations").size(), "the range bounds the history");

    JsonObject lastKnown = get("/v1/products/" + product + "/locations");
    assertEquals(2, lastKnown.getJsonArray("locations").size(), "one last known location per device, none from another product");
    JsonObject firstLast = byDevice(lastKnown, first.id());
    assertEquals("2026-11-27T11:00:00Z", firstLast.getString("time"), "the latest fix wins, not the latest arrival");
    JsonObject inRange = get("/v1/products/" + product + "/locations?date_range=2026-11-27T09:00:00Z,2026-11-27T10:45:00Z");
    assertEquals("2026-11-27T10:30:00Z", byDevice(inRange, first.id()).getString("time"), "the last location within the range");
    assertEquals(1, get("/v1/products/" + product + "/locations?device_id=" + second.id()).getJsonArray("locations").size());

    assertError(node.get("/v1/products/" + product + "/locations?date_range=yesterday", owner), 400, "date_range must be two ISO-8601");
    assertError(node.get("/v1/products/" + product + "/locations?date_range=2026-11-28T00:00:00Z,2026-11-27T00:00:00Z", owner), 400,
        "start before it ends");
    assertError(node.get("/v1/products/" + product + "/locations?per_page=0", owner), 400, "per_page must be an integer");
    assertError(node.get("/v1/products/" + product + "/locations/" + plain.id(), owner), 404, "is not in product");
    assertError(node.get("/v1/products/" + standard + "/locations", owner), 400, "not an Asset Tracker product");
    assertError(node.get("/v1/products/" + product + "/locations", node.signUpAndLogIn("nosy@example.com", "nosy's password")), 404, "not found");
    Thread.sleep(2 * LocationRecorder.FLUSH_MILLIS);
    assertEquals("0", node.query("SELECT count(*) FROM tracker_locations WHERE device_id = '" + plain.id() + "'"),
        "a device outside tracker products has no locations");
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

  private static long total(String path) {
    try {
      return get(path).getJsonObject("meta").getLong("total");
    } catch (Exception | AssertionError e) {
      return -1;
    }
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
    assertTrue(new JsonObject(response.body()).getString("error_description").contains(fragment), response.body());
  }
}
