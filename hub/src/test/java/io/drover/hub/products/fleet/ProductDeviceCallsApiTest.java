package io.drover.hub.products.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A product device's functions, variables and event stream under the product's paths, for its team by
 * role, with a device simulated over real MQTT: {@code POST/GET /v1/products/:p/devices/:id/:name} and
 * {@code GET /v1/products/:p/devices/:id/events}.
 */
@ExtendWith(VertxExtension.class)
class ProductDeviceCallsApiTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;
  private static FleetFixture fleet;
  private static String admin;
  private static String support;
  private static String viewer;
  private static String outsider;
  private static int product;
  private static int otherProduct;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    fleet = new FleetFixture(node);
    admin = node.signUpAndLogIn("calls-admin@example.com", "calls admin password");
    support = node.signUpAndLogIn("calls-support@example.com", "calls support password");
    viewer = node.signUpAndLogIn("calls-viewer@example.com", "calls viewer password");
    outsider = node.signUpAndLogIn("calls-outsider@example.com", "calls outsider password");
    product = fleet.product("calls", "calls-admin@example.com");
    fleet.member(product, "calls-support@example.com", "support");
    fleet.member(product, "calls-viewer@example.com", "view_only");
    otherProduct = fleet.product("calls-other", "calls-outsider@example.com");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void functionsAndVariablesAnswerByRoleAsTheAccountRoutesDo(Vertx vertx) throws Exception {
    DeviceIdentity identity = inProduct();
    List<String> arguments = new ArrayList<>();
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.behave(
          Map.<String, Function<String, String>>of("led", arg -> {
            arguments.add(arg);
            return "on".equals(arg) ? "1" : "-22";
          }),
          Map.<String, Map.Entry<String, Supplier<String>>>of("temperature", Map.entry("double", () -> "21.5")));
      TestNode.eventually(WAIT, () -> declared(identity.id()), "the description reached the hub");
      String base = "/v1/products/" + product + "/devices/" + identity.id();

      HttpResponse<String> call = node.post(base + "/led", "{\"arg\":\"on\"}", admin);
      assertEquals(200, call.statusCode(), call.body());
      JsonObject answer = new JsonObject(call.body());
      assertEquals(1, answer.getInteger("return_value"));
      assertEquals(identity.id(), answer.getString("id"));
      assertEquals(true, answer.getBoolean("connected"));
      assertTrue(answer.containsKey("name"), "the account route's fields: " + answer);
      HttpResponse<String> bySlug = node.post("/v1/products/calls/devices/" + identity.id() + "/led", "{\"args\":\"off\"}", support);
      assertEquals(200, bySlug.statusCode(), "support operates devices; the slug names the product: " + bySlug.body());
      assertEquals(-22, new JsonObject(bySlug.body()).getInteger("return_value"));
      assertEquals(List.of("on", "off"), arguments);

      HttpResponse<String> read = node.get(base + "/temperature", viewer);
      assertEquals(200, read.statusCode(), "view-only reads variables (devices.variable:get): " + read.body());
      JsonObject variable = new JsonObject(read.body());
      assertEquals(21.5, variable.getDouble("result"));
      assertEquals("temperature", variable.getString("name"));
      assertEquals(identity.id(), variable.getJsonObject("coreInfo").getString("deviceID"));
      assertEquals(product, variable.getJsonObject("coreInfo").getInteger("product_id"));
      assertEquals("21.5", node.get(base + "/temperature?format=raw", admin).body());

      assertError(node.post(base + "/led", "{\"arg\":\"on\"}", viewer), 403, "forbidden", "view_only role may not");
      assertError(node.post(base + "/nothing", "{}", admin), 404, "not_found", "Function nothing not found");
      assertError(node.get(base + "/nothing", admin), 404, "not_found", "Variable nothing not found");
      assertError(node.post(base + "/led", new JsonObject().put("arg", "x".repeat(1025)).encode(), admin), 400, "invalid_request",
          "the argument must be at most");
      assertEquals(2, arguments.size(), "no refused call reached the device");
    }
    TestNode.eventually(WAIT, () -> !online(identity.id()), "device offline");
    assertError(node.post("/v1/products/" + product + "/devices/" + identity.id() + "/led", "{\"arg\":\"on\"}", admin), 404,
        "device_offline", "not connected");
  }

  @Test
  void aDeviceOutsideTheProductIsNotFound() throws Exception {
    DeviceIdentity elsewhere = node.provisionDevice();
    importInto(otherProduct, elsewhere.id());
    String path = "/devices/" + elsewhere.id() + "/led";

    assertError(node.post("/v1/products/" + product + path, "{}", admin), 404, "not_found", "No device " + elsewhere.id() + " in this product");
    assertError(node.get("/v1/products/" + product + "/devices/" + elsewhere.id() + "/temperature", admin), 404, "not_found", "in this product");
    assertError(node.post("/v1/products/" + product + "/devices/not-an-id/led", "{}", admin), 404, "not_found", "in this product");
    assertError(node.post("/v1/products/" + otherProduct + "/devices/" + inProduct().id() + "/led", "{}", outsider), 404, "not_found",
        "in this product");
    assertError(node.post("/v1/products/" + product + path, "{}", outsider), 404, "not_found", "Product " + product + " not found");
    assertError(node.get("/v1/products/" + product + "/devices/" + elsewhere.id() + "/temperature", null), 401, "invalid_request", "access token was not found");
  }

  @Test
  void theProductDeviceStreamCarriesThatDeviceOnly(Vertx vertx) throws Exception {
    DeviceIdentity watched = inProduct();
    DeviceIdentity sibling = inProduct();
    DeviceIdentity elsewhere = node.provisionDevice();
    importInto(otherProduct, elsewhere.id());
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/products/" + product + "/devices/" + watched.id() + "/events", viewer);
         TestDevice siblingDevice = TestDevice.connect(vertx, node.mqttPort(), sibling.id(), sibling.secret()).await(10, TimeUnit.SECONDS);
         TestDevice watchedDevice = TestDevice.connect(vertx, node.mqttPort(), watched.id(), watched.secret()).await(10, TimeUnit.SECONDS)) {
      assertEquals(200, stream.status());
      siblingDevice.publish("reading", "sibling");
      watchedDevice.publish("reading", "watched");
      SseClient.Event event = stream.awaitEvent(e -> e.name().equals("reading"), WAIT);
      assertEquals("watched", event.data().getString("data"));
      assertEquals(product, event.data().getInteger("productID"), "a product stream's frame");
      watchedDevice.publish("reading", "again");
      stream.awaitEvent(e -> e.name().equals("reading") && "again".equals(e.data().getString("data")), WAIT);
      assertFalse(stream.events().stream().anyMatch(e -> "sibling".equals(e.data().getString("data"))), "only the device named");
    }
    assertError(node.get("/v1/products/" + product + "/devices/" + elsewhere.id() + "/events", admin), 404, "not_found", "in this product");
    assertError(node.get("/v1/products/" + product + "/devices/" + watched.id() + "/events", outsider), 404, "not_found", "not found");
    HttpResponse<String> ticket = node.post("/v1/events/stream_tickets",
        new JsonObject().put("path", "/v1/products/" + product + "/devices/" + watched.id() + "/events").encode(), viewer);
    assertEquals(200, ticket.statusCode(), "the Console opens it with a stream ticket: " + ticket.body());
  }

  @Test
  void devicesJoiningRenamedAndLeavingAreToldOnTheProductsStreamOnly(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (SseClient productStream = SseClient.open(vertx, node.httpPort(), "/v1/products/" + product + "/events/drover", viewer);
         SseClient adminsOwn = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/drover", admin);
         SseClient otherProduct = SseClient.open(vertx, node.httpPort(), "/v1/products/" + ProductDeviceCallsApiTest.otherProduct + "/events/drover",
             outsider)) {
      importInto(product, identity.id());
      SseClient.Event added = productStream.awaitEvent(e -> e.name().equals("drover/device/added")
          && new JsonObject(e.data().getString("data")).getJsonArray("device_ids").contains(identity.id()), WAIT);
      assertEquals(1, new JsonObject(added.data().getString("data")).getInteger("count"));
      assertEquals(product, added.data().getInteger("productID"));

      HttpResponse<String> renamed = node.send("PUT", "/v1/products/" + product + "/devices/" + identity.id(), "{\"name\":\"kiln-3\"}", admin);
      assertEquals(200, renamed.statusCode(), renamed.body());
      productStream.awaitEvent(e -> e.name().equals("drover/device/renamed")
          && "kiln-3".equals(new JsonObject(e.data().getString("data")).getString("name")), WAIT);
      assertEquals(200, node.send("DELETE", "/v1/products/" + product + "/devices/" + identity.id(), null, admin).statusCode());
      productStream.awaitEvent(e -> e.name().equals("drover/device/removed")
          && identity.id().equals(new JsonObject(e.data().getString("data")).getString("device_id")), WAIT);

      assertEquals(List.of(), adminsOwn.events(), "a product's notices are on no account's stream, its administrator's neither");
      assertEquals(List.of(), otherProduct.events(), "nor on another product's");
    }
  }

  private static DeviceIdentity inProduct() throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    importInto(product, identity.id());
    return identity;
  }

  /** The node administrator's import, as a manufacturing line's: an unowned device needs no claim code. */
  private static void importInto(int productId, String deviceId) throws Exception {
    HttpResponse<String> imported = node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", deviceId).encode(),
        node.adminToken());
    assertEquals(200, imported.statusCode(), imported.body());
    assertEquals(1, new JsonObject(imported.body()).getJsonArray("updatedDeviceIds").size(), imported.body());
  }

  private static boolean declared(String id) {
    try {
      return node.get("/v1/products/" + product + "/devices/" + id, admin).body().contains("\"led\"");
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean online(String id) {
    try {
      return new JsonObject(node.get("/v1/products/" + product + "/devices/" + id, admin).body()).getBoolean("online");
    } catch (Exception e) {
      return true;
    }
  }

  private static void assertError(HttpResponse<String> response, int status, String error, String description) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    assertEquals(error, body.getString("error"), response.body());
    assertTrue(body.getString("error_description", "").contains(description), response.body());
  }
}
