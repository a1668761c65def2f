package io.drover.hub.products.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The product device list: search by ID prefix, name prefix, serial and group; sort; offset and cursor
 * paging; who may list; and the query plans, generic ones as a pool's prepared statements end up
 * using, on indexes only.
 */
class ProductDevicesListTest {

  private static TestNode node;
  private static FleetFixture fleet;
  private static String alice;
  private static String viewer;
  private static String carol;
  private static int product;
  private static int big;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    fleet = new FleetFixture(node);
    alice = node.signUpAndLogIn("alice@example.com", "alice's password");
    viewer = node.signUpAndLogIn("vera@example.com", "vera's password");
    carol = node.signUpAndLogIn("carol@example.com", "carol's password");
    product = fleet.product("meters", "alice@example.com");
    fleet.member(product, "vera@example.com", "view_only");
    // 30 devices: sensor-01..20 and Pump-01..10, serials SN-1001.., heard i minutes ago, firmware 1..3
    node.execute("""
        INSERT INTO devices (id, secret_hash, product_id, name, serial_number, firmware_version)
        SELECT lpad(to_hex(x'a0000000'::bigint + i), 24, '0'), '\\x00'::bytea, %d,
               CASE WHEN i <= 20 THEN 'sensor-' || lpad(i::text, 2, '0') ELSE 'Pump-' || lpad((i - 20)::text, 2, '0') END,
               'SN-' || (1000 + i), i %% 3 + 1
        FROM generate_series(1, 30) i""".formatted(product));
    heard("a0000000", 30, "1 minute");
    node.execute("INSERT INTO devices (id, secret_hash, product_id) VALUES ('" + FleetFixture.newId() + "', '\\x00'::bytea, " + product + ")");
    node.execute("INSERT INTO device_groups (product_id, name) VALUES (" + product + ", 'north'), (" + product + ", 'south')");
    node.execute("INSERT INTO device_group_members (product_id, group_name, device_id) SELECT " + product
        + ", 'north', id FROM devices WHERE product_id = " + product + " AND name LIKE 'Pump-0%'");
    node.execute("INSERT INTO device_group_members (product_id, group_name, device_id) SELECT " + product
        + ", 'south', id FROM devices WHERE product_id = " + product + " AND name IN ('sensor-01', 'Pump-01')");

    big = fleet.product("big", "alice@example.com");
    node.execute("""
        INSERT INTO devices (id, secret_hash, product_id, name, serial_number, firmware_version)
        SELECT lpad(to_hex(x'b0000000'::bigint + i), 24, '0'), '\\x00'::bytea, %d, 'unit-' || i, 'SER' || i, i %% 5
        FROM generate_series(1, 20000) i""".formatted(big));
    heard("b0000000", 20000, "1 second");
    node.execute("INSERT INTO device_groups (product_id, name) VALUES (" + big + ", 'g1')");
    node.execute("INSERT INTO device_group_members (product_id, group_name, device_id) SELECT " + big
        + ", 'g1', id FROM devices WHERE product_id = " + big + " AND firmware_version = 1");
    // a node holds many products: 20 more of 500 devices each, so that statistics see product_id as they would
    for (int i = 0; i < 20; i++) {
      int other = fleet.product("other-" + i, "alice@example.com");
      node.execute("""
          INSERT INTO devices (id, secret_hash, product_id, name)
          SELECT lpad(to_hex(x'c0000000'::bigint + %d * 1000 + j), 24, '0'), '\\x00'::bytea, %d, 'other-' || j
          FROM generate_series(1, 500) j""".formatted(i, other));
      node.execute("UPDATE device_connectivity SET last_heard = now() WHERE product_id = " + other);
      node.execute("INSERT INTO device_groups (product_id, name) VALUES (" + other + ", 'all')");
      node.execute("INSERT INTO device_group_members (product_id, group_name, device_id) SELECT " + other + ", 'all', id FROM devices WHERE product_id = " + other);
    }
    node.execute("ANALYZE devices");
    node.execute("ANALYZE device_connectivity");
    node.execute("ANALYZE device_group_members");
  }

  /** Device i of {@code count} whose ID ends in {@code base} + i was heard i {@code unit}s ago: last_heard is in device_connectivity (V24). */
  private static void heard(String base, int count, String unit) throws java.sql.SQLException {
    node.execute("""
        UPDATE device_connectivity c SET last_heard = now() - i * interval '%s'
        FROM generate_series(1, %d) i WHERE c.device_id = lpad(to_hex(x'%s'::bigint + i), 24, '0')""".formatted(unit, count, base));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void firstPageByIdWithTheTotalAndTheProductFields() throws Exception {
    JsonObject answer = list("meters", "per_page=10", alice);
    JsonArray devices = answer.getJsonArray("devices");
    assertEquals(10, devices.size());
    assertEquals(31, answer.getJsonObject("meta").getLong("total"), "the count the triggers keep");
    assertEquals(4, answer.getJsonObject("meta").getLong("total_pages"));
    assertEquals(ids(devices).stream().sorted().toList(), ids(devices), "by ID by default");
    JsonObject first = devices.getJsonObject(0);
    assertEquals(product, first.getInteger("product_id"));
    assertEquals(new JsonArray(List.of("south")), first.getJsonArray("groups"));
    assertFalse(first.getBoolean("development"));
    assertEquals("SN-1001", first.getString("serial_number"));
    assertTrue(answer.containsKey("customers"));
    assertEquals(String.valueOf(big), String.valueOf(list("big", "per_page=1", alice).getJsonArray("devices").getJsonObject(0).getInteger("product_id")),
        "each product lists its own devices");
  }

  @Test
  void searchesByIdPrefixNamePrefixSerialAndGroup() throws Exception {
    JsonObject byId = list("meters", "deviceId=0000000000000000A000001&per_page=3", alice);
    assertEquals(List.of("0000000000000000a0000010", "0000000000000000a0000011", "0000000000000000a0000012"), ids(byId.getJsonArray("devices")),
        "an ID prefix, in any case");
    assertEquals(15, byId.getJsonObject("meta").getLong("total"), "a0000010 to a000001e");
    assertFalse(byId.getJsonObject("meta").getBoolean("total_is_lower_bound"));
    JsonObject pumps = list("meters", "deviceName=pUMp&sortAttr=name", alice);
    assertEquals(10, pumps.getJsonArray("devices").size());
    assertEquals("Pump-01", pumps.getJsonArray("devices").getJsonObject(0).getString("name"), "name prefix, case-insensitive");
    assertEquals(10, pumps.getJsonObject("meta").getLong("total"));
    assertEquals(List.of("SN-1015"), names(list("meters", "serialNumber=SN-1015", alice), "serial_number"));
    assertEquals(9, list("meters", "groups=north", alice).getJsonObject("meta").getLong("total"));
    assertEquals(List.of("Pump-01", "sensor-01"), names(list("meters", "groups=south&sortAttr=name", alice), "name"));
    assertEquals(10, list("meters", "groups=north,south", alice).getJsonObject("meta").getLong("total"), "any of the groups");
    assertEquals(List.of("Pump-01"), names(list("meters", "groups=south&deviceName=pump", alice), "name"), "filters combine");
    assertEquals(0, list("meters", "deviceName=" + enc("%"), alice).getJsonArray("devices").size(), "no wildcard in a prefix");
    assertEquals(0, list("meters", "deviceName=" + enc("sensor_"), alice).getJsonArray("devices").size());
  }

  @Test
  void sortsByNameLastHeardAndFirmwareBothWays() throws Exception {
    List<String> byName = names(list("meters", "sortAttr=name&per_page=100", alice), "name");
    assertNull(byName.get(0), "the unnamed device sorts first");
    assertEquals("Pump-01", byName.get(1));
    assertEquals("sensor-20", byName.get(30));
    List<String> byNameDown = names(list("meters", "sortAttr=name&sortDir=desc&per_page=3", alice), "name");
    assertEquals(List.of("sensor-20", "sensor-19", "sensor-18"), byNameDown);
    assertEquals(List.of("sensor-01", "sensor-02"), names(list("meters", "sortAttr=last_heard&sortDir=desc&per_page=2", alice), "name"),
        "the most recently heard first");
    JsonArray byFirmware = list("meters", "sortAttr=firmwareVersion&sortDir=desc&per_page=100", alice).getJsonArray("devices");
    for (int i = 1; i < byFirmware.size(); i++) {
      Integer before = byFirmware.getJsonObject(i - 1).getInteger("firmware_version");
      Integer after = byFirmware.getJsonObject(i).getInteger("firmware_version");
      assertTrue(before != null || after == null, "no firmware sorts lowest, so last when descending, at " + i);
      assertTrue(after == null || before >= after, "firmware descending at " + i);
    }
  }

  @Test
  void offsetPagesAndCursorPagesWalkTheSameRows() throws Exception {
    for (String sort : List.of("id", "name", "last_heard", "firmware_version")) {
      for (String dir : List.of("asc", "desc")) {
        List<String> all = ids(list("meters", "sortAttr=" + sort + "&sortDir=" + dir + "&per_page=100", alice).getJsonArray("devices"));
        List<String> byPage = new ArrayList<>();
        for (int page = 1; page <= 5; page++) {
          byPage.addAll(ids(list("meters", "sortAttr=" + sort + "&sortDir=" + dir + "&per_page=7&page=" + page, alice).getJsonArray("devices")));
        }
        assertEquals(all, byPage, "offset pages of " + sort + " " + dir);
        List<String> byCursor = new ArrayList<>();
        String cursor = null;
        do {
          JsonObject page = list("meters", "sortAttr=" + sort + "&sortDir=" + dir + "&per_page=7" + (cursor == null ? "" : "&cursor=" + cursor), alice);
          byCursor.addAll(ids(page.getJsonArray("devices")));
          cursor = page.getJsonObject("meta").getString("next_cursor");
        } while (cursor != null);
        assertEquals(all, byCursor, "cursor pages of " + sort + " " + dir);
      }
    }
    assertEquals(0, list("meters", "page=99", alice).getJsonArray("devices").size(), "past the end: no rows");
  }

  @Test
  void badParametersAreNamed() throws Exception {
    assertBad("per_page=101", "per_page must be a whole number from 1 to 100");
    assertBad("page=0", "page must be");
    assertBad("sortAttr=owner", "sortAttr must be one of");
    assertBad("sortDir=up", "sortDir must be asc or desc");
    assertBad("cursor=zzz", "cursor is not one this API gave out");
    String nameCursor = list("meters", "sortAttr=name&per_page=2", alice).getJsonObject("meta").getString("next_cursor");
    assertBad("sortAttr=last_heard&cursor=" + nameCursor, "cursor continues another sort");
    String forged = java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("v1\nlast_heard\nasc\n0000000000000000a0000001\nnot a time".getBytes(StandardCharsets.UTF_8));
    assertBad("sortAttr=last_heard&cursor=" + forged, "cursor is not one this API gave out");
  }

  @Test
  void viewOnlyMayListOutsidersGet404() throws Exception {
    assertEquals(31, list("meters", "", viewer).getJsonObject("meta").getLong("total"));
    assertEquals(200, node.get("/v1/products/meters/devices/0000000000000000a0000001", viewer).statusCode());
    assertEquals(403, node.send("PUT", "/v1/products/meters/devices/0000000000000000a0000001", "{\"name\":\"x\"}", viewer).statusCode());
    assertEquals(403, node.send("DELETE", "/v1/products/meters/devices/0000000000000000a0000001", null, viewer).statusCode());
    HttpResponse<String> viewerImports = node.post("/v1/products/meters/devices", new JsonObject().put("id", FleetFixture.newId()).encode(), viewer);
    assertEquals(403, viewerImports.statusCode(), "view_only may list but not import");
    assertTrue(viewerImports.body().contains("The view_only role may not do this"), viewerImports.body());
    HttpResponse<String> outsider = node.get("/v1/products/meters/devices", carol);
    assertEquals(404, outsider.statusCode());
    assertEquals("not_found", new JsonObject(outsider.body()).getString("error"));
    assertEquals(404, node.get("/v1/products/" + product + "/devices/0000000000000000a0000001", carol).statusCode());
    assertEquals(404, node.get("/v1/products/no-such-product/devices", alice).statusCode());
    assertEquals(401, node.get("/v1/products/meters/devices", null).statusCode());
    assertEquals(200, node.get("/v1/products/meters/devices", node.adminToken()).statusCode(), "the node's administrator sees every product");
  }

  @Test
  void everyPageAndCountRunsOnIndexesInItsGenericPlan() throws Exception {
    List<Map<String, String>> searches = List.of(
        Map.of(),
        Map.of("page", "400", "per_page", "50"),
        Map.of("sortAttr", "name"),
        Map.of("sortAttr", "name", "sortDir", "desc", "page", "100"),
        Map.of("sortAttr", "last_heard", "sortDir", "desc"),
        Map.of("sortAttr", "last_heard", "deviceName", "unit-19"),
        Map.of("sortAttr", "last_heard", "groups", "g1"),
        Map.of("sortAttr", "last_heard", "serialNumber", "SER1999"),
        Map.of("sortAttr", "firmware_version"),
        Map.of("deviceId", "00000000000000000b0001"),
        Map.of("deviceName", "unit-19"),
        Map.of("deviceName", "unit-19", "sortAttr", "name"),
        Map.of("serialNumber", "SER1999"),
        Map.of("groups", "g1"),
        Map.of("sortAttr", "last_heard", "cursor", new ProductDeviceQuery.Cursor(ProductDeviceQuery.Sort.LAST_HEARD, false,
            "2026-01-01 00:00:00+00", "00000000000000000b000100").encode()),
        Map.of("cursor", new ProductDeviceQuery.Cursor(ProductDeviceQuery.Sort.ID, false, "x", "00000000000000000b000100").encode()));
    for (Map<String, String> search : searches) {
      MultiMap params = MultiMap.caseInsensitiveMultiMap().addAll(search);
      ProductDeviceQuery query = ProductDeviceQuery.from(big, params);
      assertIndexOnly(query.pageIds().sql(), search + " page");
      if (query.filtered) {
        assertIndexOnly(query.cappedCount().sql(), search + " count");
        assertIndexOnly(query.pageIdsAmongFewMatches().sql(), search + " page among few matches");
      }
    }
  }

  /** EXPLAIN (GENERIC_PLAN) needs the $n placeholders left alone: the simple query protocol, on a connection of our own. */
  private static void assertIndexOnly(String sql, String what) throws Exception {
    String url = "jdbc:postgresql://localhost:" + node.query("SELECT inet_server_port()") + "/" + node.query("SELECT current_database()")
        + "?user=" + node.query("SELECT current_user") + "&preferQueryMode=simple";
    String plan;
    try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url);
         java.sql.ResultSet rows = connection.createStatement().executeQuery("EXPLAIN (GENERIC_PLAN, FORMAT JSON) " + sql)) {
      rows.next();
      plan = rows.getString(1);
    }
    assertFalse(plan.contains("Seq Scan"), what + " reads no table whole: " + plan);
    assertTrue(plan.contains("Index"), what + " uses an index: " + plan);
  }

  private static void assertBad(String query, String description) throws Exception {
    HttpResponse<String> response = node.get("/v1/products/meters/devices?" + query, alice);
    assertEquals(400, response.statusCode(), query + ": " + response.body());
    assertTrue(new JsonObject(response.body()).getString("error_description").startsWith(description), response.body());
  }

  private static JsonObject list(String productSlug, String query, String token) throws Exception {
    HttpResponse<String> response = node.get("/v1/products/" + productSlug + "/devices?" + query, token);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  private static List<String> ids(JsonArray devices) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < devices.size(); i++) {
      ids.add(devices.getJsonObject(i).getString("id"));
    }
    return ids;
  }

  private static List<String> names(JsonObject answer, String field) {
    List<String> values = new ArrayList<>();
    JsonArray devices = answer.getJsonArray("devices");
    for (int i = 0; i < devices.size(); i++) {
      values.add(devices.getJsonObject(i).getString(field));
    }
    return values;
  }

  private static String enc(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
