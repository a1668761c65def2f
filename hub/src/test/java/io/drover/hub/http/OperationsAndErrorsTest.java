package io.drover.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Health, metrics, and the API's answers to bad requests. */
@ExtendWith(VertxExtension.class)
class OperationsAndErrorsTest {

  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void healthReportsTheDatabaseCheck() throws Exception {
    HttpResponse<String> health = node.operations("/health");

    assertEquals(200, health.statusCode());
    JsonObject body = new JsonObject(health.body());
    assertEquals("UP", body.getString("status"));
    JsonArray checks = body.getJsonArray("checks");
    JsonObject database = null;
    JsonObject cluster = null;
    for (int i = 0; i < checks.size(); i++) {
      JsonObject check = checks.getJsonObject(i);
      if ("database".equals(check.getString("id"))) {
        database = check;
      } else if ("cluster".equals(check.getString("id"))) {
        cluster = check;
      }
    }
    assertEquals("UP", database.getString("status"));
    // a node alone is a cluster of one, with both roles, and leads the once-only work
    assertEquals(1, cluster.getJsonObject("data").getInteger("members"));
    assertEquals("hub,gateway", cluster.getJsonObject("data").getString("roles"));
    assertEquals(true, cluster.getJsonObject("data").getBoolean("leader"));
    assertEquals(200, node.get("/health/live", null).statusCode());
    assertEquals(200, node.get("/health/ready", null).statusCode());
  }

  @Test
  void metricsCountConnectsAndEventsFromReceiptToWrite(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    double connects = node.metric("drover_connects_total{protocol=\"mqtt\"}");
    double received = node.metric("drover_events_received_total{protocol=\"mqtt\"}");
    double written = node.metric("drover_events_written_total");
    double latencies = node.metric("drover_events_write_latency_seconds_count");

    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      assertEquals(1, node.metric("drover_devices_connected{protocol=\"mqtt\"}"));
      device.publishAcknowledged("e/counted", Buffer.buffer("1"));

      assertEquals(connects + 1, node.metric("drover_connects_total{protocol=\"mqtt\"}"));
      assertEquals(received + 1, node.metric("drover_events_received_total{protocol=\"mqtt\"}"));
      // the acknowledged event plus this device's spark/status online: both written by now or soon
      TestNode.eventually(java.time.Duration.ofSeconds(5), () -> metric("drover_events_written_total") >= written + 2, "events written");
      assertTrue(node.metric("drover_events_write_latency_seconds_count") >= latencies + 2);
    }
    String all = node.operations("/metrics").body();
    for (String series : new String[] {"drover_connects_rejected_total{", "drover_events_write_queue", "drover_events_dropped_total{",
        "drover_streams_open", "jvm_memory_used_bytes", "vertx_"}) {
      assertTrue(all.contains(series), series);
    }
    // Vert.x's net-server metrics are off: drover_listener_connections counts the same connections
    // without an object per connection (docs/benchmarks.md, the CoAP benchmark)
    assertFalse(all.contains("vertx_net_server_"), "no vertx_net_server_* series");
    // nor its event-bus metrics: a registry lookup per message on the events' path
    assertFalse(all.contains("vertx_eventbus_"), "no vertx_eventbus_* series");
    assertTrue(all.contains("drover_listener_connections{"), "drover_listener_connections");
  }

  @Test
  void unknownRouteGetsTheApiErrorShape() throws Exception {
    HttpResponse<String> response = node.get("/v1/nothing-here", null);

    assertEquals(404, response.statusCode());
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
    JsonObject error = new JsonObject(response.body());
    assertEquals(false, error.getBoolean("ok"));
    assertEquals("not_found", error.getString("error"));
  }

  @Test
  void malformedPathsAndNulCharactersGetClientErrorsNeverA500() throws Exception {
    String raw = rawGet("/v1/devices/%ZZ");
    assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
    assertEquals("bad_request", new JsonObject(raw.substring(raw.indexOf("\r\n\r\n") + 4)).getString("error"), raw);
    String token = node.signUpAndLogIn("nul@example.com", "nul bytes!");
    assertError(node.send("DELETE", "/v1/access_tokens/%00", null, token), 400, "invalid_request");
    assertError(node.get("/v1/devices/%00", token), 400, "invalid_request");
    assertError(node.post("/v1/devices/events", "{\"name\":\"nul\",\"data\":\"a\\u0000b\"}", token), 400, "invalid_request");
    assertError(node.post("/v1/users", "{\"username\":\"a\\u0000@example.com\",\"password\":\"long enough\"}", null), 400, "invalid_request");
  }

  @Test
  void provisioningRefusesBadInputWithClearErrors() throws Exception {
    assertError(node.post("/v1/admin/devices", "{}", null), 401, "invalid_request");
    assertError(node.post("/v1/admin/devices", "{}", "wrong"), 401, "invalid_token");
    assertError(node.post("/v1/admin/devices", "{not json", node.adminToken()), 400, "invalid_request");
    assertError(node.post("/v1/admin/devices", "[1,2]", node.adminToken()), 400, "invalid_request");
    assertError(node.post("/v1/admin/devices", "{\"id\": \"xyz\"}", node.adminToken()), 400, "invalid_request");
    assertError(node.post("/v1/admin/devices", "{\"id\": 12}", node.adminToken()), 400, "invalid_request");
    assertError(node.post("/v1/admin/devices", "{\"platform_id\": \"boron\"}", node.adminToken()), 400, "invalid_request");
    assertError(node.post("/v1/admin/devices", "{\"cellular\": \"yes\"}", node.adminToken()), 400, "invalid_request");
    assertError(node.post("/v1/admin/devices", "{\"big\": \"" + "x".repeat(70 * 1024) + "\"}", node.adminToken()), 413, "request_too_large");

    DeviceIdentity existing = node.provisionDevice();
    assertError(node.post("/v1/admin/devices", "{\"id\": \"" + existing.id().toUpperCase() + "\"}", node.adminToken()), 409, "device_exists");
  }

  @Test
  void provisioningWithAChosenIdStoresItInLowerCaseAndAnswersTheSecretOnce() throws Exception {
    HttpResponse<String> response = node.post("/v1/admin/devices", "{\"id\": \"ABCDEF0123456789ABCDEF01\"}", node.adminToken());

    assertEquals(201, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals("abcdef0123456789abcdef01", body.getString("id"));
    assertTrue(body.getString("secret").matches("[0-9a-f]{32}"));
  }

  @Test
  void provisioningRecordsThePlatformAndCellularAsAManufacturerKnowsThem() throws Exception {
    JsonObject created = new JsonObject(node.post("/v1/admin/devices", "{\"platform_id\": 13, \"cellular\": true}", node.adminToken()).body());

    JsonObject device = new JsonObject(node.get("/v1/devices/" + created.getString("id"), node.adminToken()).body());
    assertEquals(13, device.getInteger("platform_id"));
    assertEquals(13, device.getInteger("product_id"), "outside a product, Particle reports the platform as product_id");
    assertEquals(true, device.getBoolean("cellular"));
  }

  private static void assertError(HttpResponse<String> response, int status, String error) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    assertEquals(error, body.getString("error"), response.body());
    assertTrue(body.getString("error_description") != null && !body.getString("error_description").isEmpty());
  }

  /** A request no well-behaved client would send, written to the socket by hand. */
  private static String rawGet(String path) throws java.io.IOException {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.httpPort())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static double metric(String series) {
    try {
      return node.metric(series);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
