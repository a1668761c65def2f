package io.drover.hub.firmware;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Upload, release, and a simulated device taking the update over real MQTT, end to end. */
@ExtendWith(VertxExtension.class)
class FirmwareDeliveryTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static TestNode node;
  private static FirmwareFleet fleet;
  private static String owner;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("owner@example.com", "owner's password");
    fleet = new FirmwareFleet(node);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aGroupReleaseReachesTheDeviceThroughACorruptedChunkAndADroppedConnection(Vertx vertx) throws Exception {
    int product = fleet.product("delivery", "owner@example.com");
    byte[] payload = new byte[10_000];
    new Random(8).nextBytes(payload);
    byte[] binary = fleet.uploaded(product, 2, payload, owner);
    DeviceIdentity device = fleet.device(product, 1, false, "beta");
    DeviceIdentity development = fleet.device(product, 1, true, "beta");
    fleet.device(product, 2, true); // the tested one: a release needs the version running somewhere
    fleet.announce(product);
    HttpResponse<String> released = node.send("PUT", "/v1/products/" + product + "/firmware/release",
        FirmwareFleet.json("2", false, List.of("beta")), owner);
    assertEquals(200, released.statusCode(), released.body());

    FirmwareTestDevice.Flash flash = new FirmwareTestDevice.Flash();
    flash.corruptAt = 2048;
    flash.dropAfter = 5120;
    try (FirmwareTestDevice first = FirmwareTestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret(), flash)) {
      first.handshake(product, 1);
      first.dropped().await(20, TimeUnit.SECONDS);
      assertEquals(true, first.handshakeAnswers.get(0).getBoolean("firmware_update"), first.handshakeAnswers.toString());
    }
    assertEquals(1, flash.naks, "the corrupted chunk was detected and asked for again");
    int kept = flash.kept.size();
    assertTrue(kept >= 5120 && kept < binary.length, "the connection dropped part-way: " + kept);

    try (FirmwareTestDevice second = FirmwareTestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret(), flash)) {
      second.handshake(product, 1);
      byte[] received = flash.verified.future().await(20, TimeUnit.SECONDS);
      assertArrayEquals(binary, received, "the device holds the uploaded binary, header and all");
      assertEquals(List.of(0, kept), flash.readyOffsets, "the second connection resumed from what the device kept");
      assertEquals(kept, flash.firstChunkOffsetOfConnection, "no byte before the resume point was sent again");
    }

    // the device applied it and comes back on version 2: recorded, nothing more to do
    try (FirmwareTestDevice updated = FirmwareTestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret(), new FirmwareTestDevice.Flash())) {
      updated.handshake(product, 2);
      TestNode.eventually(WAIT, () -> !updated.handshakeAnswers.isEmpty(), "the handshake is answered");
      assertEquals(false, updated.handshakeAnswers.get(0).getBoolean("firmware_update"));
      assertTrue(updated.offers.isEmpty());
    }
    TestNode.eventually(WAIT, () -> "2".equals(query("SELECT firmware_version FROM devices WHERE id = '" + device.id() + "'")),
        "the new version is recorded");
    TestNode.eventually(WAIT, () -> query("SELECT string_agg(data, ',' ORDER BY id) FROM events WHERE device_id = '" + device.id()
        + "' AND name = 'spark/flash/status'").equals("started,started,success"), "spark/flash/status shows the progress");
    assertTrue(node.countEvents(device.id(), "spark/status") >= 1, "spark/status auto-update");
    JsonObject why = new JsonObject(node.get("/v1/products/" + product + "/devices/" + device.id() + "/firmware-target", owner).body());
    assertEquals("success", why.getJsonObject("update_state").getString("status"), why.encode());
    assertEquals(false, why.getBoolean("update_pending"), "running its target now");
    assertEquals("auto-update", query("SELECT data FROM events WHERE device_id = '" + device.id() + "' AND name = 'spark/status' AND data = 'auto-update' LIMIT 1"));

    // the development device in the same group is never updated automatically
    try (FirmwareTestDevice untouched = FirmwareTestDevice.connect(vertx, node.mqttPort(), development.id(), development.secret(),
        new FirmwareTestDevice.Flash())) {
      untouched.handshake(product, 1);
      TestNode.eventually(WAIT, () -> !untouched.handshakeAnswers.isEmpty(), "the handshake is answered");
      assertEquals(false, untouched.handshakeAnswers.get(0).getBoolean("firmware_update"));
      assertEquals("development", untouched.handshakeAnswers.get(0).getString("rule"));
      Thread.sleep(500);
      assertTrue(untouched.offers.isEmpty(), "no offer to a development device");
    }
  }

  @Test
  void flashNowReachesAnOnlineDeviceWithoutAReconnect(Vertx vertx) throws Exception {
    int product = fleet.product("flash-now", "owner@example.com");
    byte[] binary = fleet.uploaded(product, 3, new byte[3000], owner);
    DeviceIdentity device = fleet.device(product, 1, false);
    fleet.announce(product);
    FirmwareTestDevice.Flash flash = new FirmwareTestDevice.Flash();
    try (FirmwareTestDevice online = FirmwareTestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret(), flash)) {
      online.handshake(product, 1);
      TestNode.eventually(WAIT, () -> !online.handshakeAnswers.isEmpty(), "the handshake is answered");
      assertEquals("none", online.handshakeAnswers.get(0).getString("rule"), "nothing targets it yet");

      HttpResponse<String> locked = node.send("PUT", "/v1/products/" + product + "/devices/" + device.id(),
          new JsonObject().put("desired_firmware_version", 3).put("flash", true).encode(), owner);
      assertEquals(200, locked.statusCode(), locked.body());
      assertEquals("locked", new JsonObject(locked.body()).getString("rule"));
      assertArrayEquals(binary, flash.verified.future().await(20, TimeUnit.SECONDS), "flashed over the live session");
    }
  }

  @Test
  void aCoapDeviceFetchesItsUpdateInBlock2BlocksAndResumesInANewDtlsSession() throws Exception {
    int product = fleet.product("coap-delivery", "owner@example.com");
    byte[] payload = new byte[12_000];
    new Random(9).nextBytes(payload);
    byte[] binary = fleet.uploaded(product, 2, payload, owner);
    DeviceIdentity device = fleet.device(product, 1, false, "beta");
    fleet.device(product, 2, true);
    fleet.announce(product);
    assertEquals(200, node.send("PUT", "/v1/products/" + product + "/firmware/release", FirmwareFleet.json("2", true, List.of()), owner).statusCode());
    String handshake = new JsonObject().put("product_id", product).put("firmware_version", 1).put("platform_id", FirmwareFleet.PLATFORM).encode();

    java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
    JsonObject offer;
    try (CoapFirmwareDevice first = new CoapFirmwareDevice(node.coapPort(), device.id(), device.secret())) {
      CoapResponse answer = first.post("/h", handshake);
      assertEquals(ResponseCode.CHANGED, answer.getCode(), answer.getResponseText());
      offer = new JsonObject(answer.getResponseText());
      assertEquals(true, offer.getBoolean("firmware_update"));
      assertEquals("product_default", offer.getString("rule"));
      assertEquals(binary.length, offer.getInteger("size"));
      for (int num = 1; num <= 9; num++) { // the first 9 blocks of 512 bytes, then the session is lost
        kept.writeBytes(first.block(2, num - 1).getPayload());
      }
      CoapResponse notOffered = first.block(1, 0);
      assertEquals(ResponseCode.FORBIDDEN, notOffered.getCode(), "only the offered version may be fetched");
    }
    assertEquals(9 * 512, kept.size());

    try (CoapFirmwareDevice second = new CoapFirmwareDevice(node.coapPort(), device.id(), device.secret())) {
      assertEquals(ResponseCode.CHANGED, second.post("/h", handshake).getCode());
      for (int num = 9; ; num++) { // resumes at the block it needs, in a new DTLS session
        CoapResponse block = second.block(2, num);
        assertEquals(ResponseCode.CONTENT, block.getCode(), block.getResponseText());
        kept.writeBytes(block.getPayload());
        if (!block.getOptions().getBlock2().isM()) {
          break;
        }
      }
      assertArrayEquals(binary, kept.toByteArray());
      assertEquals(offer.getString("sha256"), FirmwareBinary.parse(kept.toByteArray()).sha256Hex(), "the device verifies the SHA-256");
      assertEquals(ResponseCode.CHANGED, second.post("/fw/result", "{\"version\":2,\"status\":\"verified\"}").getCode());
    }

    try (CoapFirmwareDevice updated = new CoapFirmwareDevice(node.coapPort(), device.id(), device.secret())) {
      JsonObject answer = new JsonObject(updated.post("/h", handshake.replace("\"firmware_version\":1", "\"firmware_version\":2")).getResponseText());
      assertEquals(false, answer.getBoolean("firmware_update"), answer.encode());
    }
    TestNode.eventually(WAIT, () -> "2".equals(query("SELECT firmware_version FROM devices WHERE id = '" + device.id() + "'")),
        "the new version is recorded");
    TestNode.eventually(WAIT, () -> query("SELECT string_agg(data, ',' ORDER BY id) FROM events WHERE device_id = '" + device.id()
        + "' AND name = 'spark/flash/status'").equals("started,started,success"), "spark/flash/status: each offer, then the verdict");
  }

  @Test
  void flashNowReachesAnOnlineCoapDeviceThroughItsOwnHandshakeResource() throws Exception {
    int product = fleet.product("coap-flash-now", "owner@example.com");
    fleet.uploaded(product, 4, new byte[700], owner);
    DeviceIdentity device = fleet.device(product, 1, false);
    fleet.announce(product);
    try (CoapFirmwareDevice online = new CoapFirmwareDevice(node.coapPort(), device.id(), device.secret())) {
      JsonObject first = new JsonObject(online.post("/h", new JsonObject().put("product_id", product).put("firmware_version", 1).encode())
          .getResponseText());
      assertEquals(false, first.getBoolean("firmware_update"), first.encode());
      HttpResponse<String> locked = node.send("PUT", "/v1/products/" + product + "/devices/" + device.id(),
          new JsonObject().put("desired_firmware_version", 4).put("flash", true).encode(), owner);
      assertEquals(200, locked.statusCode(), locked.body());
      TestNode.eventually(WAIT, () -> !online.handshakeNotices.isEmpty(), "the cloud's PUT /h");
      JsonObject notice = new JsonObject(online.handshakeNotices.get(0));
      assertEquals(true, notice.getBoolean("firmware_update"), notice.encode());
      assertEquals("locked", notice.getString("rule"));
      assertEquals(ResponseCode.CONTENT, online.block(4, 0).getCode(), "the offered version can now be fetched");
    }
  }

  @Test
  void aMalformedHandshakeIsRefusedByName(Vertx vertx) throws Exception {
    DeviceIdentity device = fleet.device(fleet.product("malformed", "owner@example.com"), 1, false);
    try (FirmwareTestDevice sloppy = FirmwareTestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret(), new FirmwareTestDevice.Flash())) {
      sloppy.publish("h", "{\"product_id\":\"one\"}");
      TestNode.eventually(WAIT, () -> !sloppy.errors.isEmpty(), "a c/err notice");
      JsonObject error = sloppy.errors.get(0);
      assertEquals("malformed_payload", error.getString("error"));
      assertEquals("h", error.getString("topic"));
      assertTrue(error.getString("message").contains("product_id"), error.encode());
    }
  }

  private static String query(String sql) {
    try {
      String value = node.query(sql);
      return value == null ? "" : value;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
