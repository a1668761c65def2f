package io.drover.hub.particle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.coap.VirtualParticleDevice;
import io.drover.hub.compat.ParticleTools;
import io.drover.hub.devices.DtlsServerKey;
import io.drover.hub.firmware.FirmwareFleet;
import io.drover.hub.firmware.ParticleModules;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Particle's virtual Device OS 6.2.0 device, unmodified, against a real node with a Particle listener
 * ({@code particle.host}): it shakes hands, is online and publishes to its owner's stream like any device.
 */
@ExtendWith(VertxExtension.class)
class ParticleDevicesTest {

  private static TestNode node;
  private static String host;
  private static KeyPair serverKey;

  /** Device OS connects to port 5684 only: the node's Particle listener gets a loopback address of its own. */
  @BeforeAll
  static void startNode() throws Exception {
    for (int attempt = 0; node == null; attempt++) {
      host = VirtualParticleDevice.freeLoopbackHost();
      try {
        node = TestNode.start("--particle.host=" + host);
      } catch (RuntimeException bindFailed) {
        if (attempt >= 3) {
          throw bindFailed;
        }
      }
    }
    serverKey = DtlsServerKey.loadAtStart(node.dataDir().resolve(DtlsServerKey.FILE_NAME));
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void virtualDeviceIsOnlineWithin10SecondsAndItsTicksReachTheOwnersStream(Vertx vertx) throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    register(deviceId, deviceKey);
    String owner = node.signUpAndLogIn("particle-" + UUID.randomUUID() + "@example.com", "a long enough password 1");
    node.claim(deviceId, owner);

    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", owner)) {
      try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
        try {
          SseClient.Event online = stream.awaitEvent(e -> e.name().equals("spark/status") && deviceId.equals(e.data().getString("coreid")),
              Duration.ofSeconds(10));
          assertEquals("online", online.data().getString("data"));
          SseClient.Event tick = stream.awaitEvent(e -> e.name().equals("vdev/tick") && deviceId.equals(e.data().getString("coreid")),
              Duration.ofSeconds(25));
          assertEquals("1", tick.data().getString("data"), "the application's counter, from 1");
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "\nthe device said:\n" + device.log(), e);
        }
        HttpResponse<String> shown = node.get("/v1/devices/" + deviceId, owner);
        assertEquals(200, shown.statusCode());
        assertTrue(new JsonObject(shown.body()).getBoolean("online"), shown.body());
      }

      // a new process: a full handshake, and the device goes on (its counter starts again)
      try (VirtualParticleDevice restarted = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
        boolean ticksAgain = VirtualParticleDevice.await(Duration.ofSeconds(25), () -> stream.events().stream()
            .filter(e -> e.name().equals("vdev/tick") && deviceId.equals(e.data().getString("coreid")) && "1".equals(e.data().getString("data")))
            .count() >= 2);
        assertTrue(ticksAgain, "no tick after the restart within 25 s; the device said:\n" + restarted.log());
      }
    }
  }

  /**
   * particle-api-js 12, unchanged, calls the virtual device's function, reads its variables and signals
   * it through the one command dispatch; the node reads the device's describe for what it offers.
   */
  @Test
  void apiJsCallsReadsAndSignalsTheVirtualDeviceAsItsDescribeSays() throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    register(deviceId, deviceKey);
    String owner = node.signUpAndLogIn("particle-" + UUID.randomUUID() + "@example.com", "a long enough password 1");
    node.claim(deviceId, owner);

    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
      boolean described = VirtualParticleDevice.await(Duration.ofSeconds(15), () -> {
        try {
          JsonObject shown = new JsonObject(node.get("/v1/devices/" + deviceId, owner).body());
          return shown.getJsonArray("functions", new JsonArray()).size() == 1 && shown.getString("system_firmware_version") != null;
        } catch (Exception e) {
          return false;
        }
      });
      assertTrue(described, "no describe within 15 s: " + node.get("/v1/devices/" + deviceId, owner).body() + "\nthe device said:\n" + device.log());

      ParticleTools.Result run = ParticleTools.run(List.of("node", ParticleTools.requireInstalled("api-js-particle-device.mjs").toString(),
          "http://127.0.0.1:" + node.httpPort(), deviceId), Map.of("DROVER_TOKEN", owner), 90);
      Map<String, JsonObject> steps = new HashMap<>();
      for (String line : run.lines()) {
        JsonObject step = new JsonObject(line);
        steps.put(step.getString("step"), step);
      }
      String transcript = run.describe() + "\nthe device said:\n" + device.log();
      assertEquals(0, run.exitCode(), transcript);
      assertTrue(steps.containsKey("done"), transcript);

      JsonObject shown = steps.get("getDevice");
      assertEquals(new JsonArray().add("setName"), shown.getJsonArray("functions"));
      assertEquals(new JsonObject().put("counter", "int").put("name", "string").put("temp", "double"), shown.getJsonObject("variables"));
      assertEquals("6200", shown.getString("system_firmware_version"), "Device OS 6.2.0's module version, from the system describe");
      assertEquals(10, steps.get("callFunction").getInteger("return_value"), "setName returns the length of \"bench lamp\"");
      assertEquals(21.5, steps.get("getVariableTemp").getDouble("result"));
      assertEquals("bench lamp", steps.get("getVariableName").getString("result"), "the function's argument, as the application kept it");
      JsonObject counter = steps.get("getVariableCounter");
      assertTrue(counter.getInteger("second") > counter.getInteger("first"), "the counter counts up: " + counter);
      assertEquals(new JsonObject().put("step", "signalDevice").put("on", true).put("off", false), steps.get("signalDevice"));
      JsonObject missing = steps.get("callMissingFunction");
      assertEquals(404, missing.getInteger("statusCode"), transcript);
      assertEquals("not_found", missing.getJsonObject("body").getString("error"), "the answer for any device's missing function: " + missing);
      JsonObject tooLong = steps.get("callLongArgument");
      assertEquals(400, tooLong.getInteger("statusCode"), "256 bytes: more than one Uri-Query option holds: " + tooLong);
      assertEquals("invalid_request", tooLong.getJsonObject("body").getString("error"));
      assertEquals("the argument is 256 bytes; a Particle device takes 255 here", tooLong.getJsonObject("body").getString("error_description"));
    }
  }

  /**
   * The application subscribes to {@code vdev/ping} and answers each with {@code vdev/pong}, same data:
   * the owner's event published through particle-api-js reaches it; another account's never does.
   */
  @Test
  void ownersPingPublishedThroughTheApiReachesTheDeviceAndAnotherAccountsDoesNot(Vertx vertx) throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    register(deviceId, deviceKey);
    String owner = node.signUpAndLogIn("particle-sub-" + UUID.randomUUID() + "@example.com", "a long enough password 1");
    String stranger = node.signUpAndLogIn("particle-stranger-" + UUID.randomUUID() + "@example.com", "a long enough password 1");
    node.claim(deviceId, owner);
    double sent = node.metric("drover_gateway_subscribed_events_sent_total{protocol=\"coap\"}");

    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", owner);
        VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
      try {
        stream.awaitEvent(e -> e.name().equals("spark/status") && deviceId.equals(e.data().getString("coreid")), Duration.ofSeconds(10));
        // the device subscribes right after its Hello; the first ping may come before: ping until a pong
        boolean answered = false;
        for (int attempt = 0; attempt < 10 && !answered; attempt++) {
          publish(owner, "vdev/ping", "hello-" + attempt);
          answered = VirtualParticleDevice.await(Duration.ofSeconds(2), () -> pongs(stream, deviceId).anyMatch(data -> data.startsWith("hello-")));
        }
        assertTrue(answered, "no vdev/pong within 20 s of pings");

        publish(stranger, "vdev/ping", "intruder");
        publish(owner, "vdev/ping", "after");
        stream.awaitEvent(e -> e.name().equals("vdev/pong") && "after".equals(e.data().getString("data")), Duration.ofSeconds(10));
        Thread.sleep(2000); // an absence: give a wrongly delivered ping as long again as the right one took
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\nthe device said:\n" + device.log(), e);
      }
      assertTrue(pongs(stream, deviceId).noneMatch("intruder"::equals), "another account's ping reached the device");
      assertTrue(node.metric("drover_gateway_subscribed_events_sent_total{protocol=\"coap\"}") >= sent + 2, "the pings sent are counted");
    }
  }

  /** The gcc platform's Hello carries its platform ID as product ID: the product is the one the cloud has the device in. */
  @Test
  void helloReportsTheProductFirmwareVersionOfADeviceInAProduct() throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    register(deviceId, deviceKey);
    String owner = node.signUpAndLogIn("particle-product-" + UUID.randomUUID() + "@example.com", "a long enough password 1");
    int productId = gccProduct(owner, deviceId);

    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host, List.of("--product_version=5"))) {
      boolean reported = VirtualParticleDevice.await(Duration.ofSeconds(15), () -> Integer.valueOf(5).equals(productDevice(productId, deviceId, owner).getValue("firmware_version")));

      assertTrue(reported, "firmware_version 5 not reported within 15 s: " + productDevice(productId, deviceId, owner) + "\nthe device said:\n"
          + device.log());
    }
  }

  /**
   * Product firmware for Device OS is a Particle module: the upload checks it whole and against the
   * product and the form, each failure with its own answer.
   */
  @Test
  void moduleUploadIsCheckedAgainstTheProductAndTheForm() throws Exception {
    String owner = node.signUpAndLogIn("particle-modules-" + UUID.randomUUID() + "@example.com", "a long enough password 1");
    String deviceId = VirtualParticleDevice.newDeviceId();
    register(deviceId, VirtualParticleDevice.newKey());
    int productId = gccProduct(owner, deviceId);
    FirmwareFleet fleet = new FirmwareFleet(node);
    Map<String, String> form = Map.of("version", "2", "title", "two");
    byte[] image = new byte[700];

    assertError(fleet.upload(productId, form, ParticleModules.userPart(12, 2, image), owner), 400, "platform_mismatch",
        "the module is for platform 12 but product " + productId + " is platform 3");
    assertError(fleet.upload(productId, Map.of("version", "3", "title", "two"), ParticleModules.userPart(3, 2, image), owner), 400,
        "version_mismatch", "the module's product firmware version is 2");
    assertError(fleet.upload(productId, form, ParticleModules.module(3, 4, 2, image), owner), 400, "invalid_binary",
        "function is 4 (system part)");
    byte[] badCrc = ParticleModules.userPart(3, 2, image);
    badCrc[100] ^= 1;
    assertError(fleet.upload(productId, form, badCrc, owner), 400, "invalid_binary", "CRC-32");
    byte[] badSha = ParticleModules.userPart(3, 2, image);
    badSha[100] ^= 1;
    assertError(fleet.upload(productId, form, ParticleModules.withCrc(badSha), owner), 400, "invalid_binary", "SHA-256 does not match");
    byte[] cut = java.util.Arrays.copyOf(ParticleModules.userPart(3, 2, image), 500);
    assertError(fleet.upload(productId, form, cut, owner), 400, "invalid_binary", "do not span this 500-byte file");

    HttpResponse<String> created = fleet.upload(productId, form, ParticleModules.userPart(3, 2, image), owner);
    assertEquals(201, created.statusCode(), created.body());
    assertEquals(2, new JsonObject(created.body()).getInteger("version"));
  }

  /**
   * Legacy OTA: locking the device to a release with "flash now" sends the module over its session
   * ({@code /u}, {@code /c}, {@code PUT /u}); the virtual device checks the header, re-executes itself
   * with the new product version, and its next Hello reports it.
   */
  @Test
  void flashNowOfAModuleRestartsTheDeviceOnTheNewVersion() throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    register(deviceId, deviceKey);
    String owner = node.signUpAndLogIn("particle-ota-" + UUID.randomUUID() + "@example.com", "a long enough password 1");
    node.claim(deviceId, owner);
    int productId = gccProduct(owner, deviceId);
    byte[] image = new byte[3000];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) (i * 7 + 3);
    }
    HttpResponse<String> uploaded = new FirmwareFleet(node).upload(productId, Map.of("version", "7", "title", "seven"),
        ParticleModules.userPart(VirtualParticleDevice.PLATFORM_ID, 7, image), owner);
    assertEquals(201, uploaded.statusCode(), uploaded.body());

    // the virtual device's own description lists a bootloader and a monolithic system only: give it a user part to update
    java.nio.file.Path describe = java.nio.file.Files.createTempFile("vdev-describe", ".json");
    java.nio.file.Files.writeString(describe, "{\"p\":3,\"m\":[{\"f\":\"b\",\"n\":\"0\",\"v\":1000,\"d\":[]},"
        + "{\"f\":\"m\",\"n\":\"0\",\"v\":6200,\"d\":[]},{\"f\":\"u\",\"n\":\"1\",\"v\":6,\"d\":[]}]}");
    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host,
        List.of("--product_version=1", "--describe=" + describe))) {
      try {
        assertTrue(VirtualParticleDevice.await(Duration.ofSeconds(15), () -> Integer.valueOf(1).equals(productDevice(productId, deviceId, owner)
            .getValue("firmware_version"))), "version 1 reported: " + productDevice(productId, deviceId, owner));

        HttpResponse<String> locked = node.send("PUT", "/v1/products/" + productId + "/devices/" + deviceId,
            new JsonObject().put("desired_firmware_version", 7).put("flash", true).encode(), owner);
        assertEquals(200, locked.statusCode(), locked.body());

        assertTrue(VirtualParticleDevice.await(Duration.ofSeconds(60), () -> Integer.valueOf(7).equals(productDevice(productId, deviceId, owner)
            .getValue("firmware_version"))), "version 7 reported after the update: " + productDevice(productId, deviceId, owner));
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\nthe device said:\n" + device.log(), e);
      }
      JsonObject shown = new JsonObject(node.get("/v1/devices/" + deviceId, owner).body());
      assertEquals(7, shown.getInteger("firmware_version"), shown.encode());
      assertTrue(device.log().contains("Applying module update"), "the device applied the module itself");
    } finally {
      java.nio.file.Files.deleteIfExists(describe);
    }
  }

  private static void assertError(HttpResponse<String> response, int status, String error, String detail) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    assertEquals(error, body.getString("error"), response.body());
    assertTrue(body.getString("error_description", "").contains(detail), response.body());
  }

  /** A product of the gcc platform (ID 3) made by {@code owner}, with the device in it. */
  private static int gccProduct(String owner, String deviceId) throws Exception {
    HttpResponse<String> made = node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Virtual " + UUID.randomUUID())
        .put("platform_id", VirtualParticleDevice.PLATFORM_ID)).encode(), owner);
    assertEquals(201, made.statusCode(), made.body());
    int productId = new JsonObject(made.body()).getJsonObject("product").getInteger("id");
    // an administrator adds devices that are in no product yet (a device is "nonmember" to a product team otherwise)
    HttpResponse<String> added = node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", deviceId).encode(), node.adminToken());
    assertEquals(200, added.statusCode(), added.body());
    assertTrue(new JsonObject(added.body()).toString().contains(deviceId), added.body());
    return productId;
  }

  private static JsonObject productDevice(int productId, String deviceId, String token) {
    try {
      return new JsonObject(node.get("/v1/products/" + productId + "/devices/" + deviceId, token).body());
    } catch (Exception e) {
      return new JsonObject().put("error", e.toString());
    }
  }

  private static java.util.stream.Stream<String> pongs(SseClient stream, String deviceId) {
    return stream.events().stream().filter(e -> e.name().equals("vdev/pong") && deviceId.equals(e.data().getString("coreid")))
        .map(e -> e.data().getString("data"));
  }

  /** particle-api-js's {@code publishEvent}, as an application of the account calls it. */
  private static void publish(String token, String name, String data) throws Exception {
    ParticleTools.Result published = ParticleTools.run(List.of("node", ParticleTools.requireInstalled("api-js-particle-ping.mjs").toString(),
        "http://127.0.0.1:" + node.httpPort(), name, data), Map.of("DROVER_TOKEN", token), 30);
    assertEquals(0, published.exitCode(), published.stdout() + published.stderr());
  }

  @Test
  void unregisteredKeyIsRefusedAtTheHandshakeAndCounted() throws Exception {
    String series = "drover_connects_rejected_total{protocol=\"coap\",reason=\"unknown_device\"}";
    double before = node.metric(series);

    try (VirtualParticleDevice device = VirtualParticleDevice.start(VirtualParticleDevice.newDeviceId(), VirtualParticleDevice.newKey(),
        serverKey.getPublic(), host)) {
      boolean counted = VirtualParticleDevice.await(Duration.ofSeconds(10), () -> {
        try {
          return node.metric(series) > before;
        } catch (Exception e) {
          return false;
        }
      });

      assertTrue(counted, "no refusal counted within 10 s; the device said:\n" + device.log());
      assertEquals(before + 1, node.metric(series), "one handshake, one refusal");
    }
  }

  @Test
  void helloNamingAnotherDeviceThanTheKeysOpensNoSession() throws Exception {
    String registered = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    register(registered, deviceKey);
    String series = "drover_events_rejected_total{protocol=\"coap\",reason=\"malformed_identity\"}";
    double before = node.metric(series);

    try (VirtualParticleDevice device = VirtualParticleDevice.start(VirtualParticleDevice.newDeviceId(), deviceKey, serverKey.getPublic(), host)) {
      boolean refused = VirtualParticleDevice.await(Duration.ofSeconds(10), () -> {
        try {
          return node.metric(series) > before;
        } catch (Exception e) {
          return false;
        }
      });

      assertTrue(refused, "no refused Hello within 10 s; the device said:\n" + device.log());
      assertTrue(!Boolean.TRUE.equals(node.deviceRow(registered).get("online")), "the key's device is not online");
    }
  }

  private static void register(String deviceId, KeyPair key) throws Exception {
    HttpResponse<String> registered = node.post("/v1/admin/devices", new JsonObject().put("id", deviceId)
        .put("public_key", Base64.getEncoder().encodeToString(key.getPublic().getEncoded())).encode(), node.adminToken());
    assertEquals(201, registered.statusCode(), registered.body());
  }
}
