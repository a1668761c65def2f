package io.drover.hub.integrations.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.HubAddresses;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The delivery engine against a real node (embedded PostgreSQL, MQTT device) and a real HTTP receiver:
 * events a device publishes reach the receiver rendered as the integration says, the answers come
 * back as hook events on the account's stream, failures are retried, dead-lettered and replayed.
 * Retries wait 1 s then 1 s; a request times out after 2 s.
 */
class WebhookDeliveryTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static Vertx vertx;
  private static TestNode node;
  private static WebhookReceiver receiver;
  private static String token;
  private static long userId;
  private static DeviceIdentity identity;
  private static TestDevice device;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    receiver = WebhookReceiver.start(vertx);
    node = TestNode.start("--integrations.allow-private-targets=true", "--integrations.retry-seconds=1,1", "--integrations.poll-interval-ms=100",
        "--integrations.timeout-seconds=2", "--integrations.lease-seconds=12");
    token = node.signUpAndLogIn("hooks@example.com", "a long enough password");
    userId = Long.parseLong(node.query("SELECT id FROM users WHERE username = 'hooks@example.com'"));
    identity = node.provisionDevice();
    node.claim(identity.id(), token);
    device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
    device.subscribe("c/#");
  }

  @AfterAll
  static void stop() throws Exception {
    device.close();
    node.close();
    receiver.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String sandbox(String event, JsonObject settings, JsonObject secrets) throws Exception {
    return IntegrationRows.create(node, userId, null, event, null, settings, secrets);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> values = new HashMap<>();
    for (String pair : body.split("&")) {
      int equals = pair.indexOf('=');
      values.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return values;
  }

  private static JsonObject log(String id, String kind) throws Exception {
    return node.eventBus().<JsonObject>request(HubAddresses.INTEGRATIONS_LOG, new JsonObject().put("id", id).put("kind", kind))
        .await(10, TimeUnit.SECONDS).body();
  }

  private static long outboxRows(String id) throws Exception {
    return IntegrationRows.count(node, "SELECT count(*) FROM integration_outbox WHERE integration_id = ?", id);
  }

  @Test
  void deviceEventIsPostedAsParticlesDefaultFormAndTheAnswerComesBackIn512BytePiecesToStreamAndDevice() throws Exception {
    String id = sandbox("formtest", new JsonObject().put("url", receiver.url("/ok/1200?hook=form")), null);
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/hook-", token)) {

      device.publishAcknowledged("e/formtest/kitchen", Buffer.buffer("21.5"));

      WebhookReceiver.Received request = receiver.await(r -> r.uri().contains("hook=form"), WAIT);
      assertEquals("POST", request.method());
      assertEquals("application/x-www-form-urlencoded", request.headers().get("Content-Type"));
      assertEquals("ParticleBot/1.1 (https://docs.particle.io/webhooks)", request.headers().get("User-Agent"));
      Map<String, String> form = form(request.body());
      assertEquals("formtest/kitchen", form.get("event"));
      assertEquals("21.5", form.get("data"));
      assertEquals(identity.id(), form.get("coreid"));
      assertTrue(form.get("published_at").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), form.get("published_at"));

      stream.awaitEvent(e -> e.name().equals("hook-sent/formtest/kitchen"), WAIT);
      String body = WebhookReceiver.text(1200);
      SseClient.Event first = stream.awaitEvent(e -> e.name().equals("hook-response/formtest/kitchen/0"), WAIT);
      SseClient.Event second = stream.awaitEvent(e -> e.name().equals("hook-response/formtest/kitchen/1"), WAIT);
      SseClient.Event third = stream.awaitEvent(e -> e.name().equals("hook-response/formtest/kitchen/2"), WAIT);
      assertEquals(body.substring(0, 512), first.data().getString("data"));
      assertEquals(body.substring(512, 1024), second.data().getString("data"));
      assertEquals(body.substring(1024), third.data().getString("data"));
      assertEquals("particle-internal", first.data().getString("coreid"));
    }
    // the device that triggered it gets the pieces over MQTT, on c/e/<name>
    TestNode.eventually(WAIT, () -> deviceReceived("c/e/hook-response/formtest/kitchen/2") != null, "the last piece reaches the device");
    String body = WebhookReceiver.text(1200);
    assertEquals(body.substring(0, 512), deviceReceived("c/e/hook-response/formtest/kitchen/0"));
    assertEquals(body.substring(512, 1024), deviceReceived("c/e/hook-response/formtest/kitchen/1"));
    assertEquals(body.substring(1024), deviceReceived("c/e/hook-response/formtest/kitchen/2"));
    TestNode.eventually(WAIT, () -> rows(id) == 0, "the delivered outbox row is deleted");
    TestNode.eventually(WAIT, () -> attempts(id).size() == 1, "the attempt is logged");
    JsonObject attempt = attempts(id).getJsonObject(0);
    assertEquals("success", attempt.getString("outcome"));
    assertEquals(200, attempt.getInteger("status"));
    assertEquals(1024, attempt.getString("response").length(), "the log keeps the first KiB of the answer");
    assertTrue(attempt.getString("request").startsWith("POST " + receiver.url("/ok/1200?hook=form") + "\n"), attempt.getString("request"));
    assertEquals(1, IntegrationRows.count(node, "SELECT count(*) FROM events WHERE name = 'hook-sent/formtest/kitchen'"),
        "hook events take the normal event path: stored");
  }

  @Test
  void jsonTemplateWithDotPathsRawValuesAndSealedHeadersAndAuth() throws Exception {
    JsonObject json = new JsonObject().put("temp", "{{reading.t}}").put("label", "{{{reading.label}}}").put("escaped", "{{reading.label}}")
        .put("first", "{{list.0.v}}").put("device", "{{PARTICLE_DEVICE_ID}}");
    sandbox("jsontest", new JsonObject().put("url", receiver.url("/ok/2?hook={{PARTICLE_EVENT_NAME}}")).put("json", json),
        new JsonObject().put("headers", new JsonObject().put("X-Secret", "s3cret-{{PARTICLE_DEVICE_ID}}"))
            .put("auth", new JsonObject().put("username", "u").put("password", "p")));

    device.publishAcknowledged("e/jsontest", Buffer.buffer("{\"reading\":{\"t\":21.5,\"label\":\"a<b\"},\"list\":[{\"v\":\"x\"}]}"));

    WebhookReceiver.Received request = receiver.await(r -> r.uri().endsWith("hook=jsontest"), WAIT);
    assertEquals("application/json", request.headers().get("Content-Type"));
    assertEquals("s3cret-" + identity.id(), request.headers().get("X-Secret"));
    assertEquals("Basic dTpw", request.headers().get("Authorization"));
    JsonObject body = new JsonObject(request.body());
    assertEquals("21.5", body.getString("temp"));
    assertEquals("a<b", body.getString("label"));
    assertEquals("a&lt;b", body.getString("escaped"));
    assertEquals("x", body.getString("first"));
    assertEquals(identity.id(), body.getString("device"));
    assertEquals("jsontest", body.getString("event"), "the default data is merged in");
  }

  @Test
  void getSendsTheDefaultsInTheQueryAndNoDefaultsTurnsThemOff() throws Exception {
    sandbox("gettest", new JsonObject().put("url", receiver.url("/ok/0")).put("requestType", "GET").put("query", new JsonObject().put("k", "{{v}}")),
        null);
    sandbox("nodefaults", new JsonObject().put("url", receiver.url("/ok/0?hook=nodefaults")).put("noDefaults", true), null);

    device.publishAcknowledged("e/gettest", Buffer.buffer("{\"v\":\"7\"}"));
    device.publishAcknowledged("e/nodefaults", Buffer.buffer("ignored"));

    WebhookReceiver.Received get = receiver.await(r -> r.method().equals("GET") && r.uri().contains("event=gettest"), WAIT);
    assertTrue(get.uri().contains("coreid=" + identity.id()) && get.uri().endsWith("&k=7"), get.uri());
    assertEquals("", get.body());
    WebhookReceiver.Received plain = receiver.await(r -> r.uri().contains("hook=nodefaults"), WAIT);
    assertEquals("", plain.body());
    assertNull(plain.headers().get("Content-Type"));
  }

  @Test
  void serverErrorsAreRetriedThenDeadLetteredAndReplayDeliversThem() throws Exception {
    receiver.failing.set(1);
    String id = sandbox("flaky", new JsonObject().put("url", receiver.url("/flaky?hook=flaky")), null);
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/hook-error", token)) {

      device.publishAcknowledged("e/flaky", Buffer.buffer("1"));

      SseClient.Event error = stream.awaitEvent(e -> e.name().equals("hook-error/flaky/0"), WAIT);
      assertEquals("error status 500 from 127.0.0.1", error.data().getString("data"));
      TestNode.eventually(WAIT, () -> deadLetters(id).size() == 1, "a dead letter after the first attempt and 2 retries");
    }
    assertEquals(3, receiver.matching(r -> r.uri().contains("hook=flaky")).size(), "one attempt and two retries");
    JsonObject dead = deadLetters(id).getJsonObject(0);
    assertEquals(3, dead.getInteger("attempts"));
    assertEquals("error status 500 from 127.0.0.1", dead.getString("last_error"));
    assertEquals("flaky", dead.getString("event"));
    TestNode.eventually(WAIT, () -> attempts(id).size() == 3, "three attempts logged");
    assertEquals("dead", attempts(id).getJsonObject(0).getString("outcome"));
    assertEquals("retry", attempts(id).getJsonObject(2).getString("outcome"));

    receiver.failing.set(0);
    JsonObject replayed = node.eventBus().<JsonObject>request(HubAddresses.INTEGRATIONS_REPLAY, new JsonObject().put("id", id))
        .await(10, TimeUnit.SECONDS).body();
    assertEquals(1, replayed.getInteger("replayed"));
    TestNode.eventually(WAIT, () -> rows(id) == 0, "the replayed dead letter is delivered and its row deleted");
    assertEquals(4, receiver.matching(r -> r.uri().contains("hook=flaky")).size());
    TestNode.eventually(WAIT, () -> "success".equals(attempts(id).getJsonObject(0).getString("outcome")), "the replay's success is logged");
  }

  @Test
  void clientErrorIsNotRetriedAndTellsTheDevice() throws Exception {
    String id = sandbox("notfound", new JsonObject().put("url", receiver.url("/status/404?hook=notfound")), null);
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/hook-error", token)) {
      device.publishAcknowledged("e/notfound", Buffer.buffer("1"));
      SseClient.Event error = stream.awaitEvent(e -> e.name().equals("hook-error/notfound/0"), WAIT);
      assertEquals("error status 404 from 127.0.0.1", error.data().getString("data"));
    }
    TestNode.eventually(WAIT, () -> "error status 404 from 127.0.0.1".equals(deviceReceived("c/e/hook-error/notfound/0")),
        "the device hears of the error too");
    TestNode.eventually(WAIT, () -> deadLetters(id).size() == 1, "a dead letter at once");
    Thread.sleep(2500);
    assertEquals(1, receiver.matching(r -> r.uri().contains("hook=notfound")).size(), "4xx is never retried");
  }

  @Test
  void hangingReceiverTimesOutWithoutHoldingUpOtherDeliveries() throws Exception {
    String hanging = sandbox("hangtest", new JsonObject().put("url", receiver.url("/hang?hook=hang")), null);
    sandbox("hangtest", new JsonObject().put("url", receiver.url("/ok/1?hook=beside-hang")), null);

    device.publishAcknowledged("e/hangtest", Buffer.buffer("1"));

    WebhookReceiver.Received beside = receiver.await(r -> r.uri().contains("hook=beside-hang"), WAIT);
    WebhookReceiver.Received hung = receiver.await(r -> r.uri().contains("hook=hang"), WAIT);
    assertTrue(beside.atNanos() - hung.atNanos() < TimeUnit.SECONDS.toNanos(1), "the other integration did not wait for the hanging one");
    TestNode.eventually(WAIT, () -> !attempts(hanging).isEmpty(), "the timed-out attempt is logged");
    JsonObject attempt = attempts(hanging).getJsonObject(attempts(hanging).size() - 1);
    assertEquals("retry", attempt.getString("outcome"));
    assertTrue(attempt.getString("error").startsWith("timeout"), attempt.getString("error"));
    assertNull(attempt.getValue("status"));
    TestNode.eventually(WAIT, () -> receiver.matching(r -> r.uri().contains("hook=hang")).size() == 3, "retried after its timeouts");
    TestNode.eventually(WAIT, () -> deadLetters(hanging).size() == 1, "dead after the last timeout");
  }

  @Test
  void tenMegabyteAnswerIsReadWithoutKeepingItAndConnectionCutMidAnswerIsRetried() throws Exception {
    String big = sandbox("bigtest", new JsonObject().put("url", receiver.url("/big")), null);
    String cut = sandbox("cuttest", new JsonObject().put("url", receiver.url("/cut")), null);
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/hook-response/bigtest", token)) {

      device.publishAcknowledged("e/bigtest", Buffer.buffer("1"));
      device.publishAcknowledged("e/cuttest", Buffer.buffer("1"));

      TestNode.eventually(WAIT, () -> !attempts(big).isEmpty(), "the 10 MB answer's attempt is logged");
      JsonObject attempt = attempts(big).getJsonObject(0);
      assertEquals("success", attempt.getString("outcome"));
      assertEquals(WebhookReceiver.text(1024), attempt.getString("response"));
      stream.awaitEvent(e -> e.name().equals("hook-response/bigtest/9"), WAIT);
      Thread.sleep(300);
      assertEquals(10, stream.events().stream().filter(e -> e.name().startsWith("hook-response/bigtest/")).count(),
          "at most 10 pieces of 512 bytes reach the device");
    }
    TestNode.eventually(WAIT, () -> !attempts(cut).isEmpty(), "the cut answer's attempt is logged");
    JsonObject attempt = attempts(cut).getJsonObject(0);
    assertEquals("retry", attempt.getString("outcome"));
    assertTrue(attempt.getString("error") != null && !attempt.getString("error").isEmpty());
  }

  @Test
  void http2ReceiverWithASelfSignedCertificateIsReachedOnlyWhenRejectUnauthorizedIsFalse() throws Exception {
    WebhookReceiver tls = WebhookReceiver.startTls(vertx);
    try {
      String trusting = sandbox("h2test", new JsonObject().put("url", tls.url("/ok/5?hook=h2-trusting")).put("rejectUnauthorized", false), null);
      String verifying = sandbox("h2test", new JsonObject().put("url", tls.url("/ok/5?hook=h2-verifying")), null);

      device.publishAcknowledged("e/h2test", Buffer.buffer("1"));

      WebhookReceiver.Received request = tls.await(r -> r.uri().contains("hook=h2-trusting"), WAIT);
      assertEquals(io.vertx.core.http.HttpVersion.HTTP_2, request.version(), "ALPN chose HTTP/2");
      // on a loaded machine a first TLS handshake may outlast the 2 s timeout: a retry then, so look for the success
      TestNode.eventually(WAIT, () -> withOutcome(attempts(trusting), "success") != null, "the trusting integration's success is logged");
      assertEquals("01234", withOutcome(attempts(trusting), "success").getString("response"));
      String refusal = "the receiver's certificate is not accepted (rejectUnauthorized is true): ";
      TestNode.eventually(WAIT, () -> attempts(verifying).stream().map(a -> ((JsonObject) a).getString("error"))
          .anyMatch(error -> error != null && error.startsWith(refusal)), "the verifying integration's attempt is logged with the certificate problem");
      for (Object attempt : attempts(verifying)) {
        assertNull(((JsonObject) attempt).getValue("status"), "no answer: the handshake failed");
      }
      assertTrue(tls.matching(r -> r.uri().contains("hook=h2-verifying")).isEmpty(), "rejectUnauthorized (the default) sent nothing");
    } finally {
      tls.close();
    }
  }

  @Test
  void aStoredTemplateThatDoesNotParseIsADeadLetterAtOnceWithItsReason() throws Exception {
    // the API refuses such a template (IntegrationsApiTest); a row written otherwise must not loop
    String broken = sandbox("brokentest", new JsonObject().put("url", receiver.url("/ok/0?hook=broken&x={{#open}}")), null);

    device.publishAcknowledged("e/brokentest", Buffer.buffer("1"));

    TestNode.eventually(WAIT, () -> deadLetters(broken).size() == 1, "a dead letter at once");
    JsonObject dead = deadLetters(broken).getJsonObject(0);
    assertEquals(1, dead.getInteger("attempts"));
    assertTrue(dead.getString("last_error").startsWith("template does not parse: Failed to close 'open' tag"), dead.getString("last_error"));
    Thread.sleep(2500);
    assertEquals(1, deadLetters(broken).getJsonObject(0).getInteger("attempts"), "never retried");
    assertTrue(receiver.matching(r -> r.uri().contains("hook=broken")).isEmpty());
  }

  @Test
  void deliveriesAreCountedInThePrometheusMetrics() throws Exception {
    double success = node.metric("drover_integration_deliveries_total{outcome=\"success\"}");
    double dead = node.metric("drover_integration_deliveries_total{outcome=\"dead\"}");
    double requests = node.metric("drover_integration_request_latency_seconds_count");
    double firstAttempts = node.metric("drover_integration_delivery_latency_seconds_count");
    sandbox("metricstest", new JsonObject().put("url", receiver.url("/ok/1?hook=metrics-ok")), null);
    sandbox("metricstest", new JsonObject().put("url", receiver.url("/status/400?hook=metrics-bad")), null);

    device.publishAcknowledged("e/metricstest", Buffer.buffer("1"));

    receiver.await(r -> r.uri().contains("hook=metrics-ok"), WAIT);
    receiver.await(r -> r.uri().contains("hook=metrics-bad"), WAIT);
    TestNode.eventually(WAIT, () -> metric("drover_integration_deliveries_total{outcome=\"dead\"}") >= dead + 1, "the 400 is counted dead");
    assertTrue(metric("drover_integration_deliveries_total{outcome=\"success\"}") >= success + 1, "the 200 is counted a success");
    assertTrue(node.metric("drover_integration_request_latency_seconds_count") >= requests + 2, "both requests are timed");
    assertTrue(node.metric("drover_integration_delivery_latency_seconds_count") >= firstAttempts + 2, "both first attempts are timed");
    assertEquals(IntegrationRows.count(node, "SELECT count(*) FROM integrations WHERE integration_type = 'Webhook'"),
        (long) node.metric("drover_integration_loaded"), "every Webhook row is in the index");
  }

  private static JsonObject withOutcome(JsonArray attempts, String outcome) {
    for (Object attempt : attempts) {
      if (outcome.equals(((JsonObject) attempt).getString("outcome"))) {
        return (JsonObject) attempt;
      }
    }
    return null;
  }

  private static double metric(String series) {
    try {
      return node.metric(series);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void retentionTrimsTheLogAndTheDeadLettersByItsSettingAndKeepsLiveRows() throws Exception {
    String id = sandbox("retentiontest", new JsonObject().put("url", receiver.url("/ok/0?hook=retention")), null);
    String gone = IntegrationRows.newId();
    IntegrationRows.execute(node, """
        INSERT INTO integration_attempts (integration_id, event_id, attempt, at, outcome) VALUES
          (?, 1, 1, now() - interval '3 days', 'dead'), (?, 2, 1, now() - interval '1 hour', 'dead')""", id, id);
    IntegrationRows.execute(node, """
        INSERT INTO integration_outbox (event_id, integration_id, dead, created_at, due_at) VALUES
          (1, ?, true, now() - interval '3 days', now()), (2, ?, true, now() - interval '1 hour', now()),
          (3, ?, false, now() - interval '3 days', now() + interval '1 day'), (4, ?, true, now(), now())""", id, id, id, gone);
    IntegrationRows.execute(node, """
        INSERT INTO integration_counts (integration_id, hour, success) VALUES
          (?, date_trunc('hour', now()) - interval '40 days', 1), (?, date_trunc('hour', now()) - interval '2 days', 1)""", id, id);
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool().connectingTo(node.node().database().connectOptions()).using(vertx).build();
    try {
      OutboxRepository outbox = new OutboxRepository(pool);

      outbox.prune((int) Duration.ofDays(2).toSeconds()).await(10, TimeUnit.SECONDS);

      assertEquals(1, IntegrationRows.count(node, "SELECT count(*) FROM integration_attempts WHERE integration_id = ?", id), "the 3-day-old attempt goes");
      assertEquals(0, IntegrationRows.count(node, "SELECT count(*) FROM integration_outbox WHERE integration_id = ? AND event_id = 1", id),
          "the 3-day-old dead letter goes");
      assertEquals(1, IntegrationRows.count(node, "SELECT count(*) FROM integration_outbox WHERE integration_id = ? AND event_id = 2", id));
      assertEquals(1, IntegrationRows.count(node, "SELECT count(*) FROM integration_outbox WHERE integration_id = ? AND event_id = 3", id),
          "a live row is never pruned, however old");
      assertEquals(0, IntegrationRows.count(node, "SELECT count(*) FROM integration_outbox WHERE integration_id = ?", gone),
          "rows of a deleted integration go");
      assertEquals(1, IntegrationRows.count(node, "SELECT count(*) FROM integration_counts WHERE integration_id = ?", id), "counts keep 31 days");

      outbox.prune((int) Duration.ofMinutes(30).toSeconds()).await(10, TimeUnit.SECONDS);

      assertEquals(0, IntegrationRows.count(node, "SELECT count(*) FROM integration_attempts WHERE integration_id = ?", id),
          "a shorter retention trims more");
      assertEquals(0, IntegrationRows.count(node, "SELECT count(*) FROM integration_outbox WHERE integration_id = ? AND dead", id));
    } finally {
      pool.close().await(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void disabledIntegrationIsSkippedAndCounted() throws Exception {
    String id = sandbox("disabledtest", new JsonObject().put("url", receiver.url("/ok/0?hook=disabled")), null);
    IntegrationRows.execute(node, "UPDATE integrations SET disabled = true WHERE id = ?", id);
    IntegrationRows.changed(node, id);

    device.publishAcknowledged("e/disabledtest", Buffer.buffer("1"));

    TestNode.eventually(WAIT, () -> {
      JsonArray counts = counts(id);
      return counts.size() == 1 && counts.getJsonObject(0).getLong("skipped") == 1;
    }, "counted as skipped");
    assertEquals(0, rows(id), "no outbox row for a disabled integration");
    assertTrue(receiver.matching(r -> r.uri().contains("hook=disabled")).isEmpty());
  }

  @Test
  void pauseAndResumeChangeOnlyWhetherItSendsAndTheLogFiltersByOutcomeAndTime() throws Exception {
    String id = sandbox("pausetest", new JsonObject().put("url", receiver.url("/ok/0?hook=pause")),
        new JsonObject().put("headers", new JsonObject().put("X-Key", "kept secret")));
    String stranger = node.signUpAndLogIn("pause-stranger@example.com", "a long enough password");
    var refused = node.post("/v1/integrations/" + id + "/pause", "", stranger);
    assertEquals(404, refused.statusCode(), "another account's integration is not found");
    assertEquals("not_found", new JsonObject(refused.body()).getString("error"));
    assertEquals(404, node.post("/v1/integrations/" + IntegrationRows.newId() + "/resume", "", token).statusCode());

    var paused = node.post("/v1/integrations/" + id + "/pause", "", token);
    assertEquals(200, paused.statusCode(), paused.body());
    assertEquals(true, new JsonObject(paused.body()).getJsonObject("integration").getBoolean("disabled"), paused.body());
    device.publishAcknowledged("e/pausetest", Buffer.buffer("while paused"));
    TestNode.eventually(WAIT, () -> {
      JsonArray counts = counts(id);
      return counts.size() == 1 && counts.getJsonObject(0).getLong("skipped") == 1;
    }, "the event sent while paused is counted as skipped");
    assertEquals(0, rows(id), "and not queued");

    var resumed = node.post("/v1/integrations/" + id + "/resume", "", token);
    assertEquals(200, resumed.statusCode(), resumed.body());
    assertEquals(false, new JsonObject(resumed.body()).getJsonObject("integration").getBoolean("disabled"));
    // the change notice reaches the engine a moment after the answer: publish until one is sent
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (receiver.matching(r -> r.uri().contains("hook=pause")).isEmpty() && System.nanoTime() < deadline) {
      device.publishAcknowledged("e/pausetest", Buffer.buffer("resumed"));
      Thread.sleep(200);
    }
    assertFalse(receiver.matching(r -> r.uri().contains("hook=pause")).isEmpty(), "sent again once resumed");
    WebhookReceiver.Received sent = receiver.matching(r -> r.uri().contains("hook=pause")).get(0);
    assertEquals("kept secret", sent.headers().get("X-Key"), "pause and resume keep the secrets without sending them again");
    assertEquals("resumed", form(sent.body()).get("data"));

    TestNode.eventually(WAIT, () -> attempts(id).size() >= 1, "the success is logged");
    String since = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).minusHours(1).toString();
    var successes = node.get("/v1/integrations/" + id + "/log?outcome=success&since=" + since, token);
    assertEquals(200, successes.statusCode(), successes.body());
    assertTrue(new JsonObject(successes.body()).getJsonArray("attempts").size() >= 1);
    var deadOnes = node.get("/v1/integrations/" + id + "/log?outcome=dead", token);
    assertEquals(0, new JsonObject(deadOnes.body()).getJsonArray("attempts").size(), "no dead attempt");
    String later = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).plusHours(1).toString();
    assertEquals(0, new JsonObject(node.get("/v1/integrations/" + id + "/log?since=" + later, token).body()).getJsonArray("attempts").size(),
        "nothing since a time to come");
    var badOutcome = node.get("/v1/integrations/" + id + "/log?outcome=maybe", token);
    assertEquals(400, badOutcome.statusCode());
    assertEquals(new JsonObject().put("ok", false).put("error", "invalid_request").put("error_description", "outcome must be one of success, retry, dead"),
        new JsonObject(badOutcome.body()));
  }

  @Test
  void tooManyRequestsIsRetriedAndOtherClientErrorsAreNot() throws Exception {
    String throttled = sandbox("throttledtest", new JsonObject().put("url", receiver.url("/status/429?hook=throttled")), null);
    String gone = sandbox("throttledtest", new JsonObject().put("url", receiver.url("/status/404?hook=gone")), null);

    device.publishAcknowledged("e/throttledtest", Buffer.buffer("1"));

    TestNode.eventually(WAIT, () -> attempts(throttled).size() == 3 && attempts(gone).size() == 1, "429 tried three times, 404 once");
    assertEquals("retry", attempts(throttled).getJsonObject(2).getString("outcome"), "the first 429 is retried");
    assertEquals("dead", attempts(gone).getJsonObject(0).getString("outcome"), "a 404 is final");
  }

  @Test
  void otherAccountsEventsDeviceFiltersAndHookEventsDoNotTrigger() throws Exception {
    String otherDevice = "ffffffffffffffffffffffff";
    IntegrationRows.create(node, userId, null, "filtered", otherDevice, new JsonObject().put("url", receiver.url("/ok/0?hook=filtered")), null);
    String all = sandbox("hook-", new JsonObject().put("url", receiver.url("/ok/0?hook=loop")), null);
    String stranger = node.signUpAndLogIn("stranger@example.com", "a long enough password");
    long strangerId = Long.parseLong(node.query("SELECT id FROM users WHERE username = 'stranger@example.com'"));
    IntegrationRows.create(node, strangerId, null, "filtered", null, new JsonObject().put("url", receiver.url("/ok/0?hook=stranger")), null);
    String marker = sandbox("filtered", new JsonObject().put("url", receiver.url("/ok/0?hook=marker")), null);

    device.publishAcknowledged("e/filtered", Buffer.buffer("1"));

    receiver.await(r -> r.uri().contains("hook=marker"), WAIT);
    Thread.sleep(500);
    assertTrue(receiver.matching(r -> r.uri().contains("hook=filtered")).isEmpty(), "an integration for another device");
    assertTrue(receiver.matching(r -> r.uri().contains("hook=stranger")).isEmpty(), "another account's integration");
    assertTrue(receiver.matching(r -> r.uri().contains("hook=loop")).isEmpty(), "hook-* events never trigger");
    assertEquals(0, rows(all));
    assertTrue(stranger != null && marker != null);
  }

  @Test
  void eventsTheAccountPublishesThroughTheApiTrigger() throws Exception {
    sandbox("apitest", new JsonObject().put("url", receiver.url("/ok/0?hook=api")), null);
    assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", "apitest").put("data", "x").encode(), token).statusCode());
    WebhookReceiver.Received request = receiver.await(r -> r.uri().contains("hook=api"), WAIT);
    assertEquals("api", form(request.body()).get("coreid"));
  }

  @Test
  void testButtonSendsOnceAndAnswersWithTheRequestAndTheAnswer() throws Exception {
    String id = sandbox("buttontest", new JsonObject().put("url", receiver.url("/ok/3?hook=button")), null);
    JsonObject reply = node.eventBus().<JsonObject>request(HubAddresses.INTEGRATIONS_TEST,
        new JsonObject().put("id", id).put("data", "hello").put("device_id", identity.id())).await(10, TimeUnit.SECONDS).body();
    assertEquals(true, reply.getBoolean("pass"));
    assertEquals(200, reply.getJsonObject("data").getInteger("status"));
    assertEquals("012", reply.getJsonObject("data").getString("response"));
    assertTrue(reply.getJsonObject("data").getString("request").startsWith("POST " + receiver.url("/ok/3?hook=button")));
    assertEquals("hello", form(receiver.await(r -> r.uri().contains("hook=button"), WAIT).body()).get("data"));
    assertEquals(0, rows(id), "a test leaves no outbox row");

    String failing = sandbox("buttontest", new JsonObject().put("url", receiver.url("/status/503")), null);
    JsonObject failed = node.eventBus().<JsonObject>request(HubAddresses.INTEGRATIONS_TEST, new JsonObject().put("id", failing))
        .await(10, TimeUnit.SECONDS).body();
    assertEquals(false, failed.getBoolean("pass"));
    assertEquals(503, failed.getJsonObject("data").getInteger("status"));
    assertEquals("error status 503 from 127.0.0.1", failed.getJsonObject("data").getString("error"));

    io.vertx.core.eventbus.ReplyException unknown = org.junit.jupiter.api.Assertions.assertThrows(io.vertx.core.eventbus.ReplyException.class,
        () -> node.eventBus().request(HubAddresses.INTEGRATIONS_TEST, new JsonObject().put("id", IntegrationRows.newId())).await(10, TimeUnit.SECONDS));
    assertEquals(404, unknown.failureCode());
  }

  @Test
  void logRoutesAnswerTheOwnerAndRefuseBadInputInTheApisErrorShape() throws Exception {
    String id = sandbox("routetest", new JsonObject().put("url", receiver.url("/status/410?hook=route")), null);
    device.publishAcknowledged("e/routetest", Buffer.buffer("1"));
    TestNode.eventually(WAIT, () -> deadLetters(id).size() == 1, "a dead letter");

    var log = node.get("/v1/integrations/" + id + "/log?limit=10", token);
    assertEquals(200, log.statusCode(), log.body());
    JsonObject attempt = new JsonObject(log.body()).getJsonArray("attempts").getJsonObject(0);
    assertEquals(410, attempt.getInteger("status"));
    assertEquals("dead", attempt.getString("outcome"));
    var dead = node.get("/v1/integrations/" + id + "/dead-letters", token);
    assertEquals(200, dead.statusCode());
    assertEquals("error status 410 from 127.0.0.1", new JsonObject(dead.body()).getJsonArray("dead_letters").getJsonObject(0).getString("last_error"));
    TestNode.eventually(WAIT, () -> {
      try {
        var counts = new JsonObject(node.get("/v1/integrations/" + id + "/counts", token).body()).getJsonArray("counts");
        return counts.size() == 1 && counts.getJsonObject(0).getLong("error") == 1;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "the error is counted in its hour");

    var badLimit = node.get("/v1/integrations/" + id + "/log?limit=0", token);
    assertEquals(400, badLimit.statusCode());
    assertEquals(new JsonObject().put("ok", false).put("error", "invalid_request").put("error_description", "limit must be a whole number from 1 to 1000"),
        new JsonObject(badLimit.body()));
    var badTime = node.get("/v1/integrations/" + id + "/log?before=yesterday", token);
    assertEquals(400, badTime.statusCode());
    assertEquals("invalid_request", new JsonObject(badTime.body()).getString("error"));
    var badEvent = node.post("/v1/integrations/" + id + "/dead-letters/replay", new JsonObject().put("event_id", "x").encode(), token);
    assertEquals(400, badEvent.statusCode());
    var unknown = node.get("/v1/integrations/" + IntegrationRows.newId() + "/log", token);
    assertEquals(404, unknown.statusCode());
    assertEquals("not_found", new JsonObject(unknown.body()).getString("error"));
    var malformed = node.get("/v1/integrations/not-an-id/log", token);
    assertEquals(404, malformed.statusCode());
    String stranger = node.signUpAndLogIn("route-stranger@example.com", "a long enough password");
    assertEquals(404, node.get("/v1/integrations/" + id + "/log", stranger).statusCode(), "another account's integration is not found");

    var replay = node.post("/v1/integrations/" + id + "/dead-letters/replay", "{}", token);
    assertEquals(200, replay.statusCode(), replay.body());
    assertEquals(1, new JsonObject(replay.body()).getInteger("replayed"));
    TestNode.eventually(WAIT, () -> receiver.matching(r -> r.uri().contains("hook=route")).size() == 2, "the replay is sent");
  }

  private static String deviceReceived(String topic) {
    for (var message : device.received()) {
      if (message.topicName().equals(topic)) {
        return message.payload().toString();
      }
    }
    return null;
  }

  private static long rows(String id) {
    try {
      return outboxRows(id);
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

  private static JsonArray counts(String id) {
    try {
      return log(id, "counts").getJsonArray("counts");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
