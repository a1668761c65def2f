package io.drover.hub.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A staged rollout: batches, pause, resume, abort, and the halt on failed updates over real MQTT. */
@ExtendWith(VertxExtension.class)
class FirmwareRolloutTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
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
  void batchesAreAdmittedInTurnAndPauseHoldsBackTheRest() throws Exception {
    int product = fleet.product("staged", "owner@example.com");
    fleet.uploaded(product, 2, new byte[] {2}, owner);
    List<DeviceIdentity> devices = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      devices.add(fleet.device(product, 1, false, "beta"));
    }
    fleet.device(product, 2, true);
    fleet.announce(product);

    HttpResponse<String> started = node.post("/v1/products/" + product + "/firmware/rollouts", new JsonObject().put("version", 2)
        .put("groups", new JsonArray().add("beta")).put("batch_percent", 30).put("failure_threshold_percent", 20).encode(), owner);
    assertEquals(201, started.statusCode(), started.body());
    JsonObject rollout = new JsonObject(started.body());
    assertEquals(20, rollout.getInteger("targeted_devices"));
    assertEquals(admittedBelow(devices, 30), rollout.getInteger("admitted_devices"));
    assertEquals("running", rollout.getString("state"));
    assertTargets(product, devices, 30);

    long id = rollout.getLong("id");
    assertEquals(60, change(product, id, "next").getInteger("admitted_percent"));
    assertTargets(product, devices, 60);

    assertEquals("paused", change(product, id, "pause").getString("state"));
    assertTargets(product, devices, 0);
    assertEquals("running", change(product, id, "resume").getString("state"));
    assertTargets(product, devices, 60);

    assertEquals("aborted", change(product, id, "abort").getString("state"));
    assertTargets(product, devices, 0);
    HttpResponse<String> refused = node.send("PUT", "/v1/products/" + product + "/firmware/rollouts/" + id, "{\"action\":\"resume\"}", owner);
    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals("invalid_state", new JsonObject(refused.body()).getString("error"));

    // a plain release ends the rollout: every targeted device is admitted
    assertEquals(200, node.send("PUT", "/v1/products/" + product + "/firmware/release", FirmwareFleet.json("2", false, List.of("beta")), owner)
        .statusCode());
    assertTargets(product, devices, 100);
    assertEquals(true, new JsonArray(node.get("/v1/products/" + product + "/firmware/rollouts", owner).body()).getJsonObject(0).getBoolean("superseded"));
  }

  @Test
  void aBatchWhoseFailedSharePassesTheThresholdHaltsTheRollout(Vertx vertx) throws Exception {
    int product = fleet.product("halting", "owner@example.com");
    fleet.uploaded(product, 2, new byte[3000], owner);
    List<DeviceIdentity> devices = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      devices.add(fleet.device(product, 1, false));
    }
    fleet.device(product, 2, true);
    fleet.announce(product);
    JsonObject rollout = new JsonObject(node.post("/v1/products/" + product + "/firmware/rollouts", new JsonObject().put("version", 2)
        .put("product_default", true).put("batch_percent", 50).put("failure_threshold_percent", 20).encode(), owner).body());
    DeviceIdentity admitted = devices.stream().filter(d -> Rollout.bucket(d.id()) < 50).findFirst().orElseThrow();

    FirmwareTestDevice.Flash flash = new FirmwareTestDevice.Flash();
    flash.spoil = true;
    try (FirmwareTestDevice failing = FirmwareTestDevice.connect(vertx, node.mqttPort(), admitted.id(), admitted.secret(), flash)) {
      failing.handshake(product, 1);
      TestNode.eventually(WAIT, () -> flash.results.size() == 2, "the device failed the SHA-256 check twice");
    }
    long id = rollout.getLong("id");
    TestNode.eventually(WAIT, () -> "halted".equals(rolloutState(product, id)), "the rollout halted itself");
    assertTrue(node.metric("drover_firmware_updates_total{outcome=\"failed\"}") >= 1, "the failed update counted");
    assertEquals(1.0, node.metric("drover_firmware_rollouts_halted_total"), "the halt counted");
    // written in the event writer's next batch, which may come after the halt
    TestNode.eventually(WAIT, () -> "failed".equals(query("SELECT data FROM events WHERE device_id = '" + admitted.id()
        + "' AND name = 'spark/flash/status' ORDER BY id DESC LIMIT 1")), "the failure's spark/flash/status event stored");
    assertTargets(product, devices, 0);
    assertEquals("running", change(product, id, "resume").getString("state"), "an operator may resume a halted rollout");
    assertTargets(product, devices, 50);
  }

  private static int admittedBelow(List<DeviceIdentity> devices, int percent) {
    return (int) devices.stream().filter(d -> Rollout.bucket(d.id()) < percent).count();
  }

  /** Devices whose bucket is below {@code percent} are targeted to 2 by their group; the others wait. */
  private static void assertTargets(int product, List<DeviceIdentity> devices, int percent) throws Exception {
    for (DeviceIdentity device : devices) {
      JsonObject why = new JsonObject(node.get("/v1/products/" + product + "/devices/" + device.id() + "/firmware-target", owner).body());
      if (Rollout.bucket(device.id()) < percent) {
        assertEquals(2, why.getInteger("target_version"), why.encode());
        assertTrue(List.of("group", "product_default").contains(why.getString("rule")), why.encode());
      } else {
        assertEquals(null, why.getInteger("target_version"), why.encode());
        assertEquals(percent == 100 ? "none" : "rollout_waiting", why.getString("rule"), why.encode());
      }
    }
  }

  private static JsonObject change(int product, long id, String action) throws Exception {
    HttpResponse<String> changed = node.send("PUT", "/v1/products/" + product + "/firmware/rollouts/" + id,
        new JsonObject().put("action", action).encode(), owner);
    assertEquals(200, changed.statusCode(), changed.body());
    return new JsonObject(changed.body());
  }

  private static String rolloutState(int product, long id) {
    try {
      for (Object rollout : new JsonArray(node.get("/v1/products/" + product + "/firmware/rollouts", owner).body())) {
        if (((JsonObject) rollout).getLong("id") == id) {
          return ((JsonObject) rollout).getString("state");
        }
      }
      return null;
    } catch (Exception e) {
      throw new AssertionError(e);
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
