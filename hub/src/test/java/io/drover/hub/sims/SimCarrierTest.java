package io.drover.hub.sims;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.launcher.ConfigException;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SIM actions go through the carrier {@code sims.carrier} names (here a test carrier plugged in through
 * ServiceLoader, as a real one would be): each action reaches it, and when it fails the API answers 502
 * {@code carrier_error} and nothing is recorded.
 */
class SimCarrierTest {

  /** MQTT 3.1.1 section 3.2.2.3: 5, not authorized. */
  private static final int NOT_AUTHORIZED = 5;
  private static TestNode node;
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start("--sims.carrier=recording");
    token = node.signUpAndLogIn("carrier@example.com", "correct horse battery staple");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<String> act(String iccid, String action) throws Exception {
    return node.send("PUT", "/v1/sims/" + iccid, new JsonObject().put("action", action).encode(), token);
  }

  private static JsonObject sim(String iccid) throws Exception {
    return new JsonObject(node.get("/v1/sims/" + iccid, token).body());
  }

  @Test
  void actionsReachTheConfiguredCarrierAndItsFailureChangesNothing() throws Exception {
    TestNode.DeviceIdentity device = node.provisionDevice();
    node.claim(device.id(), token);
    String iccid = SimFixture.iccid();
    assertEquals(200, node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(new JsonObject().put("iccid", iccid)
        .put("device_id", device.id()))).encode(), token).statusCode());

    // each action reaches the carrier (activate too for a SIM imported active, which the import did not tell it)
    assertEquals(200, act(iccid, "activate").statusCode());
    assertEquals(200, act(iccid, "deactivate").statusCode());
    assertEquals(200, act(iccid, "reactivate").statusCode());
    assertEquals(200, act(iccid, "deactivate").statusCode());
    assertEquals(List.of("activate:" + iccid, "deactivate:" + iccid, "reactivate:" + iccid, "deactivate:" + iccid),
        RecordingCarrier.CALLS.stream().filter(call -> call.endsWith(iccid)).toList());
    assertEquals("deactivated", sim(iccid).getString("status"));

    // the carrier fails: a clear answer, and the SIM as it was (still deactivated, its device still refused)
    RecordingCarrier.FAILING.add(iccid);
    HttpResponse<String> refused = act(iccid, "reactivate");
    assertEquals(502, refused.statusCode(), refused.body());
    JsonObject error = new JsonObject(refused.body());
    assertEquals(false, error.getBoolean("ok"));
    assertEquals("carrier_error", error.getString("error"));
    assertEquals("The SIM carrier recording could not reactivate SIM " + iccid + ": network operator unreachable. Nothing was changed; try again "
        + "later", error.getString("error_description"));
    assertFalse(refused.body().contains("Exception"), refused.body());
    JsonObject unchanged = sim(iccid);
    assertEquals("deactivated", unchanged.getString("status"), unchanged.encode());
    try (RawMqtt connect = RawMqtt.connect(node.mqttPort(), device.id(), device.secret())) {
      assertEquals(NOT_AUTHORIZED, connect.connackCode(5000), "still held back: the reactivation did not happen");
    }
    HttpResponse<String> notReleased = node.send("DELETE", "/v1/sims/" + iccid, null, token);
    assertEquals(502, notReleased.statusCode(), notReleased.body());
    assertEquals("1", node.query("SELECT count(*) FROM sims WHERE iccid = '" + iccid + "'"), "not released");

    // the carrier back: the release goes through
    RecordingCarrier.FAILING.remove(iccid);
    assertEquals(204, node.send("DELETE", "/v1/sims/" + iccid, null, token).statusCode());
    assertTrue(RecordingCarrier.CALLS.contains("release:" + iccid));
    assertEquals("0", node.query("SELECT count(*) FROM sims WHERE iccid = '" + iccid + "'"));

    // a SIM of no one, activated by its user, is activated at the carrier first
    String fresh = SimFixture.iccid();
    RecordingCarrier.FAILING.add(fresh);
    assertEquals(502, act(fresh, "activate").statusCode());
    assertEquals("0", node.query("SELECT count(*) FROM sims WHERE iccid = '" + fresh + "'"), "nothing imported");
    RecordingCarrier.FAILING.remove(fresh);
    assertEquals(200, act(fresh, "activate").statusCode());
    assertTrue(RecordingCarrier.CALLS.contains("activate:" + fresh));
  }

  @Test
  void aCarrierNoOneProvidesStopsTheNodeAtStart() {
    ConfigException refused = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> io.drover.hub.launcher.NodeConfig.from(List.of("--sims.carrier=telefonica"), java.util.Map.of()));
    assertTrue(refused.getMessage().startsWith("sims.carrier must be one of local, recording"), refused.getMessage());
  }
}
