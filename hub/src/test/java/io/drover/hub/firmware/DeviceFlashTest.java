package io.drover.hub.firmware;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A developer's cloud flash ({@code PUT /v1/devices/:id} multipart) beyond what particle-api-js shows
 * (ParticleApiJsFirmwareTest): whose devices may be flashed, what a file must be, the product route for
 * a development device, and that the same path still edits a device with JSON.
 */
@ExtendWith(VertxExtension.class)
class DeviceFlashTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static TestNode node;
  private static FirmwareFleet fleet;
  private static String alice;
  private static String mallory;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    alice = node.signUpAndLogIn("alice@flash.example", "alice's password");
    mallory = node.signUpAndLogIn("mallory@flash.example", "mallory's password");
    fleet = new FirmwareFleet(node);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void anotherAccountsDeviceIsNotFlashedNorToldApart(Vertx vertx) throws Exception {
    DeviceIdentity device = ownDevice(alice, FirmwareFleet.PLATFORM);
    FirmwareTestDevice.Flash flash = new FirmwareTestDevice.Flash();
    try (FirmwareTestDevice online = FirmwareTestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret(), flash)) {
      TestNode.eventually(WAIT, () -> online(device), "online");
      assertError(flash("/v1/devices/" + device.id(), Map.of("file", new byte[100]), mallory), 404, "not_found", "No such device of yours");
      assertError(flash("/v1/devices/" + node.provisionDevice().id(), Map.of("file", new byte[100]), mallory), 404, "not_found",
          "No such device of yours");
      assertError(flash("/v1/devices/" + device.id(), Map.of("file", new byte[100]), null), 401, null, null);
      Thread.sleep(500); // what a wrongly sent offer would need to arrive
      assertTrue(online.offers.isEmpty() && online.handshakeAnswers.isEmpty(), "mallory's flash reached the device: " + online.offers);
    }
  }

  @Test
  void theFileMustBeOneBinaryForTheDevicesPlatform(Vertx vertx) throws Exception {
    DeviceIdentity device = ownDevice(alice, FirmwareFleet.PLATFORM);
    DeviceIdentity noPlatform = ownDevice(alice, 0);
    String path = "/v1/devices/" + device.id();
    byte[] corrupt = FirmwareBinary.wrap(0, 3, FirmwareFleet.PLATFORM, new byte[500]);
    corrupt[corrupt.length - 1] ^= 1;
    assertError(flash(path, Map.of("file", corrupt), alice), 400, "invalid_binary", "SHA-256");
    assertError(flash(path, Map.of("file", FirmwareBinary.wrap(0, 3, 6, new byte[500])), alice), 400, "platform_mismatch", "platform 6");
    Map<String, byte[]> two = new LinkedHashMap<>();
    two.put("file", new byte[10]);
    two.put("file2", new byte[10]);
    assertError(flash(path, two, alice), 400, "invalid_request", "2 file parts");
    assertError(flash(path, Map.of(), alice), 400, "invalid_request", "file part");
    assertError(flash(path, Map.of("file", new byte[0]), alice), 400, "invalid_binary", "empty");
    assertError(flash("/v1/devices/" + noPlatform.id(), Map.of("file", new byte[10]), alice), 400, "platform_unknown", "DRFW");

    // the same path with JSON is still the device edit
    HttpResponse<String> renamed = node.send("PUT", path, new JsonObject().put("name", "flash_bench").encode(), alice);
    assertEquals(200, renamed.statusCode(), renamed.body());
    assertEquals("flash_bench", new JsonObject(renamed.body()).getString("name"));
    // and a name names the device for a flash too; offline, it is refused
    assertError(flash("/v1/devices/flash_bench", Map.of("file", new byte[10]), alice), 404, "device_offline", "online");
  }

  @Test
  void aDevelopmentDeviceOfAProductIsFlashedByItsTeamThroughTheProductRoute(Vertx vertx) throws Exception {
    int product = fleet.product("flash-dev", "alice@flash.example");
    DeviceIdentity development = fleet.device(product, 3, true);
    DeviceIdentity production = fleet.device(product, 3, false);
    fleet.announce(product);
    byte[] payload = new byte[2500];
    new Random(5).nextBytes(payload);
    byte[] binary = FirmwareBinary.wrap(product, 4, FirmwareFleet.PLATFORM, payload);
    FirmwareTestDevice.Flash flash = new FirmwareTestDevice.Flash();
    FirmwareTestDevice.Flash untouched = new FirmwareTestDevice.Flash();
    try (FirmwareTestDevice online = FirmwareTestDevice.connect(vertx, node.mqttPort(), development.id(), development.secret(), flash);
        FirmwareTestDevice other = FirmwareTestDevice.connect(vertx, node.mqttPort(), production.id(), production.secret(), untouched)) {
      online.handshake(product, 3);
      TestNode.eventually(WAIT, () -> !online.handshakeAnswers.isEmpty(), "the handshake is answered");
      assertEquals("development", online.handshakeAnswers.get(0).getString("rule"));
      TestNode.eventually(WAIT, () -> online(production), "online");

      String base = "/v1/products/" + product + "/devices/";
      assertError(flash(base + production.id(), Map.of("file", binary), alice), 403, "not_development_device", "development device");
      assertError(flash(base + development.id(), Map.of("file", binary), mallory), 404, null, null);
      HttpResponse<String> started = flash(base + development.id(), Map.of("binary", binary), alice);
      assertEquals(200, started.statusCode(), started.body());
      assertEquals(new JsonObject().put("ok", true).put("id", development.id()).put("status", "Update started"), new JsonObject(started.body()));
      assertArrayEquals(binary, flash.verified.future().await(20, TimeUnit.SECONDS), "the DRFW binary as sent");
      JsonObject answer = online.handshakeAnswers.get(online.handshakeAnswers.size() - 1);
      assertEquals("flash", answer.getString("rule"), answer.encode());
      assertEquals(4, answer.getInteger("target_version"));
      assertTrue(untouched.results.isEmpty() && other.offers.isEmpty(), "the production device was offered nothing");
    }
  }

  private static DeviceIdentity ownDevice(String token, int platform) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    node.execute("UPDATE devices SET platform_id = " + (platform == 0 ? "NULL" : Integer.toString(platform)) + " WHERE id = '" + device.id() + "'");
    node.claim(device.id(), token);
    return device;
  }

  private static boolean online(DeviceIdentity device) {
    try {
      return Boolean.TRUE.equals(node.deviceRow(device.id()).get("online"));
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A multipart PUT as particle-api-js sends it: {@code latest=true}, then the file parts. */
  private static HttpResponse<String> flash(String path, Map<String, byte[]> files, String token) throws Exception {
    String boundary = "----drover" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"latest\"\r\n\r\ntrue\r\n").getBytes(StandardCharsets.UTF_8));
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + file.getKey() + "\"; filename=\"app.bin\"\r\n"
          + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      body.writeBytes(file.getValue());
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertError(HttpResponse<String> response, int status, String error, String descriptionPart) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    if (error != null) {
      assertEquals(error, body.getString("error"), response.body());
    }
    if (descriptionPart != null) {
      assertTrue(body.getString("error_description").contains(descriptionPart), response.body());
    }
  }
}
