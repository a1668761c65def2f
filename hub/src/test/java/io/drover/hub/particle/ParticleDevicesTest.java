package io.drover.hub.particle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.coap.VirtualParticleDevice;
import io.drover.hub.compat.ParticleTools;
import io.drover.hub.devices.DtlsServerKey;
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
