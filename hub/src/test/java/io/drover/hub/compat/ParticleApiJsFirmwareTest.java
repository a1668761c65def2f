package io.drover.hub.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.firmware.CoapFirmwareDevice;
import io.drover.hub.firmware.FirmwareBinary;
import io.drover.hub.firmware.FirmwareFleet;
import io.drover.hub.firmware.FirmwareTestDevice;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * particle-api-js 12.0.3, unchanged, on firmware and claim codes (product firmware upload, cloud flash, the
 * device object's firmware fields, claim codes): the
 * script (hub/src/test/js/api-js-firmware.mjs) uploads product firmware with api-js's own multipart,
 * reads the device object's firmware fields after a release and a lock, flashes the account's devices
 * over MQTT and CoAP with {@code flashDevice} while this test's devices take the binary, and claims
 * with {@code getClaimCode}; this test checks what it printed against what the devices received.
 */
@ExtendWith(VertxExtension.class)
class ParticleApiJsFirmwareTest {

  private static final long SCRIPT_TIMEOUT_SECONDS = 120;
  private static final String OWNER = "firmware-compat@example.com";
  private static TestNode node;
  private static FirmwareFleet fleet;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    fleet = new FirmwareFleet(node);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void apiJsUploadsFirmwareSeesTargetsFlashesDevicesAndClaimsWithACode(Vertx vertx, @TempDir Path files) throws Exception {
    String token = node.signUpAndLogIn(OWNER, "firmware compat password");
    int product = fleet.product("api-js-firmware", OWNER);
    byte[] v1 = FirmwareBinary.wrap(product, 1, FirmwareFleet.PLATFORM, payload(1, 3000));
    byte[] v2 = FirmwareBinary.wrap(product, 2, FirmwareFleet.PLATFORM, payload(2, 3000));
    byte[] bare = payload(3, 5000);
    byte[] drfw = FirmwareBinary.wrap(0, 7, FirmwareFleet.PLATFORM, payload(4, 1500));

    DeviceIdentity mqtt = developerDevice(token);
    DeviceIdentity coap = developerDevice(token);
    DeviceIdentity offline = developerDevice(token);
    DeviceIdentity productDevice = fleet.device(product, 0, false);
    node.claim(productDevice.id(), token);
    // a version is released once it runs on a device of the product: these two report 1 and 2
    DeviceIdentity targeted = fleet.device(product, 1, false, "beta");
    node.claim(targeted.id(), token);
    DeviceIdentity locked = fleet.device(product, 2, false, "beta");
    node.claim(locked.id(), token);
    fleet.announce(product);
    DeviceIdentity claimA = node.provisionDevice();
    DeviceIdentity claimB = node.provisionDevice();
    DeviceIdentity claimC = node.provisionDevice();

    Map<String, String> env = new HashMap<>();
    env.put("DROVER_TOKEN", token);
    env.put("DROVER_PRODUCT", Integer.toString(product));
    env.put("DROVER_FIRMWARE_V1", write(files, "v1.bin", v1));
    env.put("DROVER_FIRMWARE_V2", write(files, "v2.bin", v2));
    env.put("DROVER_BARE_IMAGE", write(files, "app.bin", bare));
    env.put("DROVER_DRFW_IMAGE", write(files, "app-v7.bin", drfw));
    env.put("DROVER_MQTT_DEVICE", mqtt.id());
    env.put("DROVER_COAP_DEVICE", coap.id());
    env.put("DROVER_OFFLINE_DEVICE", offline.id());
    env.put("DROVER_PRODUCT_DEVICE", productDevice.id());
    env.put("DROVER_TARGETED_DEVICE", targeted.id());
    env.put("DROVER_LOCKED_DEVICE", locked.id());
    env.put("DROVER_CLAIM_A", claimA.id());
    env.put("DROVER_CLAIM_B", claimB.id());
    env.put("DROVER_CLAIM_C", claimC.id());

    FirmwareTestDevice.Flash mqttFlash = new FirmwareTestDevice.Flash();
    FirmwareTestDevice.Flash productFlash = new FirmwareTestDevice.Flash();
    CompletableFuture<byte[]> coapDownload = new CompletableFuture<>();
    try (FirmwareTestDevice mqttDevice = FirmwareTestDevice.connect(vertx, node.mqttPort(), mqtt.id(), mqtt.secret(), mqttFlash);
        FirmwareTestDevice productOnline = FirmwareTestDevice.connect(vertx, node.mqttPort(), productDevice.id(), productDevice.secret(), productFlash);
        CoapFirmwareDevice coapDevice = new CoapFirmwareDevice(node.coapPort(), coap.id(), coap.secret());
        TestDevice a = TestDevice.connect(vertx, node.mqttPort(), claimA.id(), claimA.secret()).await(10, TimeUnit.SECONDS);
        TestDevice b = TestDevice.connect(vertx, node.mqttPort(), claimB.id(), claimB.secret()).await(10, TimeUnit.SECONDS);
        TestDevice c = TestDevice.connect(vertx, node.mqttPort(), claimC.id(), claimC.secret()).await(10, TimeUnit.SECONDS)) {
      // the CoAP device's session opens with its first request; it has made no handshake, nor has the MQTT one
      assertEquals(ResponseCode.CHANGED, coapDevice.post("/e/booted", "1").getCode());
      for (DeviceIdentity device : List.of(mqtt, coap, productDevice, claimA, claimB, claimC)) {
        TestNode.eventually(Duration.ofSeconds(10), () -> online(device), device.id() + " online");
      }

      Map<String, JsonObject> steps = runScenario(env, (step, go) -> {
        switch (step.getString("step")) {
          case "flashCoap" -> CompletableFuture.runAsync(() -> coapDownload.complete(download(coapDevice)))
              .exceptionally(failure -> {
                coapDownload.completeExceptionally(failure);
                return null;
              });
          case "getClaimCode" -> {
            a.publishAcknowledged("e/spark/device/claim/code", Buffer.buffer(step.getString("claim_code")));
            go.run();
          }
          case "codeReused" -> {
            b.publishAcknowledged("e/spark/device/claim/code", Buffer.buffer(step.getString("claim_code")));
            go.run();
          }
          case "codeToExpire" -> {
            node.execute("UPDATE claim_codes SET expires_at = now() - interval '1 second' WHERE device_id IS NULL");
            c.publishAcknowledged("e/spark/device/claim/code", Buffer.buffer(step.getString("claim_code")));
            go.run();
          }
          default -> {
          }
        }
      });

      // product firmware upload: api-js's own multipart (its file part is named "file")
      for (int version : new int[] {1, 2}) {
        JsonObject uploaded = steps.get("uploadProductFirmware" + version);
        assertEquals(201, uploaded.getInteger("statusCode"), uploaded.encode());
        assertEquals(version, uploaded.getInteger("version"));
        assertEquals(version == 1 ? v1.length : v2.length, uploaded.getInteger("size"));
        assertEquals(product, uploaded.getInteger("product_id"));
      }
      assertEquals("1", node.query("SELECT count(*) FROM product_firmware WHERE product_id = " + product + " AND version = 2"
          + " AND content = decode('" + java.util.HexFormat.of().formatHex(v2) + "', 'hex')"), "the bytes api-js sent are stored");

      // firmware fields: from the targeting index, in the product's view, the owner's view and the owner's list
      JsonObject groupTarget = new JsonObject().put("desired_firmware_version", null).put("targeted_firmware_release_version", 2);
      JsonObject lockTarget = new JsonObject().put("desired_firmware_version", 1).put("targeted_firmware_release_version", 1);
      JsonObject lockAnswer = steps.get("lockDeviceProductFirmware");
      assertEquals(1, lockAnswer.getInteger("desired_firmware_version"), lockAnswer.encode());
      assertEquals(1, lockAnswer.getInteger("targeted_firmware_release_version"), lockAnswer.encode());
      assertEquals(groupTarget, steps.get("getDeviceTargeted").getJsonObject("product"), "released to its group beta");
      assertEquals(groupTarget, steps.get("getDeviceTargeted").getJsonObject("own"));
      assertEquals(lockTarget, steps.get("getDeviceLocked").getJsonObject("product"), "the lock wins over the group's release");
      assertEquals(lockTarget, steps.get("getDeviceLocked").getJsonObject("listed"));

      // cloud flash, MQTT: a bare image, wrapped for the device's platform, pushed in chunks
      JsonObject flashed = steps.get("flashMqtt");
      assertEquals(new JsonObject().put("step", "flashMqtt").put("statusCode", 200).put("ok", true).put("id", mqtt.id())
          .put("status", "Update started"), flashed);
      assertEquals(new JsonObject().put("step", "flashMqttEvents").put("started", "started").put("success", "success").put("coreid", mqtt.id()),
          steps.get("flashMqttEvents"));
      byte[] received = mqttFlash.verified.future().await(5, TimeUnit.SECONDS);
      assertArrayEquals(FirmwareBinary.wrap(0, 1, FirmwareFleet.PLATFORM, bare), received, "the image, wrapped as version 1 of platform 12");
      assertEquals("flash", mqttDevice.handshakeAnswers.get(0).getString("rule"), mqttDevice.handshakeAnswers.toString());

      // cloud flash, CoAP: a DRFW binary, as sent, in Block2 blocks
      assertEquals(200, steps.get("flashCoap").getInteger("statusCode"));
      assertEquals("success", steps.get("flashCoapEvents").getString("success"));
      assertArrayEquals(drfw, coapDownload.get(5, TimeUnit.SECONDS), "the CoAP device fetched the binary api-js sent");

      // refusals, in the API's error shape
      JsonObject offlineAnswer = steps.get("flashOffline");
      assertEquals(404, offlineAnswer.getInteger("statusCode"), offlineAnswer.encode());
      assertEquals(false, offlineAnswer.getJsonObject("body").getBoolean("ok"));
      assertEquals("device_offline", offlineAnswer.getJsonObject("body").getString("error"));
      assertTrue(offlineAnswer.getJsonObject("body").getString("error_description").contains("online"), offlineAnswer.encode());
      for (String route : List.of("own", "product")) {
        JsonObject refused = steps.get("flashProductDevice").getJsonObject(route);
        assertEquals(403, refused.getInteger("statusCode"), route + ": " + refused.encode());
        assertEquals("not_development_device", refused.getJsonObject("body").getString("error"), refused.encode());
      }
      assertTrue(productFlash.results.isEmpty() && productOnline.offers.isEmpty(), "the product device, online, was offered nothing");

      // claim codes: getClaimCode, the device that reported it claimed; the same code again, or an expired one, claims nothing
      assertTrue(steps.get("claimReported").getJsonArray("ids").contains(claimA.id()), steps.get("claimReported").encode());
      JsonObject reused = steps.get("claimReusedCode");
      assertEquals(403, reused.getInteger("statusCode"), reused.encode());
      assertEquals("claim_code_required", reused.getJsonObject("body").getString("error"));
      JsonObject expired = steps.get("claimExpiredCode");
      assertEquals(403, expired.getInteger("statusCode"), expired.encode());
      assertEquals("claim_code_required", expired.getJsonObject("body").getString("error"));
      JsonArray owned = expired.getJsonArray("ids");
      assertFalse(owned.contains(claimB.id()) || owned.contains(claimC.id()), owned.encode());
      assertEquals(null, node.query("SELECT owner_id FROM devices WHERE id IN ('" + claimB.id() + "', '" + claimC.id() + "') AND owner_id IS NOT NULL"));
    }
  }

  /** A device of the account in no product, registered as platform 12. */
  private static DeviceIdentity developerDevice(String token) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    node.execute("UPDATE devices SET platform_id = " + FirmwareFleet.PLATFORM + " WHERE id = '" + device.id() + "'");
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

  /** What a constrained device does on the cloud's {@code PUT /h}: fetches every block, checks the SHA-256, reports. */
  private static byte[] download(CoapFirmwareDevice device) {
    try {
      TestNode.eventually(Duration.ofSeconds(10), () -> !device.handshakeNotices.isEmpty(), "the flash's answer on PUT /h");
      JsonObject answer = new JsonObject(device.handshakeNotices.get(0));
      assertEquals("flash", answer.getString("rule"), answer.encode());
      int version = answer.getInteger("target_version");
      ByteArrayOutputStream kept = new ByteArrayOutputStream();
      for (int num = 0; ; num++) {
        CoapResponse block = device.block(version, num);
        assertEquals(ResponseCode.CONTENT, block.getCode(), block.getResponseText());
        kept.writeBytes(block.getPayload());
        if (!block.getOptions().getBlock2().isM()) {
          break;
        }
      }
      byte[] binary = kept.toByteArray();
      FirmwareBinary parsed = FirmwareBinary.parse(binary);
      assertEquals(answer.getString("sha256"), parsed.sha256Hex());
      assertEquals(ResponseCode.CHANGED, device.post("/fw/result", new JsonObject().put("version", version).put("status", "verified").encode()).getCode());
      return binary;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private interface Driver {
    /** Acts on a step the script printed; {@code go} tells the script to go on, for the steps that wait for it. */
    void on(JsonObject step, Runnable go) throws Exception;
  }

  private static Map<String, JsonObject> runScenario(Map<String, String> env, Driver driver) throws Exception {
    ParticleTools.requireInstalled("node_modules/particle-api-js/package.json");
    String baseUrl = "http://127.0.0.1:" + node.httpPort();
    Process script = ParticleTools.process(List.of("node", ParticleTools.requireInstalled("api-js-firmware.mjs").toString(), baseUrl), env)
        .redirectInput(ProcessBuilder.Redirect.PIPE).start();
    CompletableFuture<Boolean> ended = script.onExit().thenApply(exited -> true)
        .completeOnTimeout(false, SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    ended.thenAccept(inTime -> {
      if (!inTime) {
        script.destroyForcibly();
      }
    });
    CompletableFuture<String> stderr = ParticleTools.readAll(script.getErrorStream());
    OutputStream toScript = script.getOutputStream();
    Runnable go = () -> {
      try {
        toScript.write("go\n".getBytes(StandardCharsets.UTF_8));
        toScript.flush();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    Map<String, JsonObject> steps = new ConcurrentHashMap<>();
    StringBuilder printed = new StringBuilder();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        printed.append(line).append('\n');
        JsonObject step = new JsonObject(line);
        steps.put(step.getString("step"), step);
        driver.on(step, go);
      }
    } catch (Exception e) {
      script.destroyForcibly();
      throw new AssertionError("driving the script failed; it printed:\n" + printed + "--- stderr\n" + stderr.getNow(""), e);
    }
    script.waitFor();
    String transcript = "\n--- stdout\n" + printed + "--- stderr\n" + stderr.join();
    assertTrue(ended.join(), "the script did not end within " + SCRIPT_TIMEOUT_SECONDS + " s" + transcript);
    assertEquals(0, script.exitValue(), "the script failed" + transcript);
    assertTrue(steps.containsKey("done"), "the script stopped early" + transcript);
    return steps;
  }

  private static byte[] payload(int seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static String write(Path dir, String name, byte[] bytes) throws Exception {
    return Files.write(dir.resolve(name), bytes).toString();
  }
}
