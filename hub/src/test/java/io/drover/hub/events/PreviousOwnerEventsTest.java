package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.drover.hub.support.SseClient;
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
 * Events and ownership: a device's stored events belong to whoever held it when they were published. Account
 * A's device publishes private events in A's product, leaves A (removed from the product, unclaimed) and
 * joins account B's product, where B claims it: no route B can call replays or lists A's events, while
 * A's own product still replays them (so the replay itself works).
 */
@ExtendWith(VertxExtension.class)
class PreviousOwnerEventsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String SECRET = "alice's secret reading";
  private static TestNode node;
  private static String alice;
  private static String bob;
  private static String aliceProduct;
  private static String bobProduct;
  private static DeviceIdentity device;

  @BeforeAll
  static void aDeviceMovesFromAliceToBob() throws Exception {
    node = TestNode.start();
    node.signUpAndLogIn("operator@example.com", "the administrator");
    alice = node.signUpAndLogIn("alice@example.com", "alice's password");
    bob = node.signUpAndLogIn("bob@example.com", "bob's password");
    aliceProduct = product("alice-sensors", alice);
    bobProduct = product("bob-sensors", bob);
    device = node.provisionDevice();

    node.claim(device.id(), alice);
    assertEquals(200, node.post("/v1/products/" + aliceProduct + "/devices", new JsonObject().put("id", device.id()).encode(), alice).statusCode());
    Vertx vertx = Vertx.vertx();
    try (TestDevice connected = TestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret()).await(10, TimeUnit.SECONDS)) {
      awaitJoined(vertx, connected, aliceProduct, alice);
      connected.publishAcknowledged("e/reading", Buffer.buffer(SECRET));
      connected.publishAcknowledged("e/spark/flash/status", Buffer.buffer("failed"));
    }
    assertEquals(200, node.send("DELETE", "/v1/products/" + aliceProduct + "/devices/" + device.id(), null, alice).statusCode());
    assertEquals(200, node.send("DELETE", "/v1/devices/" + device.id(), null, alice).statusCode());

    // bob's team proves the device is in its hands with a product claim code the device reports (it joins), then bob claims it
    node.reportClaimCode(device.id(), node.claimCode("/v1/products/" + bobProduct + "/device_claims", bob));
    HttpResponse<String> imported = importInto(bobProduct, bob);
    assertEquals(new JsonArray().add(device.id()), new JsonObject(imported.body()).getJsonArray("existingDeviceIds"), imported.body());
    node.claim(device.id(), bob);
    try (TestDevice connected = TestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret()).await(10, TimeUnit.SECONDS)) {
      awaitJoined(vertx, connected, bobProduct, bob);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The hub learns of an import from the bus right after its answer, and stamps events with the product
   * from then on: publishes until one shows up on the product's stream.
   */
  private static void awaitJoined(Vertx vertx, TestDevice connected, String product, String token) throws Exception {
    try (SseClient joined = SseClient.open(vertx, node.httpPort(), "/v1/products/" + product + "/events/joined", token)) {
      TestNode.eventually(WAIT, () -> {
        try {
          connected.publishAcknowledged("e/joined", Buffer.buffer("yes"));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        return !joined.events().isEmpty();
      }, "the device's events on the stream of product " + product);
    }
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void theNewProductsReplayFromTheStartHoldsNoneOfThePreviousOwnersEvents(Vertx vertx) throws Exception {
    try (TestDevice connected = TestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret()).await(10, TimeUnit.SECONDS)) {
      connected.publishAcknowledged("e/reading", Buffer.buffer("bob's reading"));
    }
    try (SseClient replay = SseClient.open(vertx, node.httpPort(), "/v1/products/" + bobProduct + "/events", bob, "0")) {
      replay.awaitEvent(e -> "bob's reading".equals(e.data().getString("data")), WAIT);
      assertNoSecret(replay.events());
    }
    try (SseClient replay = SseClient.open(vertx, node.httpPort(), "/v1/products/" + bobProduct + "/events/reading?last_event_id=0", bob)) {
      replay.awaitEvent(e -> "bob's reading".equals(e.data().getString("data")), WAIT);
      assertNoSecret(replay.events());
    }
  }

  @Test
  void theNewOwnersDeviceAccountAndPublicReplaysHoldNoneOfThem(Vertx vertx) throws Exception {
    try (TestDevice connected = TestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret()).await(10, TimeUnit.SECONDS)) {
      connected.publishAcknowledged("e/reading", Buffer.buffer("bob's own reading"));
    }
    for (String path : List.of("/v1/devices/" + device.id() + "/events", "/v1/devices/events", "/v1/events")) {
      try (SseClient replay = SseClient.open(vertx, node.httpPort(), path, bob, "0")) {
        replay.awaitEvent(e -> "bob's own reading".equals(e.data().getString("data")), WAIT);
        assertNoSecret(replay.events());
      }
    }
  }

  @Test
  void theNewOwnersHistoryListsNoneOfThem() throws Exception {
    for (String path : List.of("/v1/history/events?device=" + device.id(), "/v1/history/events")) {
      HttpResponse<String> history = node.get(path, bob);
      assertEquals(200, history.statusCode(), history.body());
      assertFalse(history.body().contains(SECRET), path + " lists the previous owner's event: " + history.body());
      assertFalse(history.body().contains("spark/flash/status"), path + " lists the previous owner's event: " + history.body());
    }
  }

  @Test
  void theNewProductsFirmwareViewShowsNoUpdateStateFromThePreviousProduct() throws Exception {
    String path = "/v1/products/" + bobProduct + "/devices/" + device.id() + "/firmware-target";
    // the firmware index learns of the import from the bus, right after the import's answer
    TestNode.eventually(WAIT, () -> status(path) == 200, "the device in the new product's firmware index");
    HttpResponse<String> why = node.get(path, bob);
    assertEquals(200, why.statusCode(), why.body());
    assertNull(new JsonObject(why.body()).getValue("update_state"), why.body());
  }

  @Test
  void thePreviousProductStillReplaysItsOwnHistory(Vertx vertx) throws Exception {
    try (SseClient replay = SseClient.open(vertx, node.httpPort(), "/v1/products/" + aliceProduct + "/events", alice, "0")) {
      replay.awaitEvent(e -> SECRET.equals(e.data().getString("data")), WAIT);
    }
  }

  private static int status(String path) {
    try {
      return node.get(path, bob).statusCode();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertNoSecret(List<SseClient.Event> events) {
    for (SseClient.Event event : events) {
      assertFalse(SECRET.equals(event.data().getString("data")) || "spark/flash/status".equals(event.name()),
          "the previous owner's event is on the stream: " + event);
    }
  }

  private static HttpResponse<String> importInto(String productSlug, String token) throws Exception {
    HttpResponse<String> imported = node.post("/v1/products/" + productSlug + "/devices", new JsonObject().put("id", device.id()).encode(), token);
    assertEquals(200, imported.statusCode(), imported.body());
    return imported;
  }

  private static String product(String slug, String token) throws Exception {
    HttpResponse<String> created = node.post("/v1/products", new JsonObject().put("name", slug).put("slug", slug).put("platform_id", 12).encode(), token);
    assertEquals(201, created.statusCode(), created.body());
    return slug;
  }
}
