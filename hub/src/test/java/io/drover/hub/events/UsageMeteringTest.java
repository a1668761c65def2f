package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Events delivered to streams are counted per owning account and month, written in batches. */
@ExtendWith(VertxExtension.class)
class UsageMeteringTest {

  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--events.usage-flush-seconds=1");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void everyDeliveryToEveryStreamIsCountedForTheEventsOwnerThisMonth(Vertx vertx) throws Exception {
    String owner = node.signUpAndLogIn("metered@example.com", "metered's password");
    String quiet = node.signUpAndLogIn("quiet@example.com", "quiet's password");
    try (SseClient one = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", owner);
         SseClient two = SseClient.open(vertx, node.httpPort(), "/v1/events", owner);
         SseClient other = SseClient.open(vertx, node.httpPort(), "/v1/events", quiet)) {
      for (String name : new String[] {"a", "b", "c"}) {
        assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", name).encode(), owner).statusCode());
      }
      one.awaitEvent(e -> "c".equals(e.name()), Duration.ofSeconds(10));
      two.awaitEvent(e -> "c".equals(e.name()), Duration.ofSeconds(10));
    }

    TestNode.eventually(Duration.ofSeconds(10), () -> "6".equals(usage("metered@example.com")), "six deliveries recorded");
    assertEquals(null, usage("quiet@example.com"), "nothing delivered of the quiet account's events");
    assertEquals("t", node.query("SELECT period = date_trunc('month', now() AT TIME ZONE 'UTC')::date FROM event_usage"
        + " WHERE owner_id = (SELECT id FROM users WHERE username = 'metered@example.com')"));
  }

  @Test
  void deliveriesOfAProductsEventsAreCountedForTheProductToday(Vertx vertx) throws Exception {
    String owner = node.signUpAndLogIn("fleet-owner@example.com", "the fleet owner's password");
    int product = new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Metered Fleet")
        .put("platform_id", 12)).encode(), owner).body()).getJsonObject("product").getInteger("id");
    TestNode.DeviceIdentity device = node.provisionDevice();
    assertEquals(200, node.post("/v1/products/" + product + "/devices", new JsonObject().put("id", device.id()).encode(), node.adminToken())
        .statusCode());
    int seen;
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/products/" + product + "/events", owner);
         io.drover.hub.support.TestDevice publisher = io.drover.hub.support.TestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret())
             .await(10, java.util.concurrent.TimeUnit.SECONDS)) {
      for (int i = 0; i < 3; i++) {
        publisher.publishAcknowledged("e/reading", io.vertx.core.buffer.Buffer.buffer(Integer.toString(i)));
      }
      stream.awaitEvent(e -> "reading".equals(e.name()) && "2".equals(e.data().getString("data")), Duration.ofSeconds(10));
      seen = stream.events().size();
    }
    // every delivery on the product's stream (its readings, and the spark/status it saw), for the product and today's UTC date
    int delivered = seen;
    TestNode.eventually(Duration.ofSeconds(10), () -> productUsage(product) >= delivered, "the product's deliveries recorded");
    assertEquals("t", node.query("SELECT bool_and(day = (now() AT TIME ZONE 'UTC')::date) FROM product_event_usage WHERE product_id = " + product));
    assertEquals(null, node.query("SELECT delivered FROM product_event_usage WHERE product_id <> " + product + " LIMIT 1"),
        "no other product counted");
  }

  private static long productUsage(int product) {
    try {
      String sum = node.query("SELECT sum(delivered) FROM product_event_usage WHERE product_id = " + product);
      return sum == null ? 0 : Long.parseLong(sum);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String usage(String username) {
    try {
      return node.query("SELECT delivered FROM event_usage WHERE owner_id = (SELECT id FROM users WHERE username = '" + username + "')");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
