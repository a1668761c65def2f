package io.drover.hub.integrations.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.HubAddresses;
import io.drover.hub.support.ServiceAccountKeys;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Azure IoT Hub and Google Cloud Pub/Sub integrations delivered by a real node (embedded PostgreSQL,
 * an MQTT device, integrations made through the API) to stand-ins that check what the services check:
 * {@link FakeIotHub} recomputes each SAS signature from the policy key, {@link FakeGoogle} verifies
 * each RS256 assertion with the public key of a key pair made here and accepts only tokens it issued.
 * Plain HTTP on loopback (integrations.allow-private-targets); retries wait 1 s then 1 s.
 */
class CloudDeliveryTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String HUB = "drover-test-hub";
  private static final String POLICY = "device";
  private static final String POLICY_KEY = "cG9saWN5LWtleS1vZi10aGUtZHJvdmVyLXRlc3QtaHViLTMyYg==";
  private static final String EMAIL = "publisher@drover-test.iam.gserviceaccount.com";
  private static Vertx vertx;
  private static FakeIotHub hub;
  private static FakeGoogle google;
  private static KeyPair account;
  private static TestNode node;
  private static String token;
  private static DeviceIdentity identity;
  private static TestDevice device;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    hub = FakeIotHub.start(vertx, HUB, POLICY, POLICY_KEY);
    google = FakeGoogle.start(vertx);
    account = ServiceAccountKeys.rsa();
    google.accounts.put(EMAIL, account.getPublic());
    node = TestNode.start("--integrations.allow-private-targets=true", "--integrations.retry-seconds=1,1", "--integrations.poll-interval-ms=100",
        "--integrations.timeout-seconds=2", "--integrations.lease-seconds=12",
        "--integrations.azure-endpoint=http://127.0.0.1:" + hub.port(), "--integrations.pubsub-endpoint=http://127.0.0.1:" + google.port());
    token = node.signUpAndLogIn("clouds@example.com", "a long enough password");
    identity = node.provisionDevice();
    node.claim(identity.id(), token);
    device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    device.close();
    node.close();
    hub.close();
    google.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String azure(String event, String policyKey) throws Exception {
    return create(new JsonObject().put("integration_type", "AzureIotHub").put("event", event).put("hub_name", HUB)
        .put("policy_name", POLICY).put("policy_key", policyKey));
  }

  private static String pubSub(String event, JsonObject keyFile) throws Exception {
    return create(new JsonObject().put("integration_type", "GoogleCloudPubSub").put("event", event)
        .put("topic", "projects/drover-test/topics/fleet-events").put("service_account_key", keyFile));
  }

  private static String create(JsonObject integration) throws Exception {
    HttpResponse<String> created = node.post("/v1/integrations", integration.encode(), token);
    assertEquals(201, created.statusCode(), created.body());
    String id = new JsonObject(created.body()).getString("id");
    // the API publishes its change notice without waiting for the engines: wait until this node's has the row
    IntegrationRows.changed(node, id);
    return id;
  }

  @Test
  void azureGetsEachEventAsADeviceToCloudMessageUnderOneCachedSasToken() throws Exception {
    String id = azure("azure-ok", POLICY_KEY);

    device.publishAcknowledged("e/azure-ok/kitchen", Buffer.buffer("{\"t\":21.5}"));
    device.publishAcknowledged("e/azure-ok/hall", Buffer.buffer("19"));
    device.publishAcknowledged("e/azure-ok/attic", Buffer.buffer("17"));

    TestNode.eventually(WAIT, () -> hub.received.stream().filter(r -> r.headers().get("iothub-app-event") != null
        && r.headers().get("iothub-app-event").startsWith("azure-ok/")).count() == 3, "three messages reach the hub");
    FakeIotHub.Received kitchen = hub.forEvent("azure-ok/kitchen").get(0);
    assertEquals(204, kitchen.status(), kitchen.body());
    assertEquals("/devices/" + identity.id() + "/messages/events", kitchen.path(), "the hub's device ID is the Particle device ID");
    assertEquals("api-version=2021-04-12", kitchen.query());
    assertEquals("application/json; charset=utf-8", kitchen.headers().get("Content-Type"));
    assertEquals("application/json", kitchen.headers().get("iothub-contenttype"));
    assertEquals(identity.id(), kitchen.headers().get("iothub-app-device_id"));
    JsonObject body = new JsonObject(kitchen.body());
    assertEquals("azure-ok/kitchen", body.getString("event"));
    assertEquals("{\"t\":21.5}", body.getString("data"));
    assertEquals(identity.id(), body.getString("device_id"));
    assertEquals(kitchen.headers().get("iothub-app-published_at"), body.getString("published_at"));
    assertTrue(body.getString("published_at").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), body.getString("published_at"));
    List<String> tokens = hub.received.stream().filter(r -> String.valueOf(r.headers().get("iothub-app-event")).startsWith("azure-ok/"))
        .map(r -> r.headers().get("Authorization")).distinct().toList();
    assertEquals(1, tokens.size(), "one SAS token serves every event: " + tokens);

    TestNode.eventually(WAIT, () -> attempts(id).size() == 3 && rows(id) == 0, "three attempts logged, the outbox rows deleted");
    JsonObject attempt = attempts(id).getJsonObject(0);
    assertEquals("success", attempt.getString("outcome"));
    assertEquals(204, attempt.getInteger("status"));
    String request = attempt.getString("request");
    assertTrue(request.startsWith("POST http://127.0.0.1:" + hub.port() + "/devices/" + identity.id() + "/messages/events?api-version=2021-04-12\n"),
        request);
    assertTrue(request.contains("\nAuthorization: ****\n"), request);
    assertSecretsNotLogged(id, POLICY_KEY, signature(tokens.get(0)));
  }

  @Test
  void aWrongPolicyKeyIsRefused401AndDeadLetteredAtOnceWithoutRetries() throws Exception {
    String id = azure("azure-wrongkey", "d3Jvbmcta2V5LW9mLWFub3RoZXItaHViLTEyMzQ1Njc4OQ==");

    device.publishAcknowledged("e/azure-wrongkey", Buffer.buffer("1"));

    TestNode.eventually(WAIT, () -> deadLetters(id).size() == 1, "a dead letter at once");
    JsonObject dead = deadLetters(id).getJsonObject(0);
    assertEquals(1, dead.getInteger("attempts"));
    assertTrue(dead.getString("last_error").startsWith("error status 401 from 127.0.0.1: the credentials were refused"), dead.getString("last_error"));
    TestNode.eventually(WAIT, () -> attempts(id).size() == 1, "the attempt is logged");
    assertEquals("dead", attempts(id).getJsonObject(0).getString("outcome"));
    assertEquals(401, attempts(id).getJsonObject(0).getInteger("status"));
    Thread.sleep(2500);
    assertEquals(1, hub.forEvent("azure-wrongkey").size(), "401 is final: not retried after the retry waits (1 s, 1 s)");
    assertEquals(401, hub.forEvent("azure-wrongkey").get(0).status());
  }

  @Test
  void azureServerErrorsAndThrottlingAreRetriedThenDelivered() throws Exception {
    hub.failures.put("azure-flaky", new int[] {500, 1});
    hub.failures.put("azure-throttled", new int[] {429, 2});
    String flaky = azure("azure-flaky", POLICY_KEY);
    String throttled = azure("azure-throttled", POLICY_KEY);

    device.publishAcknowledged("e/azure-flaky", Buffer.buffer("1"));
    device.publishAcknowledged("e/azure-throttled", Buffer.buffer("2"));

    TestNode.eventually(WAIT, () -> rows(flaky) == 0 && rows(throttled) == 0, "both delivered in the end");
    assertEquals(List.of(500, 204), hub.forEvent("azure-flaky").stream().map(FakeIotHub.Received::status).toList());
    assertEquals(List.of(429, 429, 204), hub.forEvent("azure-throttled").stream().map(FakeIotHub.Received::status).toList());
    TestNode.eventually(WAIT, () -> attempts(throttled).size() == 3, "three attempts logged");
    assertEquals(List.of("success", "retry", "retry"), outcomes(throttled));
    assertEquals("error status 429 from 127.0.0.1: throttled", attempts(throttled).getJsonObject(1).getString("error"));
  }

  @Test
  void theStandInRefusesExpiredForgedAndForeignTokens() throws Exception {
    long inAnHour = System.currentTimeMillis() / 1000 + 3600;
    byte[] key = java.util.Base64.getDecoder().decode(POLICY_KEY);
    String resource = HUB + ".azure-devices.net";
    assertEquals(204, postToHub(SasToken.create(resource, POLICY, key, inAnHour)), "the good token passes, so the refusals below mean something");
    assertEquals(401, postToHub(SasToken.create(resource, POLICY, key, System.currentTimeMillis() / 1000 - 1)), "expired");
    assertEquals(401, postToHub(SasToken.create(resource, POLICY, "b3RoZXI=".getBytes(), inAnHour)), "another key");
    assertEquals(401, postToHub(SasToken.create("other-hub.azure-devices.net", POLICY, key, inAnHour)), "another hub");
    assertEquals(401, postToHub(SasToken.create(resource, "iothubowner", key, inAnHour)), "another policy");
    String good = SasToken.create(resource, POLICY, key, inAnHour);
    assertEquals(401, postToHub(good.replace("&se=" + inAnHour, "&se=" + (inAnHour + 60))), "an expiry changed after signing");
  }

  private static int postToHub(String authorization) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hub.port() + "/devices/" + identity.id()
            + "/messages/events?api-version=2021-04-12"))
        .header("Authorization", authorization).header("Content-Type", "application/json").header("iothub-app-event", "direct")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void pubSubPublishesEachEventWithOneAccessTokenFromTheServiceAccountKey() throws Exception {
    int tokensBefore = google.tokenRequests.get();
    String id = pubSub("gcp-ok", ServiceAccountKeys.file(account.getPrivate(), EMAIL, google.tokenUri()));
    try {
      pubSubPublishes(id, tokensBefore);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; published: " + google.published + "; attempts: " + attempts(id), e);
    }
  }

  private void pubSubPublishes(String id, int tokensBefore) throws Exception {

    device.publishAcknowledged("e/gcp-ok/1", Buffer.buffer("{\"lat\":47.37,\"lon\":8.54}"));
    device.publishAcknowledged("e/gcp-ok/2", Buffer.buffer("plain text \u00e9"));
    device.publishAcknowledged("e/gcp-ok/3", Buffer.buffer(""));

    TestNode.eventually(WAIT, () -> google.published.stream().filter(p -> p.attributes() != null
        && p.attributes().getString("event").startsWith("gcp-ok/")).count() == 3, "three messages are published");
    FakeGoogle.Published first = google.forEvent("gcp-ok/1").get(0);
    assertEquals(200, first.status());
    assertEquals("projects/drover-test/topics/fleet-events", first.topic());
    assertEquals("{\"lat\":47.37,\"lon\":8.54}", first.data(), "data is the event's data, base64 on the wire");
    assertEquals(new JsonObject().put("event", "gcp-ok/1").put("device_id", identity.id())
        .put("published_at", first.attributes().getString("published_at")), first.attributes());
    assertEquals("plain text \u00e9", google.forEvent("gcp-ok/2").get(0).data());
    assertEquals("", google.forEvent("gcp-ok/3").get(0).data());
    assertEquals(1, google.tokenRequests.get() - tokensBefore, "one token request for several events");
    assertEquals(1, google.published.stream().filter(p -> p.attributes() != null && p.attributes().getString("event").startsWith("gcp-ok/"))
        .map(FakeGoogle.Published::authorization).distinct().count());

    TestNode.eventually(WAIT, () -> attempts(id).size() == 3 && rows(id) == 0, "three attempts logged, the rows deleted");
    JsonObject attempt = attempts(id).getJsonObject(0);
    assertEquals("success", attempt.getString("outcome"));
    assertEquals(200, attempt.getInteger("status"));
    assertTrue(attempt.getString("request").startsWith("POST http://127.0.0.1:" + google.port()
        + "/v1/projects/drover-test/topics/fleet-events:publish\n"), attempt.getString("request"));
    assertTrue(attempt.getString("request").contains("\nAuthorization: ****\n"), attempt.getString("request"));
    String accessToken = first.authorization().substring("Bearer ".length());
    String pemBody = ServiceAccountKeys.pem(account.getPrivate()).split("\n")[2];
    assertSecretsNotLogged(id, accessToken, pemBody);
  }

  @Test
  void aTokenIsFetchedAgainWhenItNearsItsExpiry() throws Exception {
    String id = pubSub("gcp-renew", ServiceAccountKeys.file(account.getPrivate(), EMAIL, google.tokenUri()));
    int before = google.tokenRequests.get();
    google.expiresIn.set(2);
    try {
      device.publishAcknowledged("e/gcp-renew/1", Buffer.buffer("1"));
      TestNode.eventually(WAIT, () -> google.forEvent("gcp-renew/1").size() == 1, "the first is published");
      Thread.sleep(1500);
      device.publishAcknowledged("e/gcp-renew/2", Buffer.buffer("2"));
      TestNode.eventually(WAIT, () -> google.forEvent("gcp-renew/2").size() == 1, "the second is published");
    } finally {
      google.expiresIn.set(3599);
    }
    assertEquals(2, google.tokenRequests.get() - before, "a token given 2 s is used for 1 s, then another is fetched");
    assertFalse(google.forEvent("gcp-renew/1").get(0).authorization().equals(google.forEvent("gcp-renew/2").get(0).authorization()));
    assertEquals(200, google.forEvent("gcp-renew/2").get(0).status());
    TestNode.eventually(WAIT, () -> rows(id) == 0, "both delivered");
  }

  @Test
  void aRevokedTokenIsRefused401FinallyAndTheReplayFetchesAnotherOne() throws Exception {
    String id = pubSub("gcp-revoked", ServiceAccountKeys.file(account.getPrivate(), EMAIL, google.tokenUri()));
    device.publishAcknowledged("e/gcp-revoked/1", Buffer.buffer("1"));
    TestNode.eventually(WAIT, () -> google.forEvent("gcp-revoked/1").size() == 1, "the first is published");
    int before = google.tokenRequests.get();
    String first = google.forEvent("gcp-revoked/1").get(0).authorization();
    google.issued.remove(first.substring("Bearer ".length()));

    device.publishAcknowledged("e/gcp-revoked/2", Buffer.buffer("2"));

    TestNode.eventually(WAIT, () -> deadLetters(id).size() == 1, "401 makes a dead letter at once");
    Thread.sleep(2500);
    assertEquals(1, google.published.stream().filter(p -> p.status() == 401 && first.equals(p.authorization())).count(), "not retried");
    assertEquals(before, google.tokenRequests.get(), "no token request until a delivery needs one");
    JsonObject replayed = node.eventBus().<JsonObject>request(HubAddresses.INTEGRATIONS_REPLAY, new JsonObject().put("id", id))
        .await(10, TimeUnit.SECONDS).body();
    assertEquals(1, replayed.getInteger("replayed"));
    TestNode.eventually(WAIT, () -> google.forEvent("gcp-revoked/2").size() == 1, "the replay is published with a new token");
    assertEquals(before + 1, google.tokenRequests.get(), "the refused token was dropped: the replay fetched a new one");
    assertFalse(first.equals(google.forEvent("gcp-revoked/2").get(0).authorization()));
    TestNode.eventually(WAIT, () -> rows(id) == 0, "the replay is delivered");
  }

  @Test
  void pubSubServerErrorAndThrottlingAreRetriedThenDelivered() throws Exception {
    google.failures.put("gcp-flaky", new int[] {503, 1});
    google.failures.put("gcp-throttled", new int[] {429, 1});
    String flaky = pubSub("gcp-flaky", ServiceAccountKeys.file(account.getPrivate(), EMAIL, google.tokenUri()));
    String throttled = pubSub("gcp-throttled", ServiceAccountKeys.file(account.getPrivate(), EMAIL, google.tokenUri()));

    device.publishAcknowledged("e/gcp-flaky", Buffer.buffer("a"));
    device.publishAcknowledged("e/gcp-throttled", Buffer.buffer("b"));

    TestNode.eventually(WAIT, () -> rows(flaky) == 0 && rows(throttled) == 0, "both delivered in the end");
    assertEquals(List.of(503, 200), google.forEvent("gcp-flaky").stream().map(FakeGoogle.Published::status).toList());
    assertEquals(List.of(429, 200), google.forEvent("gcp-throttled").stream().map(FakeGoogle.Published::status).toList());
    TestNode.eventually(WAIT, () -> attempts(flaky).size() == 2, "two attempts logged");
    assertEquals(List.of("success", "retry"), outcomes(flaky));
  }

  @Test
  void aKeyTheTokenEndpointRefusesIsAFinalFailureWithOneTokenRequest() throws Exception {
    KeyPair unknown = ServiceAccountKeys.rsa();
    int refusedBefore = google.tokensRefused.get();
    String id = pubSub("gcp-badkey", ServiceAccountKeys.file(unknown.getPrivate(), EMAIL, google.tokenUri()));
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/hook-error", token)) {

      device.publishAcknowledged("e/gcp-badkey", Buffer.buffer("x"));

      SseClient.Event error = stream.awaitEvent(e -> e.name().equals("hook-error/gcp-badkey/0"), WAIT);
      assertTrue(error.data().getString("data").startsWith("access token not obtained from 127.0.0.1: status 400 invalid_grant: Invalid JWT Signature"),
          error.data().getString("data"));
    }
    TestNode.eventually(WAIT, () -> deadLetters(id).size() == 1, "a dead letter at once");
    Thread.sleep(2500);
    assertEquals(1, google.tokensRefused.get() - refusedBefore, "refused once, not asked again and again");
    assertTrue(google.forEvent("gcp-badkey").isEmpty(), "nothing is published without a token");
    TestNode.eventually(WAIT, () -> attempts(id).size() == 1, "the attempt is logged");
    assertEquals("dead", attempts(id).getJsonObject(0).getString("outcome"));
  }

  @Test
  void theTestButtonSendsOneMessageAndAnswersWithTheMaskedRequest() throws Exception {
    String id = azure("azure-button", POLICY_KEY);
    HttpResponse<String> tested = node.post("/v1/integrations/" + id + "/test",
        new JsonObject().put("data", "hello").put("device_id", identity.id()).encode(), token);
    assertEquals(200, tested.statusCode(), tested.body());
    JsonObject answer = new JsonObject(tested.body());
    assertEquals(true, answer.getBoolean("pass"), tested.body());
    assertEquals(204, answer.getJsonObject("data").getInteger("status"));
    assertTrue(answer.getJsonObject("data").getString("request").contains("\nAuthorization: ****\n"), tested.body());
    assertFalse(tested.body().contains("SharedAccessSignature"), tested.body());
    FakeIotHub.Received sent = hub.forEvent("azure-button").get(0);
    assertEquals("hello", new JsonObject(sent.body()).getString("data"));
  }

  @Test
  void aJsonTemplateReplacesTheDefaultBodyOrData() throws Exception {
    create(new JsonObject().put("integration_type", "AzureIotHub").put("event", "azure-json").put("hub_name", HUB).put("policy_name", POLICY)
        .put("policy_key", POLICY_KEY).put("json", new JsonObject().put("temp", "{{t}}").put("device", "{{PARTICLE_DEVICE_ID}}")
            .put("raw", "{{{PARTICLE_EVENT_VALUE}}}")));
    create(new JsonObject().put("integration_type", "GoogleCloudPubSub").put("event", "gcp-json")
        .put("topic", "projects/drover-test/topics/fleet-events").put("service_account_key", ServiceAccountKeys.file(account.getPrivate(), EMAIL,
            google.tokenUri()))
        .put("json", "{\"t\": {{t}}, \"name\": \"{{PARTICLE_EVENT_NAME}}\"}"));

    device.publishAcknowledged("e/azure-json", Buffer.buffer("{\"t\":4}"));
    device.publishAcknowledged("e/gcp-json", Buffer.buffer("{\"t\":5}"));

    TestNode.eventually(WAIT, () -> hub.forEvent("azure-json").size() == 1 && google.forEvent("gcp-json").size() == 1, "both sent");
    assertEquals(new JsonObject().put("temp", "4").put("device", identity.id()).put("raw", "{\"t\":4}"),
        new JsonObject(hub.forEvent("azure-json").get(0).body()));
    assertEquals(204, hub.forEvent("azure-json").get(0).status());
    assertEquals("{\"t\": 5, \"name\": \"gcp-json\"}", google.forEvent("gcp-json").get(0).data());
    assertEquals("gcp-json", google.forEvent("gcp-json").get(0).attributes().getString("event"), "the attributes stay Particle's");
  }

  /** Nothing of the integration's log (attempts, dead letters) holds the secrets given. */
  private static void assertSecretsNotLogged(String id, String... secrets) throws Exception {
    String everything = node.query("SELECT coalesce(string_agg(concat_ws('|', request, response, error), '|'), '') FROM integration_attempts WHERE integration_id = '"
        + id + "'") + node.query("SELECT coalesce(string_agg(coalesce(last_error, ''), '|'), '') FROM integration_outbox WHERE integration_id = '" + id + "'");
    assertFalse(everything.isEmpty());
    for (String secret : secrets) {
      assertNotNull(secret);
      assertTrue(secret.length() >= 16, "a real secret to look for: " + secret);
      assertFalse(everything.contains(secret), "the log holds a secret: " + secret);
    }
  }

  private static String signature(String sasToken) {
    int at = sasToken.indexOf("sig=");
    return sasToken.substring(at + 4, sasToken.indexOf('&', at));
  }

  private static List<String> outcomes(String id) {
    return attempts(id).stream().map(o -> ((JsonObject) o).getString("outcome")).toList();
  }

  private static JsonObject log(String id, String kind) throws Exception {
    return node.eventBus().<JsonObject>request(HubAddresses.INTEGRATIONS_LOG, new JsonObject().put("id", id).put("kind", kind))
        .await(10, TimeUnit.SECONDS).body();
  }

  private static long rows(String id) {
    try {
      return IntegrationRows.count(node, "SELECT count(*) FROM integration_outbox WHERE integration_id = ?", id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonArray attempts(String id) {
    try {
      return log(id, "attempts").getJsonArray("attempts");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonArray deadLetters(String id) {
    try {
      return log(id, "dead_letters").getJsonArray("dead_letters");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
