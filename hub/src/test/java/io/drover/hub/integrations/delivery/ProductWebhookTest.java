package io.drover.hub.integrations.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.CoapTestDevice;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Product webhooks end to end, made through the API as a product's owner makes them: a product
 * device over CoAP triggers its product's webhook and gets the answer back over its DTLS session
 * ({@code POST /e/<device>/hook-response/<event>/<i>}) and on the product's stream; a device of
 * another product does not trigger it; and once the product is deleted (its integrations cascade in
 * the database) no delivery of it is sent any more, a retry already due included.
 */
class ProductWebhookTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static Vertx vertx;
  private static TestNode node;
  private static WebhookReceiver receiver;
  private static String owner;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    receiver = WebhookReceiver.start(vertx);
    node = TestNode.start("--integrations.allow-private-targets=true", "--integrations.retry-seconds=3,3", "--integrations.poll-interval-ms=100",
        "--integrations.timeout-seconds=5", "--integrations.lease-seconds=15");
    owner = node.signUpAndLogIn("fleet-hooks@example.com", "a long enough password");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    receiver.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static int product(String name) throws Exception {
    HttpResponse<String> made = node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", name).put("platform_id", 12))
        .encode(), owner);
    assertEquals(201, made.statusCode(), made.body());
    return new JsonObject(made.body()).getJsonObject("product").getInteger("id");
  }

  private static DeviceIdentity deviceOf(int product) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    HttpResponse<String> added = node.post("/v1/products/" + product + "/devices", new JsonObject().put("id", device.id()).encode(), node.adminToken());
    assertTrue(added.statusCode() == 200 || added.statusCode() == 201, added.body());
    return device;
  }

  private static String webhook(int product, String event, String url) throws Exception {
    HttpResponse<String> made = node.post("/v1/products/" + product + "/integrations",
        new JsonObject().put("integration_type", "Webhook").put("event", event).put("url", url).encode(), owner);
    assertEquals(201, made.statusCode(), made.body());
    return new JsonObject(made.body()).getString("id");
  }

  private static String coreid(WebhookReceiver.Received request) {
    for (String pair : request.body().split("&")) {
      if (pair.startsWith("coreid=")) {
        return URLDecoder.decode(pair.substring(7), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  @Test
  void aProductDeviceOverCoapTriggersItsProductsWebhookAndGetsTheAnswerBackButAnotherProductsDeviceDoesNot() throws Exception {
    int lamps = product("Hooked Lamp");
    int fans = product("Other Fan");
    DeviceIdentity lamp = deviceOf(lamps);
    DeviceIdentity fan = deviceOf(fans);
    webhook(lamps, "fleet", receiver.url("/ok/600?hook=lamps"));
    webhook(fans, "fleet", receiver.url("/ok/0?hook=fans"));
    TestNode.eventually(WAIT, ProductWebhookTest::indexMatchesTable, "the delivery index loads the new webhooks");

    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/products/" + lamps + "/events/" + lamp.id() + "/hook-response", owner);
         CoapTestDevice coap = CoapTestDevice.connect(node.coapPort(), lamp.id(), lamp.secret());
         TestDevice mqtt = TestDevice.connect(vertx, node.mqttPort(), fan.id(), fan.secret()).await(10, TimeUnit.SECONDS)) {

      assertEquals(org.eclipse.californium.core.coap.CoAP.ResponseCode.CHANGED, coap.post("/e/fleet/temp", "21.5").getCode());
      mqtt.publishAcknowledged("e/fleet/temp", Buffer.buffer("19"));

      WebhookReceiver.Received lampRequest = receiver.await(r -> r.uri().contains("hook=lamps"), WAIT);
      assertEquals(lamp.id(), coreid(lampRequest));
      WebhookReceiver.Received fanRequest = receiver.await(r -> r.uri().contains("hook=fans"), WAIT);
      assertEquals(fan.id(), coreid(fanRequest), "the other product's webhook hears its own device");
      String body = WebhookReceiver.text(600);
      // Particle's default topic for a product: the device's id first
      String topic = lamp.id() + "/hook-response/fleet/temp";
      SseClient.Event second = stream.awaitEvent(e -> e.name().equals(topic + "/1"), WAIT);
      assertEquals(body.substring(512), second.data().getString("data"));
      TestNode.eventually(WAIT, () -> coap.events().contains(topic + "/1=" + body.substring(512)), "the second piece reaches the CoAP device");
      assertTrue(coap.events().contains(topic + "/0=" + body.substring(0, 512)), "and the first: " + coap.events());
      Thread.sleep(500);
      assertEquals(1, receiver.matching(r -> r.uri().contains("hook=lamps")).size(), "the fan's event did not trigger the lamps' webhook");
      assertEquals(1, receiver.matching(r -> r.uri().contains("hook=fans")).size(), "nor the lamp's the fans'");
    }
  }

  @Test
  void deletingAProductDropsItsWebhooksFromTheDeliveryIndexSoADueRetryIsNotSent() throws Exception {
    int doomed = product("Doomed Kettle");
    DeviceIdentity kettle = deviceOf(doomed);
    String id = webhook(doomed, "boil", receiver.url("/status/503?hook=doomed"));
    // the API answers before every node has reloaded the new row (its notice is published)
    TestNode.eventually(WAIT, ProductWebhookTest::indexMatchesTable, "the delivery index loads the new webhook");
    try (TestDevice mqtt = TestDevice.connect(vertx, node.mqttPort(), kettle.id(), kettle.secret()).await(10, TimeUnit.SECONDS)) {
      mqtt.publishAcknowledged("e/boil", Buffer.buffer("1"));
      receiver.await(r -> r.uri().contains("hook=doomed"), WAIT);
    }
    // the 503 is retried in 3 s; the product goes before
    HttpResponse<String> deleted = node.send("DELETE", "/v1/products/" + doomed, null, owner);
    assertEquals(204, deleted.statusCode(), deleted.body());

    assertEquals(0, IntegrationRows.count(node, "SELECT count(*) FROM integrations WHERE id = ?", id), "the row cascaded");
    TestNode.eventually(WAIT, ProductWebhookTest::indexMatchesTable, "the delivery index drops the product's webhook");
    TestNode.eventually(WAIT, () -> outboxRows(id) == 0, "its due retry is dropped, not sent");
    Thread.sleep(1000);
    assertEquals(1, receiver.matching(r -> r.uri().contains("hook=doomed")).size(), "no delivery after the product was deleted");
  }

  @Test
  void aWebhookDeliveryCountsAsAnOutboundEventOfTheProductOnceRetriesIncluded() throws Exception {
    int metered = product("Metered Pump");
    DeviceIdentity pump = deviceOf(metered);
    // the first attempt fails (a 500), the retry succeeds: one outbound event, not two
    String hook = webhook(metered, "usage", receiver.url("/flaky?hook=metered"));
    TestNode.eventually(WAIT, ProductWebhookTest::indexMatchesTable, "the delivery index loads the new webhook");
    String before = node.query("SELECT coalesce(sum(delivered), 0) FROM product_event_usage WHERE product_id = " + metered);
    assertEquals("0", before, "no stream, nothing delivered yet");
    receiver.failing.set(1);
    try (TestDevice mqtt = TestDevice.connect(vertx, node.mqttPort(), pump.id(), pump.secret()).await(10, TimeUnit.SECONDS)) {
      mqtt.publishAcknowledged("e/usage/litres", Buffer.buffer("12"));
      receiver.await(r -> r.uri().contains("hook=metered"), WAIT);
    } finally {
      receiver.failing.set(0);
    }
    TestNode.eventually(WAIT, () -> {
      try {
        return IntegrationRows.count(node, "SELECT count(*) FROM integration_attempts WHERE integration_id = ? AND outcome = 'success'", hook) == 1;
      } catch (Exception e) {
        return false;
      }
    }, "the retry delivered");
    TestNode.eventually(WAIT, () -> {
      try {
        return "1".equals(node.query("SELECT coalesce(sum(delivered), 0) FROM product_event_usage WHERE product_id = " + metered));
      } catch (Exception e) {
        return false;
      }
    }, "the delivered webhook counted as one outbound event of the product (billing's events line)");
  }

  /** The index holds exactly the Webhook rows the table holds: a row gone from the table is gone from the index. */
  private static boolean indexMatchesTable() {
    try {
      return (long) node.metric("drover_integration_loaded")
          == IntegrationRows.count(node, "SELECT count(*) FROM integrations WHERE integration_type = 'Webhook'");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long outboxRows(String id) {
    try {
      return IntegrationRows.count(node, "SELECT count(*) FROM integration_outbox WHERE integration_id = ?", id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
