package io.drover.hub.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * particle-api-js 12.0.3, unchanged, against a real node and a simulated device: the scenario script
 * (hub/src/test/js/api-js-scenario.mjs) prints what each call answered, and this test checks those
 * values against what the device really did.
 */
@ExtendWith(VertxExtension.class)
class ParticleApiJsTest {

  private static final long SCRIPT_TIMEOUT_SECONDS = 60;
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  /**
   * Over HTTPS, Node.js trusts the node's own CA through {@code NODE_EXTRA_CA_CERTS}, as
   * docs/operations.md ("Securing a node") says; each run signs up an account of its own.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void apiJsSignsUpClaimsCallsReadsStreamsPublishesReleasesAndRevokes(boolean https, Vertx vertx) throws Exception {
    String username = https ? "compat-https-user@example.com" : "compat-user@example.com";
    DeviceIdentity identity = node.provisionDevice();
    List<String> argumentsSeen = new CopyOnWriteArrayList<>();
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.behave(
          Map.of("led", argument -> {
            argumentsSeen.add(argument);
            return "42";
          }),
          Map.of("temp", Map.entry("double", () -> "21.5")));

      Map<String, JsonObject> steps = runScenario(identity, device, https, username);

      assertEquals(new JsonObject().put("step", "createUser").put("statusCode", 200).put("ok", true), steps.get("createUser"));
      assertEquals("bearer", steps.get("login").getString("token_type"));
      assertEquals(7_776_000, steps.get("login").getInteger("expires_in"));
      assertEquals(new JsonArray(), steps.get("listDevicesBeforeClaim").getJsonArray("ids"));

      assertTrue(steps.get("getClaimCode").getString("claim_code").length() >= 32, steps.get("getClaimCode").encode());
      assertEquals(new JsonArray(), steps.get("getClaimCode").getJsonArray("device_ids"), "the account's devices: none yet");
      assertEquals(new JsonArray().add(identity.id()), steps.get("deviceAppears").getJsonArray("ids"),
          "the device that reported the code is the account's, as Particle's set-up expects");
      JsonObject claim = steps.get("claimDevice");
      assertEquals(true, claim.getBoolean("ok"));
      assertEquals(identity.id(), claim.getString("id"));
      assertEquals(true, claim.getBoolean("connected"));

      JsonArray listed = steps.get("listDevices").getJsonArray("devices");
      assertEquals(1, listed.size(), listed.encode());
      assertEquals(identity.id(), listed.getJsonObject(0).getString("id"));
      assertEquals(username, listed.getJsonObject(0).getString("owner"));
      assertEquals(true, listed.getJsonObject(0).getBoolean("connected"));

      assertEquals("bench_lamp", steps.get("renameDevice").getString("name"));
      JsonObject fetched = steps.get("getDevice");
      assertEquals("bench_lamp", fetched.getString("name"));
      assertEquals(true, fetched.getBoolean("online"));
      assertEquals(new JsonArray().add("led"), fetched.getJsonArray("functions"));
      assertEquals(new JsonObject().put("temp", "double"), fetched.getJsonObject("variables"));

      JsonObject call = steps.get("callFunction");
      assertEquals(42, call.getInteger("return_value"));
      assertEquals("bench_lamp", call.getString("name"));
      assertEquals(List.of("on"), argumentsSeen, "the device got the argument api-js sent");

      JsonObject variable = steps.get("getVariable");
      assertEquals("temp", variable.getString("name"));
      assertEquals(21.5, variable.getDouble("result"));
      assertEquals(identity.id(), variable.getString("deviceID"));

      JsonObject fromDevice = steps.get("deviceEvent");
      assertEquals("button", fromDevice.getString("name"));
      assertEquals("pressed", fromDevice.getString("data"));
      assertEquals(identity.id(), fromDevice.getString("coreid"));
      assertEquals(60, fromDevice.getInteger("ttl"));
      assertNotNull(fromDevice.getString("published_at"));

      assertEquals(true, steps.get("publishEvent").getBoolean("ok"));
      JsonObject fromApi = steps.get("publishedEventReceived");
      assertEquals("drover/compat/published", fromApi.getString("name"));
      assertEquals("api", fromApi.getString("coreid"), "events published through the API carry coreid api");
      assertTrue(fromApi.getString("data").startsWith("from api-js "), fromApi.encode());

      JsonObject removed = steps.get("removeDevice");
      assertEquals(true, removed.getBoolean("ok"));
      assertEquals(new JsonArray(), removed.getJsonArray("remaining"));
      assertEquals(new JsonObject().put("step", "changeUserPassword").put("ok", true).put("otherTokenStatus", 401).put("newPasswordLogsIn", true),
          steps.get("changeUserPassword"), "changeUserPassword keeps the caller's token and revokes the other");
      assertEquals(true, steps.get("deleteCurrentAccessToken").getBoolean("ok"));
      assertEquals(401, steps.get("revokedTokenRefused").getInteger("statusCode"));
      assertEquals("invalid_token", steps.get("revokedTokenRefused").getString("error"));
    }
  }

  /**
   * Runs the script to its end; publishes the device's event when the script says its stream is open.
   *
   * @return each step's line, by step name
   */
  private static Map<String, JsonObject> runScenario(DeviceIdentity identity, TestDevice device, boolean https, String username)
      throws Exception {
    ParticleTools.requireInstalled("node_modules/particle-api-js/package.json");
    Map<String, String> env = new java.util.HashMap<>(Map.of("DROVER_USERNAME", username,
            "DROVER_PASSWORD", "correct horse battery staple",
            "DROVER_DEVICE_NAME", "bench_lamp",
            "DROVER_FUNCTION", "led",
            "DROVER_FUNCTION_ARG", "on",
            "DROVER_VARIABLE", "temp",
            "DROVER_DEVICE_EVENT", "button"));
    if (https) {
      env.put("NODE_EXTRA_CA_CERTS", node.caFile().toString());
    }
    String baseUrl = https ? "https://127.0.0.1:" + node.httpsPort() : "http://127.0.0.1:" + node.httpPort();
    Process script = ParticleTools.process(
        List.of("node", ParticleTools.requireInstalled("api-js-scenario.mjs").toString(), baseUrl, identity.id()), env).start();
    // a script that hangs is killed, which ends its output and so the loop below
    CompletableFuture<Boolean> ended = script.onExit().thenApply(exited -> true)
        .completeOnTimeout(false, SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    ended.thenAccept(inTime -> {
      if (!inTime) {
        script.destroyForcibly();
      }
    });
    CompletableFuture<String> stderr = ParticleTools.readAll(script.getErrorStream());
    Map<String, JsonObject> steps = new ConcurrentHashMap<>();
    StringBuilder printed = new StringBuilder();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        printed.append(line).append('\n');
        JsonObject step = new JsonObject(line);
        steps.put(step.getString("step"), step);
        if (step.getString("step").equals("getClaimCode")) {
          device.publishAcknowledged("e/spark/device/claim/code", Buffer.buffer(step.getString("claim_code")));
        }
        if (step.getString("step").equals("streamOpen")) {
          device.publishAcknowledged("e/button", Buffer.buffer("pressed"));
        }
      }
    } catch (Exception e) {
      script.destroyForcibly();
      throw new AssertionError("reading the script's output failed; it printed:\n" + printed, e);
    }
    script.waitFor();
    String transcript = "\n--- stdout\n" + printed + "--- stderr\n" + stderr.join();
    assertTrue(ended.join(), "the script did not end within " + SCRIPT_TIMEOUT_SECONDS + " s" + transcript);
    assertEquals(0, script.exitValue(), "the script failed" + transcript);
    assertTrue(steps.containsKey("done"), "the script stopped early" + transcript);
    return steps;
  }
}
