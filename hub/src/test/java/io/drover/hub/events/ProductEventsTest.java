package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A product's own events: {@code POST /v1/products/:pid/events} (publish as the product), the product
 * stamped on every stored event at acceptance, and what reads by it: the product's history
 * ({@code GET /v1/products/:pid/history/events}) and its stream's replay. Who may, and what an
 * attacker in another product, or with devices outside any product, gets.
 */
@ExtendWith(VertxExtension.class)
class ProductEventsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;
  private static String owner;
  private static String viewer;
  private static String stranger;
  private static String attacker;
  private static int product;
  private static int attackersProduct;
  private static DeviceIdentity member;
  private static DeviceIdentity attackersDevice;
  private static DeviceIdentity loose;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("fleet-owner@example.com", "owner's password");
    viewer = node.signUpAndLogIn("fleet-viewer@example.com", "viewer's password");
    stranger = node.signUpAndLogIn("fleet-stranger@example.com", "stranger's password");
    attacker = node.signUpAndLogIn("attacker@example.com", "attacker's password");
    product = product("cold-chain", "fleet-owner@example.com");
    attackersProduct = product("attackers-fleet", "attacker@example.com");
    node.execute("INSERT INTO product_members (product_id, user_id, role) VALUES (" + product + ", "
        + userId("fleet-viewer@example.com") + ", 'view_only')");
    member = node.provisionDevice();
    node.claim(member.id(), owner);
    importInto(product, member.id(), owner);
    attackersDevice = node.provisionDevice();
    importInto(attackersProduct, attackersDevice.id(), attacker);
    loose = node.provisionDevice();
    node.claim(loose.id(), attacker);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aTeamPublishesAsTheProductAndTheEventIsTheProductsNotTheAccounts(Vertx vertx) throws Exception {
    try (SseClient productStream = SseClient.open(vertx, node.httpPort(), "/v1/products/cold-chain/events/announce", viewer);
         SseClient ownersStream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/announce", owner);
         SseClient publicFeed = SseClient.open(vertx, node.httpPort(), "/v1/events/announce", stranger)) {
      HttpResponse<String> published = node.post("/v1/products/cold-chain/events",
          new JsonObject().put("name", "announce").put("data", "recall lot 7").put("private", false).put("ttl", 120).encode(), owner);
      assertEquals(200, published.statusCode(), published.body());
      assertEquals(new JsonObject().put("ok", true), new JsonObject(published.body()));

      SseClient.Event event = productStream.awaitEvent(e -> "recall lot 7".equals(e.data().getString("data")), WAIT);
      assertEquals("api", event.data().getString("coreid"));
      assertEquals(product, event.data().getInteger("productID"));
      assertNull(event.data().getValue("userid"), "no account owns an event published as the product");
      assertEquals(true, event.data().getBoolean("public"));
      assertEquals(120, event.data().getInteger("ttl"));
      assertEquals(String.valueOf(product), node.query("SELECT product_id FROM events WHERE id = " + event.id()));
      assertEquals("", node.query("SELECT coalesce(owner_id::text, '') FROM events WHERE id = " + event.id()));

      // a marker the owner publishes as itself, after: once it is on the owner's stream and the public feed, the product's event would be too
      HttpResponse<String> marker = node.post("/v1/devices/events",
          new JsonObject().put("name", "announce").put("data", "marker").put("private", false).encode(), owner);
      assertEquals(200, marker.statusCode(), marker.body());
      ownersStream.awaitEvent(e -> "marker".equals(e.data().getString("data")), WAIT);
      publicFeed.awaitEvent(e -> "marker".equals(e.data().getString("data")), WAIT);
      assertFalse(ownersStream.events().stream().anyMatch(e -> "recall lot 7".equals(e.data().getString("data"))),
          "the publisher's own stream does not carry the product's event");
      assertFalse(publicFeed.events().stream().anyMatch(e -> "recall lot 7".equals(e.data().getString("data"))),
          "a public product event stays the product team's: not on every account's public feed");
    }
    // nor on their replays
    try (SseClient publicReplay = SseClient.open(vertx, node.httpPort(), "/v1/events/announce", stranger, "0")) {
      publicReplay.awaitEvent(e -> "marker".equals(e.data().getString("data")), WAIT);
      assertFalse(publicReplay.events().stream().anyMatch(e -> "recall lot 7".equals(e.data().getString("data"))), "the public feed's replay");
    }
  }

  @Test
  void publishingAsTheProductNeedsARoleThatOperatesDevicesAndAValidEvent() throws Exception {
    String body = new JsonObject().put("name", "announce").put("data", "x").encode();
    assertError(node.post("/v1/products/" + product + "/events", body, viewer), 403, "forbidden");
    assertError(node.post("/v1/products/" + product + "/events", body, stranger), 404, "not_found");
    assertError(node.post("/v1/products/" + product + "/events", body, attacker), 404, "not_found");
    assertError(node.post("/v1/products/no-such-product/events", body, owner), 404, "not_found");
    assertEquals(401, node.post("/v1/products/" + product + "/events", body, null).statusCode());
    assertError(node.post("/v1/products/" + product + "/events", new JsonObject().put("data", "no name").encode(), owner), 400, "invalid_request");
    assertError(node.post("/v1/products/" + product + "/events", new JsonObject().put("name", "a\nb").encode(), owner), 400, "invalid_request");
    assertError(node.post("/v1/products/" + product + "/events", new JsonObject().put("name", "t").put("ttl", "soon").encode(), owner), 400,
        "invalid_request");
    assertEquals("0", node.query("SELECT count(*) FROM events WHERE device_id = 'api' AND name IN ('announce', 't', 'a\nb') AND data IN ('x', 'no name')"));
  }

  @Test
  void theProductsHistoryHoldsItsDevicesEventsAndItsOwnAndNothingElse(Vertx vertx) throws Exception {
    try (TestDevice inProduct = TestDevice.connect(vertx, node.mqttPort(), member.id(), member.secret()).await(10, TimeUnit.SECONDS);
         TestDevice othersDevice = TestDevice.connect(vertx, node.mqttPort(), attackersDevice.id(), attackersDevice.secret()).await(10, TimeUnit.SECONDS);
         TestDevice outside = TestDevice.connect(vertx, node.mqttPort(), loose.id(), loose.secret()).await(10, TimeUnit.SECONDS)) {
      inProduct.publishAcknowledged("e/hist-temp", io.vertx.core.buffer.Buffer.buffer("4.5"));
      othersDevice.publishAcknowledged("e/hist-temp", io.vertx.core.buffer.Buffer.buffer("other product"));
      outside.publishAcknowledged("e/hist-temp", io.vertx.core.buffer.Buffer.buffer("no product"));
    }
    assertEquals(200, node.post("/v1/products/" + product + "/events", new JsonObject().put("name", "hist-note").put("data", "as the product").encode(),
        owner).statusCode());
    assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", "hist-note").put("data", "as the owner").encode(), owner).statusCode());
    TestNode.eventually(WAIT, () -> countEvents("api", "hist-note") == 2, "both notes stored");

    JsonObject page = history("/v1/products/cold-chain/history/events?limit=1000", viewer);
    Set<String> datas = datas(page);
    assertTrue(datas.containsAll(List.of("4.5", "as the product")), datas.toString());
    assertFalse(datas.contains("other product") || datas.contains("no product") || datas.contains("as the owner"), datas.toString());
    JsonObject stored = page.getJsonArray("events").stream().map(JsonObject.class::cast)
        .filter(e -> "4.5".equals(e.getString("data"))).findFirst().orElseThrow();
    assertEquals(member.id(), stored.getString("coreid"));
    assertEquals("hist-temp", stored.getString("name"));
    assertEquals(product, stored.getInteger("productID"));
    assertEquals(String.valueOf(userId("fleet-owner@example.com")), stored.getString("userid"));
    assertTrue(stored.getLong("id") > 0 && stored.containsKey("published_at") && stored.containsKey("ttl"), stored.encode());
    assertTrue(page.containsKey("next_before"));

    assertEquals(Set.of("4.5"), datas(history("/v1/products/" + product + "/history/events?device=" + member.id() + "&filter=event:hist-temp", owner)));
    assertEquals(Set.of(), datas(history("/v1/products/" + product + "/history/events?device=" + attackersDevice.id(), owner)),
        "another product's device: the product's rows only, so none");
    JsonObject first = history("/v1/products/" + product + "/history/events?limit=1", owner);
    assertEquals(1, first.getJsonArray("events").size());
    long before = first.getLong("next_before");
    JsonArray older = history("/v1/products/" + product + "/history/events?limit=1000&before=" + before, owner).getJsonArray("events");
    assertTrue(older.stream().map(JsonObject.class::cast).allMatch(e -> e.getLong("id") < before), "paged by id");

    // the owner's own history is the account's: the product's event is not in it, the owner's is
    Set<String> ownersHistory = datas(history("/v1/history/events?limit=1000", owner));
    assertTrue(ownersHistory.contains("as the owner") && !ownersHistory.contains("as the product"), ownersHistory.toString());

    assertError(node.get("/v1/products/" + product + "/history/events", attacker), 404, "not_found");
    assertError(node.get("/v1/products/" + product + "/history/events", stranger), 404, "not_found");
    assertEquals(401, node.get("/v1/products/" + product + "/history/events", null).statusCode());
    assertError(node.get("/v1/products/" + product + "/history/events?limit=0", owner), 400, "invalid_request");
    assertError(node.get("/v1/products/" + product + "/history/events?filter=range:9-1", owner), 400, "invalid_filter");
    assertError(node.get("/v1/products/" + product + "/history/events?device=not-a-device-id", owner), 404, "not_found");
  }

  @Test
  void anAttackersReplayFromTheStartHoldsOnlyTheirOwnProductsEvents(Vertx vertx) throws Exception {
    try (TestDevice inProduct = TestDevice.connect(vertx, node.mqttPort(), member.id(), member.secret()).await(10, TimeUnit.SECONDS);
         TestDevice outside = TestDevice.connect(vertx, node.mqttPort(), loose.id(), loose.secret()).await(10, TimeUnit.SECONDS);
         TestDevice attackers = TestDevice.connect(vertx, node.mqttPort(), attackersDevice.id(), attackersDevice.secret()).await(10, TimeUnit.SECONDS)) {
      inProduct.publishAcknowledged("e/secret", io.vertx.core.buffer.Buffer.buffer("victim's reading"));
      outside.publishAcknowledged("e/secret", io.vertx.core.buffer.Buffer.buffer("attacker's own loose device"));
      attackers.publishAcknowledged("e/secret", io.vertx.core.buffer.Buffer.buffer("attacker's product device"));
    }
    assertEquals(200, node.post("/v1/products/" + product + "/events", new JsonObject().put("name", "secret").put("data", "victim's product event")
        .put("private", false).encode(), owner).statusCode());
    assertEquals(200, node.post("/v1/products/" + attackersProduct + "/events", new JsonObject().put("name", "secret").put("data", "end of replay")
        .encode(), attacker).statusCode());
    TestNode.eventually(WAIT, () -> countEvents("api", "secret") == 2, "both product events stored");

    // another product's stream, resumed from the very start: refused as not found before anything is read
    HttpResponse<String> victims = node.get("/v1/products/" + product + "/events?last_event_id=0", attacker);
    assertEquals(404, victims.statusCode(), victims.body());
    assertEquals("not_found", new JsonObject(victims.body()).getString("error"));

    // the attacker's own product, replayed from 0: its devices' and its own events, none of the victim's, none of a loose device's
    try (SseClient replay = SseClient.open(vertx, node.httpPort(), "/v1/products/" + attackersProduct + "/events/secret", attacker, "0")) {
      replay.awaitEvent(e -> "end of replay".equals(e.data().getString("data")), WAIT);
      Set<String> replayed = replay.events().stream().map(e -> e.data().getString("data")).collect(Collectors.toSet());
      assertEquals(Set.of("attacker's product device", "end of replay"), replayed);
      assertTrue(replay.events().stream().allMatch(e -> e.data().getInteger("productID") == attackersProduct), "every frame names the product");
    }
    // and the public feed's replay from 0 carries no product's events, public or not
    try (SseClient feed = SseClient.open(vertx, node.httpPort(), "/v1/events/secret", attacker, "0")) {
      assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", "secret").put("data", "feed marker").encode(), attacker)
          .statusCode());
      feed.awaitEvent(e -> "feed marker".equals(e.data().getString("data")), WAIT);
      Set<String> seen = feed.events().stream().map(e -> e.data().getString("data")).collect(Collectors.toSet());
      assertEquals(Set.of("attacker's own loose device", "feed marker"), seen);
    }
  }

  private static JsonObject history(String path, String token) throws Exception {
    HttpResponse<String> response = node.get(path, token);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  private static Set<String> datas(JsonObject page) {
    return page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("data")).collect(Collectors.toSet());
  }

  private static void assertError(HttpResponse<String> response, int status, String error) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    assertEquals(error, body.getString("error"), response.body());
  }

  private static void importInto(int productId, String deviceId, String token) throws Exception {
    node.reportClaimCode(deviceId, node.claimCode("/v1/products/" + productId + "/device_claims", token));
    HttpResponse<String> imported = node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", deviceId).encode(), token);
    assertEquals(200, imported.statusCode(), imported.body());
    assertEquals(String.valueOf(productId), node.query("SELECT product_id FROM devices WHERE id = '" + deviceId + "'"), imported.body());
  }

  private static long countEvents(String deviceId, String name) {
    try {
      return node.countEvents(deviceId, name);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long userId(String username) throws Exception {
    return Long.parseLong(node.query("SELECT id FROM users WHERE username = '" + username + "'"));
  }

  private static int product(String slug, String ownerName) throws Exception {
    long id = userId(ownerName);
    int productId = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, owner_id) VALUES ('" + slug + "', '" + slug
        + "', 12, " + id + ") RETURNING id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role, is_owner) VALUES (" + productId + ", " + id + ", 'administrator', true)");
    return productId;
  }
}
