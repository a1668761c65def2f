package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Quotas per account and per product, held where every event enters the hub, so MQTT and the API
 * count alike; set per tenant by an administrator ({@code /v1/admin/quotas/...}) over the node's
 * defaults. A refusal is final (QUOTA_EXCEEDED): MQTT 3.1.1 acknowledges and explains on c/err, MQTT 5
 * answers PUBACK 0x97, the API 429 {@code quota_exceeded}.
 */
@ExtendWith(VertxExtension.class)
class EventQuotasTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--quotas.flush-seconds=1");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void anMqtt311DeviceOverItsAccountsPerSecondQuotaIsAcknowledgedAndToldOnCErr(Vertx vertx) throws Exception {
    String token = node.signUpAndLogIn("chatty@example.com", "chatty's password");
    DeviceIdentity identity = node.provisionDevice();
    node.claim(identity.id(), token);
    setQuota("/v1/admin/quotas/accounts/chatty@example.com", new JsonObject().put("events_per_second", 1).put("events_burst", 2));
    double before = node.metric("drover_events_dropped_total{reason=\"quota_per_second\"}");

    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.subscribe("c/#");
      // a burst of ten, all in flight at once
      List<Future<Void>> acks = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        acks.add(device.publishAtLeastOnce("e/tick", Buffer.buffer(Integer.toString(i))));
      }
      Future.all(acks).await(20, TimeUnit.SECONDS);

      // every one acknowledged (MQTT 3.1.1 has no negative PUBACK, and the device must not resend),
      // the accepted ones written first; the refused ones explained
      long stored = node.countEvents(identity.id(), "tick");
      long refused = 10 - stored;
      assertTrue(stored >= 2, "the burst of 2 goes in: " + stored);
      assertTrue(refused >= 1, "a burst of 10 at 1 a second is refused in part");
      TestNode.eventually(WAIT, () -> notices(device).size() == refused, "a c/err notice for each refused event");
      for (MqttPublishMessage notice : notices(device)) {
        JsonObject body = notice.payload().toJsonObject();
        assertEquals("quota_exceeded", body.getString("error"));
        assertEquals("e/tick", body.getString("topic"));
        assertTrue(body.getString("message").contains("account") && body.getString("message").contains("1 events per second"), body.encode());
      }
      assertEquals(before + refused, node.metric("drover_events_dropped_total{reason=\"quota_per_second\"}"));
      assertTrue(device.isConnected(), "the session goes on");
    }
  }

  @Test
  void anMqtt5DeviceOverItsProductsDailyQuotaGetsPuback0x97AndItsStatusEventsDoNotCount() throws Exception {
    String token = node.signUpAndLogIn("maker@example.com", "maker's password");
    JsonObject product = new JsonObject(node.post("/v1/products", new JsonObject().put("name", "Quota Lamp").put("platform_id", 12).encode(), token)
        .body()).getJsonObject("product");
    DeviceIdentity identity = node.provisionDevice();
    HttpResponse<String> imported = node.post("/v1/products/" + product.getValue("id") + "/devices",
        new JsonObject().put("id", identity.id()).encode(), node.adminToken());
    assertTrue(imported.statusCode() == 200 || imported.statusCode() == 201, imported.body());
    setQuota("/v1/admin/quotas/products/" + product.getString("slug"), new JsonObject().put("events_per_day", 2));

    MqttAsyncClient paho = new MqttAsyncClient("tcp://127.0.0.1:" + node.mqttPort(), identity.id(), new MemoryPersistence());
    MqttConnectionOptions options = new MqttConnectionOptions();
    options.setUserName(identity.id());
    options.setPassword(identity.secret().getBytes());
    options.setConnectionTimeout(10);
    paho.connect(options).waitForCompletion(10_000);
    try {
      List<Integer> codes = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        codes.add(pubackCode(paho.publish("e/reading", ("" + i).getBytes(), 1, false)));
      }

      // the device's online event (the cloud's own) took none of the two
      assertEquals(2, node.countEvents(identity.id(), "reading"));
      assertEquals(List.of(0, 0, 0x97, 0x97), codes);
      assertTrue(paho.isConnected(), "the session goes on");
    } finally {
      paho.disconnect().waitForCompletion(10_000);
      paho.close();
    }
    TestNode.eventually(WAIT, () -> count(identity.id(), "spark/status") == 2, "online and offline stored, over the quota");
  }

  @Test
  void anApiPublishOverTheAccountsPerSecondQuotaIs429WithTheErrorJson() throws Exception {
    String token = node.signUpAndLogIn("poster@example.com", "poster's password");
    setQuota("/v1/admin/quotas/accounts/poster@example.com", new JsonObject().put("events_per_second", 1).put("events_burst", 1));

    List<HttpResponse<String>> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(node.post("/v1/devices/events", new JsonObject().put("name", "posted").put("data", i).encode(), token));
    }

    assertEquals(200, answers.get(0).statusCode(), answers.get(0).body());
    List<HttpResponse<String>> refused = answers.stream().filter(answer -> answer.statusCode() == 429).toList();
    assertTrue(!refused.isEmpty(), "five at once at 1 a second: some refused");
    assertEquals(5, refused.size() + answers.stream().filter(answer -> answer.statusCode() == 200).count(), "200 or 429, nothing else");
    for (HttpResponse<String> answer : refused) {
      JsonObject body = new JsonObject(answer.body());
      assertEquals("quota_exceeded", body.getString("error"));
      assertTrue(body.getString("error_description").contains("1 events per second"), body.encode());
      assertEquals("1", answer.headers().firstValue("Retry-After").orElse(null));
    }
  }

  /**
   * Every hub node adds its counts to PostgreSQL and reads back the day's total: here another node's
   * events are added to the row behind this node's back, and this node holds the account to the total.
   */
  @Test
  void theDailyQuotaHoldsAgainstTheDaysTotalOfEveryHubNode() throws Exception {
    String token = node.signUpAndLogIn("shared@example.com", "shared one's password");
    setQuota("/v1/admin/quotas/accounts/shared@example.com", new JsonObject().put("events_per_day", 5));
    assertEquals(200, publish(token).statusCode());
    TestNode.eventually(WAIT, () -> acceptedToday(token) == 1, "this node's count flushed");

    node.execute("UPDATE event_tenant_days SET accepted = accepted + 10 WHERE scope = 'account' AND tenant_id = "
        + "(SELECT id FROM users WHERE username = 'shared@example.com') AND day = (now() AT TIME ZONE 'UTC')::date");
    // this node learns the total when it next flushes the account's own counts
    assertEquals(200, publish(token).statusCode());
    TestNode.eventually(WAIT, () -> acceptedToday(token) == 12, "the day's total read back");

    HttpResponse<String> refused = publish(token);
    assertEquals(429, refused.statusCode(), refused.body());
    JsonObject body = new JsonObject(refused.body());
    assertEquals("quota_exceeded", body.getString("error"));
    assertTrue(body.getString("error_description").contains("5 events per day (UTC)"), body.encode());
    long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retryAfter >= 1 && retryAfter <= 86_400, "until midnight UTC: " + retryAfter);
    TestNode.eventually(WAIT, () -> usageToday(token).getLong("refused_quota_per_day") == 1, "the refusal counted for the account");
  }

  @Test
  void onlyAdministratorsSetQuotasAndAnOverrideTakesEffectAtOnceUntilRemoved() throws Exception {
    String token = node.signUpAndLogIn("overridden@example.com", "overridden one's password");
    String path = "/v1/admin/quotas/accounts/overridden@example.com";
    String quota = new JsonObject().put("events_per_day", 1).encode();

    HttpResponse<String> notAdmin = node.send("PUT", path, quota, token);
    assertEquals(403, notAdmin.statusCode());
    assertEquals("forbidden", new JsonObject(notAdmin.body()).getString("error"));
    assertEquals(401, node.send("GET", path, null, null).statusCode());
    for (String bad : List.of("{\"events_per_day\": -1}", "{\"events_per_day\": \"many\"}", "{\"events_per_day\": 1.5}", "{\"per_day\": 1}")) {
      HttpResponse<String> refused = node.send("PUT", path, bad, node.adminToken());
      assertEquals(400, refused.statusCode(), bad);
      assertEquals("invalid_request", new JsonObject(refused.body()).getString("error"), bad);
    }
    assertEquals(404, node.send("GET", "/v1/admin/quotas/accounts/nobody@example.com", null, node.adminToken()).statusCode());
    assertEquals(404, node.send("GET", "/v1/admin/quotas/products/no-such-product", null, node.adminToken()).statusCode());

    HttpResponse<String> set = node.send("PUT", path, quota, node.adminToken());
    assertEquals(200, set.statusCode(), set.body());
    JsonObject answer = new JsonObject(set.body());
    assertEquals(1, answer.getJsonObject("quota").getLong("events_per_day"));
    assertEquals(50_000, answer.getJsonObject("quota").getLong("events_per_second"), "the default where the override says nothing");
    assertNull(answer.getJsonObject("override").getValue("events_per_second"));
    assertEquals(1, new JsonObject(node.get(path, node.adminToken()).body()).getJsonObject("override").getLong("events_per_day"));
    assertEquals(1, new JsonObject(node.get("/v1/user/event_usage", token).body()).getJsonObject("quota").getLong("events_per_day"),
        "the account sees its own quota");

    // the answer came once this node holds the account to it
    assertEquals(200, publish(token).statusCode());
    assertEquals(429, publish(token).statusCode());

    HttpResponse<String> removed = node.send("DELETE", path, null, node.adminToken());
    assertEquals(200, removed.statusCode(), removed.body());
    assertNull(new JsonObject(removed.body()).getValue("override"));
    assertEquals(0, new JsonObject(removed.body()).getJsonObject("quota").getLong("events_per_day"));
    assertEquals(200, publish(token).statusCode());
  }

  @Test
  void theNodesDefaultQuotaHoldsEveryAccountWithoutAnOverride() throws Exception {
    try (TestNode strict = TestNode.start("--quotas.account-events-per-day=2")) {
      String token = strict.signUpAndLogIn("limited@example.com", "limited one's password");
      JsonObject body = new JsonObject().put("name", "posted");
      assertEquals(200, strict.post("/v1/devices/events", body.encode(), token).statusCode());
      assertEquals(200, strict.post("/v1/devices/events", body.encode(), token).statusCode());
      HttpResponse<String> refused = strict.post("/v1/devices/events", body.encode(), token);
      assertEquals(429, refused.statusCode());
      assertEquals("quota_exceeded", new JsonObject(refused.body()).getString("error"));
      assertEquals(2, new JsonObject(strict.get("/v1/user/event_usage", token).body()).getJsonObject("quota").getLong("events_per_day"));
      // the bootstrap admin token belongs to no account: its events go to the cloud's bucket, which no quota holds
      for (int i = 0; i < 3; i++) {
        assertEquals(200, strict.post("/v1/devices/events", body.encode(), strict.adminToken()).statusCode());
      }
    }
  }

  /** The PUBACK's reason code: Paho fails the token of one of 0x80 or more. */
  private static int pubackCode(IMqttToken token) {
    try {
      token.waitForCompletion(10_000);
    } catch (MqttException refused) {
      return refused.getReasonCode();
    }
    int[] codes = token.getReasonCodes();
    return codes == null || codes.length == 0 ? 0 : codes[0];
  }

  private static void setQuota(String path, JsonObject quota) throws Exception {
    HttpResponse<String> set = node.send("PUT", path, quota.encode(), node.adminToken());
    assertEquals(200, set.statusCode(), set.body());
  }

  private static HttpResponse<String> publish(String token) throws Exception {
    return node.post("/v1/devices/events", new JsonObject().put("name", "counted").encode(), token);
  }

  private static List<MqttPublishMessage> notices(TestDevice device) {
    return device.received().stream().filter(message -> message.topicName().equals("c/err")).toList();
  }

  private static long count(String deviceId, String name) {
    try {
      return node.countEvents(deviceId, name);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject usageToday(String token) {
    try {
      JsonObject usage = new JsonObject(node.get("/v1/user/event_usage", token).body());
      assertInstanceOf(io.vertx.core.json.JsonArray.class, usage.getValue("usage"));
      return usage.getJsonArray("usage").isEmpty() ? new JsonObject().put("accepted", 0L).put("refused_quota_per_day", 0L)
          : usage.getJsonArray("usage").getJsonObject(0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long acceptedToday(String token) {
    return usageToday(token).getLong("accepted");
  }
}
