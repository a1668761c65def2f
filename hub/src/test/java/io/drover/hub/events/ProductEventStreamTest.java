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
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /v1/products/:productIdOrSlug/events}: the product's devices' events, whoever owns them,
 * for the product's team, with Particle's product fields; membership followed from memory as devices
 * join and leave the product.
 */
@ExtendWith(VertxExtension.class)
class ProductEventStreamTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;
  private static String owner;
  private static long ownerId;
  private static String viewer;
  private static String stranger;
  private static String outsider;
  private static int product;
  private static int otherProduct;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("product-owner@example.com", "owner's password");
    viewer = node.signUpAndLogIn("viewer@example.com", "viewer's password");
    stranger = node.signUpAndLogIn("stranger@example.com", "stranger's password");
    outsider = node.signUpAndLogIn("outsider@example.com", "outsider's password");
    ownerId = userId("product-owner@example.com");
    product = product("weather-stations", "product-owner@example.com");
    otherProduct = product("soil-probes", "outsider@example.com");
    node.execute("INSERT INTO product_members (product_id, user_id, role) VALUES (" + product + ", "
        + userId("viewer@example.com") + ", 'view_only')");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aProductDevicesEventsReachAViewOnlyMemberWithTheProductFieldsAndNoOtherDevicesDo(Vertx vertx) throws Exception {
    DeviceIdentity claimed = node.provisionDevice();
    node.claim(claimed.id(), owner);
    importInto(product, claimed.id(), owner);
    DeviceIdentity unclaimed = node.provisionDevice();
    importInto(product, unclaimed.id(), owner);
    DeviceIdentity elsewhere = node.provisionDevice();
    importInto(otherProduct, elsewhere.id(), outsider);
    DeviceIdentity loose = node.provisionDevice();
    node.claim(loose.id(), outsider);

    try (SseClient sse = SseClient.open(vertx, node.httpPort(), "/v1/products/weather-stations/events", viewer);
         TestDevice inProduct = TestDevice.connect(vertx, node.mqttPort(), claimed.id(), claimed.secret()).await(10, TimeUnit.SECONDS);
         TestDevice unowned = TestDevice.connect(vertx, node.mqttPort(), unclaimed.id(), unclaimed.secret()).await(10, TimeUnit.SECONDS);
         TestDevice otherProducts = TestDevice.connect(vertx, node.mqttPort(), elsewhere.id(), elsewhere.secret()).await(10, TimeUnit.SECONDS);
         TestDevice outside = TestDevice.connect(vertx, node.mqttPort(), loose.id(), loose.secret()).await(10, TimeUnit.SECONDS)) {
      otherProducts.publish("temperature", "other product");
      outside.publish("temperature", "no product");
      inProduct.publish("temperature", "21.5");
      unowned.publish("temperature", "19.0");
      inProduct.publish("done", "");

      assertEquals(200, sse.status());
      SseClient.Event event = sse.awaitEvent(e -> "temperature".equals(e.name()) && claimed.id().equals(e.data().getString("coreid")), WAIT);
      assertEquals("21.5", event.data().getString("data"));
      assertEquals(String.valueOf(ownerId), event.data().getString("userid"));
      assertEquals(product, event.data().getInteger("productID"));
      assertEquals(false, event.data().getBoolean("public"));
      assertTrue(event.data().containsKey("version"), "version is on a product stream's events");
      assertTrue(event.data().containsKey("published_at") && event.data().containsKey("ttl"));
      assertTrue(event.id() != null && Long.parseLong(event.id()) > 0);
      SseClient.Event ofUnclaimed = sse.awaitEvent(e -> "temperature".equals(e.name()) && unclaimed.id().equals(e.data().getString("coreid")), WAIT);
      assertNull(ofUnclaimed.data().getValue("userid"), "an unclaimed product device has no owner");
      sse.awaitEvent(e -> "spark/status".equals(e.name()) && claimed.id().equals(e.data().getString("coreid"))
          && "online".equals(e.data().getString("data")), WAIT);
      sse.awaitEvent(e -> "done".equals(e.name()), WAIT);
      // the other devices' events went through the hub (stored, so handed to the streams before that)
      TestNode.eventually(WAIT, () -> countEvents(elsewhere.id(), "temperature") == 1 && countEvents(loose.id(), "temperature") == 1,
          "the other devices' events accepted");
      inProduct.publish("done", "again");
      sse.awaitEvent(e -> "again".equals(e.data().getString("data")), WAIT);
      List<String> devices = sse.events().stream().map(e -> e.data().getString("coreid")).distinct().sorted().toList();
      assertEquals(List.of(claimed.id(), unclaimed.id()).stream().sorted().toList(), devices);
    }
  }

  @Test
  void theProductIsNotFoundForNonMembersAndStreamsNeedASignedInCaller() throws Exception {
    HttpResponse<String> strangers = node.get("/v1/products/" + product + "/events", stranger);
    assertEquals(404, strangers.statusCode());
    assertEquals("not_found", new JsonObject(strangers.body()).getString("error"));
    assertEquals(404, node.get("/v1/products/no-such-product/events", owner).statusCode());
    assertEquals(401, node.get("/v1/products/" + product + "/events", null).statusCode());
    HttpResponse<String> badFilter = node.get("/v1/products/" + product + "/events?filter=" + encode("range:9-1"), viewer);
    assertEquals(400, badFilter.statusCode());
    assertEquals("invalid_filter", new JsonObject(badFilter.body()).getString("error"));
  }

  @Test
  void aDeviceImportedWhileStreamingShowsUpAndARemovedOneLeaves(Vertx vertx) throws Exception {
    DeviceIdentity newcomer = node.provisionDevice();
    DeviceIdentity member = node.provisionDevice();
    importInto(product, member.id(), owner);
    try (SseClient sse = SseClient.open(vertx, node.httpPort(), "/v1/products/" + product + "/events/reading", owner);
         TestDevice joining = TestDevice.connect(vertx, node.mqttPort(), newcomer.id(), newcomer.secret()).await(10, TimeUnit.SECONDS);
         TestDevice staying = TestDevice.connect(vertx, node.mqttPort(), member.id(), member.secret()).await(10, TimeUnit.SECONDS)) {
      joining.publish("reading", "before");
      staying.publish("reading", "marker 1");
      sse.awaitEvent(e -> "marker 1".equals(e.data().getString("data")), WAIT);
      assertFalse(sse.events().stream().anyMatch(e -> "before".equals(e.data().getString("data"))), "not in the product yet");

      importInto(product, newcomer.id(), owner);
      // the directory learns of the import from the bus right after the reply: publish until it shows
      TestNode.eventually(WAIT, () -> {
        publishQuietly(joining, "reading", "after");
        return sse.events().stream().anyMatch(e -> "after".equals(e.data().getString("data")));
      }, "the imported device's event on the stream that was open before the import");

      assertEquals(200, node.send("DELETE", "/v1/products/" + product + "/devices/" + newcomer.id(), null, owner).statusCode());
      TestNode.eventually(WAIT, () -> {
        // once a "gone" event is followed by a marker with no "gone" on the stream after the last one, it has left
        int before = sse.events().size();
        publishQuietly(joining, "reading", "gone");
        publishQuietly(staying, "reading", "marker 2");
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        List<SseClient.Event> since = sse.events().subList(before, sse.events().size());
        return since.stream().anyMatch(e -> "marker 2".equals(e.data().getString("data")))
            && since.stream().noneMatch(e -> "gone".equals(e.data().getString("data")));
      }, "the removed device's events no longer on the stream");
      assertTrue(sse.events().stream().allMatch(e -> e.name().startsWith("reading")), "the prefix keeps other events off");
    }
  }

  @Test
  void aReconnectingStreamGetsTheProductEventsItMissed(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    importInto(product, identity.id(), owner);
    String lastSeen;
    try (SseClient first = SseClient.open(vertx, node.httpPort(), "/v1/products/" + product + "/events/missed", owner);
         TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.publish("missed", "seen");
      lastSeen = first.awaitEvent(e -> "seen".equals(e.data().getString("data")), WAIT).id();
      first.close();
      device.publish("missed", "while away");
      TestNode.eventually(WAIT, () -> countEvents(identity.id(), "missed") == 2, "both events stored");
    }
    try (SseClient resumed = SseClient.open(vertx, node.httpPort(), "/v1/products/" + product + "/events/missed", owner, lastSeen)) {
      SseClient.Event replayed = resumed.awaitEvent(e -> "while away".equals(e.data().getString("data")), WAIT);
      assertEquals(product, replayed.data().getInteger("productID"));
      assertFalse(resumed.events().stream().anyMatch(e -> "seen".equals(e.data().getString("data"))), "only what came after Last-Event-ID");
    }
  }

  @Test
  void theFirmwareVersionADeviceReportsAtItsHandshakeIsOnItsProductEvents(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    importInto(product, identity.id(), owner);
    try (SseClient sse = SseClient.open(vertx, node.httpPort(), "/v1/products/" + product + "/events/versioned", viewer);
         TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.publish("versioned", "before the handshake");
      assertNull(sse.awaitEvent(e -> "before the handshake".equals(e.data().getString("data")), WAIT).data().getValue("version"));

      device.publishAcknowledged("h", new JsonObject().put("product_id", product).put("firmware_version", 3).put("platform_id", 12).toBuffer());
      TestNode.eventually(WAIT, () -> {
        publishQuietly(device, "versioned", "after the handshake");
        return sse.events().stream().anyMatch(e -> Integer.valueOf(3).equals(e.data().getValue("version")));
      }, "version 3 on the device's events after it reported it");
    }
  }

  /** The team's import: the device reports a claim code of the product (which imports it), then the import by ID finds it in. */
  private static void importInto(int productId, String deviceId, String token) throws Exception {
    node.reportClaimCode(deviceId, node.claimCode("/v1/products/" + productId + "/device_claims", token));
    HttpResponse<String> imported = node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", deviceId).encode(), token);
    assertEquals(200, imported.statusCode(), imported.body());
    assertEquals(String.valueOf(productId), node.query("SELECT product_id FROM devices WHERE id = '" + deviceId + "'"), imported.body());
  }

  private static void publishQuietly(TestDevice device, String name, String data) {
    try {
      device.publish(name, data);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
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

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
