package io.drover.hub.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A user's devices through the Particle-compatible API, with devices simulated over real MQTT. */
@ExtendWith(VertxExtension.class)
class DevicesApiTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;
  private static String alice;
  private static String bob;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--devices.call-timeout-ms=700");
    alice = node.signUpAndLogIn("alice@example.com", "alice's password");
    bob = node.signUpAndLogIn("bob@example.com", "bob's password!");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void claimListRenameAndUnclaim() throws Exception {
    DeviceIdentity device = node.provisionDevice();

    // the device reports a claim code of alice's (DeviceClaimCodesTest): it is hers; claiming it by ID answers as a claim
    node.reportClaimCode(device.id(), node.claimCode("/v1/device_claims", alice));
    HttpResponse<String> claimed = node.post("/v1/devices", "{\"id\":\"" + device.id() + "\"}", alice);
    assertEquals(200, claimed.statusCode(), claimed.body());
    assertEquals(device.id(), new JsonObject(claimed.body()).getString("id"));

    JsonObject listed = find(new JsonArray(node.get("/v1/devices", alice).body()), device.id());
    assertTrue(listed.getString("name").matches("[a-z]+_[a-z]+(_\\d+)?"), "a friendly default name: " + listed.getString("name"));
    assertEquals("alice@example.com", listed.getString("owner"));
    for (String field : List.of("last_ip_address", "last_heard", "last_handshake_at", "online", "connected", "platform_id", "cellular",
        "product_id", "serial_number", "iccid", "imei", "system_firmware_version", "firmware_version", "desired_firmware_version",
        "targeted_firmware_release_version", "development", "quarantined", "denied", "groups", "notes")) {
      assertTrue(listed.containsKey(field), "device object has " + field);
    }

    assertEquals(200, node.send("PUT", "/v1/devices/" + device.id(), "{\"name\":\"porch-light\",\"notes\":\"by the door\"}", alice).statusCode());
    JsonObject byName = new JsonObject(node.get("/v1/devices/Porch-Light", alice).body());
    assertEquals(device.id(), byName.getString("id"), "a device can be named by its name, in any case");
    assertEquals("by the door", byName.getString("notes"));

    assertEquals(200, node.send("DELETE", "/v1/devices/porch-light", null, alice).statusCode());
    assertFalse(node.get("/v1/devices", alice).body().contains(device.id()));
    node.claim(device.id(), bob); // free to claim again
    assertEquals(null, new JsonObject(node.get("/v1/devices/" + device.id(), bob).body()).getString("notes"),
        "the last owner's notes went with them");
  }

  @Test
  void claimsRenamesAndUnclaimsAreToldToTheAccountConcernedOnly(Vertx vertx) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    try (SseClient alices = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/drover", alice);
         SseClient bobs = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/drover", bob)) {
      node.claim(device.id(), alice);
      JsonObject claimed = notice(alices, "drover/device/claimed", device.id());
      assertEquals("api", claimed.getString("coreid"), "the cloud's own event");
      assertEquals(new JsonObject(node.get("/v1/devices/" + device.id(), alice).body()).getString("name"),
          new JsonObject(claimed.getString("data")).getString("name"), "the name the claim gave it");

      assertEquals(200, node.send("PUT", "/v1/devices/" + device.id(), "{\"name\":\"shed-door\"}", alice).statusCode());
      assertEquals("shed-door", new JsonObject(notice(alices, "drover/device/renamed", device.id()).getString("data")).getString("name"));
      assertEquals(200, node.send("DELETE", "/v1/devices/" + device.id(), null, alice).statusCode());
      notice(alices, "drover/device/unclaimed", device.id());

      node.claim(device.id(), bob);
      notice(bobs, "drover/device/claimed", device.id());
      assertEquals(List.of("drover/device/claimed"), bobs.events().stream().map(SseClient.Event::name).toList(),
          "bob hears of his claim only, not of alice's changes before it");
      assertEquals(3, alices.events().size(), "alice hears nothing of bob's claim: " + alices.events());
    }
  }

  private static JsonObject notice(SseClient stream, String name, String deviceId) throws InterruptedException {
    SseClient.Event event = stream.awaitEvent(e -> e.name().equals(name)
        && deviceId.equals(new JsonObject(e.data().getString("data")).getString("device_id")), WAIT);
    return event.data();
  }

  @Test
  void ownershipIsEnforced() throws Exception {
    DeviceIdentity device = node.provisionDevice();
    node.claim(device.id(), alice);

    assertError(node.post("/v1/devices", "{\"id\":\"" + device.id() + "\"}", bob), 403, "forbidden");
    assertError(node.get("/v1/devices/" + device.id(), bob), 404, "not_found");
    assertError(node.send("PUT", "/v1/devices/" + device.id(), "{\"name\":\"mine-now\"}", bob), 404, "not_found");
    assertError(node.send("DELETE", "/v1/devices/" + device.id(), null, bob), 404, "not_found");
    assertError(node.post("/v1/devices", "{\"id\":\"ffffffffffffffffffffffff\"}", bob), 404, "not_found");
    assertError(node.post("/v1/devices", "{\"id\":\"xyz\"}", bob), 400, "invalid_request");
    assertEquals(200, node.get("/v1/devices/" + device.id(), node.adminToken()).statusCode(), "the bootstrap admin sees every device");
  }

  @Test
  void namesFollowTheRuleAndAreUniquePerOwner() throws Exception {
    DeviceIdentity first = claimedBy(alice);
    DeviceIdentity second = claimedBy(alice);
    node.send("PUT", "/v1/devices/" + first.id(), "{\"name\":\"garage\"}", alice);

    assertError(node.send("PUT", "/v1/devices/" + second.id(), "{\"name\":\"GARAGE\"}", alice), 400, "name_taken");
    assertError(node.send("PUT", "/v1/devices/" + second.id(), "{\"name\":\"has space\"}", alice), 400, "invalid_request");
    assertError(node.send("PUT", "/v1/devices/" + second.id(), "{\"signal\":\"maybe\"}", alice), 400, "invalid_request");
    DeviceIdentity bobs = claimedBy(bob);
    assertEquals(200, node.send("PUT", "/v1/devices/" + bobs.id(), "{\"name\":\"garage\"}", bob).statusCode(), "another owner may use it");
  }

  @Test
  void functionCallsAndVariableReadsReachTheDeviceAndComeBack(Vertx vertx) throws Exception {
    DeviceIdentity identity = claimedBy(alice);
    List<String> arguments = new ArrayList<>();
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.behave(
          Map.<String, Function<String, String>>of("led", arg -> {
            arguments.add(arg);
            return "on".equals(arg) ? "1" : "0";
          }),
          Map.<String, Map.Entry<String, Supplier<String>>>of(
              "temperature", Map.entry("double", () -> "21.5"),
              "uptime", Map.entry("int", () -> "3600"),
              "label", Map.entry("string", () -> "kitchen")));
      TestNode.eventually(WAIT, () -> functions(identity).contains("led"), "the description reached the hub");

      JsonObject call = new JsonObject(node.post("/v1/devices/" + identity.id() + "/led", "{\"arg\":\"on\"}", alice).body());
      assertEquals(1, call.getInteger("return_value"));
      assertEquals(true, call.getBoolean("connected"));
      JsonObject apiJsCall = new JsonObject(node.post("/v1/devices/" + identity.id() + "/led", "{\"args\":\"off\"}", alice).body());
      assertEquals(0, apiJsCall.getInteger("return_value"), "particle-api-js sends the argument as args");
      assertEquals(List.of("on", "off"), arguments);

      JsonObject temperature = new JsonObject(node.get("/v1/devices/" + identity.id() + "/temperature", alice).body());
      assertEquals(21.5, temperature.getDouble("result"));
      assertEquals(identity.id(), temperature.getJsonObject("coreInfo").getString("deviceID"));
      assertEquals(3600, new JsonObject(node.get("/v1/devices/" + identity.id() + "/uptime", alice).body()).getInteger("result"));
      assertEquals("kitchen", node.get("/v1/devices/" + identity.id() + "/label?format=raw", alice).body());

      JsonObject described = new JsonObject(node.get("/v1/devices/" + identity.id(), alice).body());
      assertEquals(new JsonArray().add("led"), described.getJsonArray("functions"));
      assertEquals("double", described.getJsonObject("variables").getString("temperature"));

      assertError(node.post("/v1/devices/" + identity.id() + "/nothing", "{}", alice), 404, "not_found");
      assertError(node.get("/v1/devices/" + identity.id() + "/nothing", alice), 404, "not_found");
      assertError(node.post("/v1/devices/" + identity.id() + "/led", "{\"arg\":\"on\"}", bob), 404, "not_found");
    }
    TestNode.eventually(WAIT, () -> !online(identity), "device offline");
    assertError(node.post("/v1/devices/" + identity.id() + "/led", "{\"arg\":\"on\"}", alice), 404, "device_offline");
  }

  @Test
  void anAnswerSentAtQosZeroReachesTheCaller(Vertx vertx) throws Exception {
    // the protocol sets no QoS for r/...; a QoS 0 answer once threw in the gateway and the call timed out
    DeviceIdentity identity = claimedBy(alice);
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.answerAtMostOnce();
      device.behave(Map.<String, Function<String, String>>of("led", arg -> "on".equals(arg) ? "1" : "0"), Map.of());
      TestNode.eventually(WAIT, () -> functions(identity).contains("led"), "the description reached the hub");
      HttpResponse<String> call = node.post("/v1/devices/" + identity.id() + "/led", "{\"arg\":\"on\"}", alice);
      assertEquals(200, call.statusCode(), call.body());
      assertEquals(1, new JsonObject(call.body()).getInteger("return_value"));
      JsonObject second = new JsonObject(node.post("/v1/devices/" + identity.id() + "/led", "{\"arg\":\"off\"}", alice).body());
      assertEquals(0, second.getInteger("return_value"));
    }
  }

  @Test
  void aDeviceThatDoesNotAnswerTimesOutAndInFlightRequestsAreBounded(Vertx vertx) throws Exception {
    DeviceIdentity identity = claimedBy(alice);
    AtomicInteger calls = new AtomicInteger();
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      // the handler returns null: this firmware never answers
      device.behave(Map.<String, Function<String, String>>of("hang", arg -> {
        calls.incrementAndGet();
        return null;
      }), Map.of());
      TestNode.eventually(WAIT, () -> functions(identity).contains("hang"), "the description reached the hub");

      List<CompletableFuture<HttpResponse<String>>> concurrent = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        concurrent.add(CompletableFuture.supplyAsync(() -> call(identity, "hang")));
      }
      List<Integer> statuses = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> response : concurrent) {
        statuses.add(response.get(20, TimeUnit.SECONDS).statusCode());
      }

      assertEquals(4, statuses.stream().filter(status -> status == 408).count(), "four in flight, each timed out: " + statuses);
      assertEquals(2, statuses.stream().filter(status -> status == 429).count(), "the rest refused: " + statuses);
      assertEquals(4, calls.get(), "only the admitted requests reached the device");
    }
  }

  @Test
  void signalIsSentToTheDevice(Vertx vertx) throws Exception {
    DeviceIdentity identity = claimedBy(alice);
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.subscribe("c/#");

      JsonObject answer = new JsonObject(node.send("PUT", "/v1/devices/" + identity.id(), "{\"signal\":\"1\"}", alice).body());

      assertEquals(true, answer.getBoolean("signaling"));
      TestNode.eventually(WAIT, () -> device.received().stream().anyMatch(m -> m.topicName().equals("c/s") && m.payload().toString().equals("1")),
          "c/s 1 at the device");
    }
  }

  @Test
  void eachAccountsStreamCarriesOnlyItsOwnEvents(Vertx vertx) throws Exception {
    DeviceIdentity alices = claimedBy(alice);
    DeviceIdentity bobs = claimedBy(bob);
    try (SseClient aliceStream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", alice);
         SseClient bobStream = SseClient.open(vertx, node.httpPort(), "/v1/events", bob);
         SseClient adminStream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/secret", node.adminToken());
         SseClient aliceDeviceStream = SseClient.open(vertx, node.httpPort(), "/v1/devices/" + alices.id() + "/events", alice);
         TestDevice aliceDevice = TestDevice.connect(vertx, node.mqttPort(), alices.id(), alices.secret()).await(10, TimeUnit.SECONDS);
         TestDevice bobDevice = TestDevice.connect(vertx, node.mqttPort(), bobs.id(), bobs.secret()).await(10, TimeUnit.SECONDS)) {
      aliceDevice.publishAcknowledged("e/secret-a", Buffer.buffer("a"));
      bobDevice.publishAcknowledged("e/secret-b", Buffer.buffer("b"));
      assertEquals(200, node.post("/v1/devices/events", "{\"name\":\"from-api\",\"data\":\"hello\"}", alice).statusCode());

      aliceStream.awaitEvent(e -> e.name().equals("from-api") && "api".equals(e.data().getString("coreid")), WAIT);
      aliceStream.awaitEvent(e -> e.name().equals("secret-a"), WAIT);
      bobStream.awaitEvent(e -> e.name().equals("secret-b"), WAIT);
      adminStream.awaitEvent(e -> e.name().equals("secret-a"), WAIT);
      adminStream.awaitEvent(e -> e.name().equals("secret-b"), WAIT);
      aliceDeviceStream.awaitEvent(e -> e.name().equals("secret-a"), WAIT);

      assertEquals(200, node.post("/v1/devices/events", "{\"name\":\"public-news\",\"data\":\"hi\",\"private\":false}", alice).statusCode());
      bobStream.awaitEvent(e -> e.name().equals("public-news"), WAIT);
      aliceStream.awaitEvent(e -> e.name().equals("public-news"), WAIT);

      assertFalse(aliceStream.events().stream().anyMatch(e -> e.name().equals("secret-b")), "alice never sees bob's events");
      assertFalse(bobStream.events().stream().anyMatch(e -> e.name().equals("secret-a") || e.name().equals("from-api")),
          "bob's /v1/events has alice's public events only");
      assertFalse(aliceDeviceStream.events().stream().anyMatch(e -> e.name().equals("from-api")), "a device stream has that device only");
    }
    assertEquals(404, node.get("/v1/devices/" + alices.id() + "/events", bob).statusCode(), "bob cannot open alice's device stream");
    node.send("PUT", "/v1/devices/" + alices.id(), "{\"name\":\"kitchen-sensor\"}", alice);
    try (SseClient byName = SseClient.open(vertx, node.httpPort(), "/v1/devices/Kitchen-Sensor/events", alice);
         TestDevice again = TestDevice.connect(vertx, node.mqttPort(), alices.id(), alices.secret()).await(10, TimeUnit.SECONDS)) {
      again.publishAcknowledged("e/by-name", Buffer.buffer("1"));
      byName.awaitEvent(e -> e.name().equals("by-name"), WAIT);
    }
    assertEquals(404, node.get("/v1/devices/kitchen-sensor/events", bob).statusCode(), "names are looked up among the caller's devices");
  }

  private static DeviceIdentity claimedBy(String token) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    node.claim(device.id(), token);
    return device;
  }

  private static HttpResponse<String> call(DeviceIdentity identity, String function) {
    try {
      return node.post("/v1/devices/" + identity.id() + "/" + function, "{\"arg\":\"x\"}", alice);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonArray functions(DeviceIdentity identity) {
    try {
      return new JsonObject(node.get("/v1/devices/" + identity.id(), node.adminToken()).body()).getJsonArray("functions");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean online(DeviceIdentity identity) {
    try {
      return new JsonObject(node.get("/v1/devices/" + identity.id(), node.adminToken()).body()).getBoolean("online");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject find(JsonArray devices, String id) {
    for (int i = 0; i < devices.size(); i++) {
      if (devices.getJsonObject(i).getString("id").equals(id)) {
        return devices.getJsonObject(i);
      }
    }
    throw new AssertionError("device " + id + " not in " + devices);
  }

  private static void assertError(HttpResponse<String> response, int status, String error) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(error, new JsonObject(response.body()).getString("error"), response.body());
  }
}
