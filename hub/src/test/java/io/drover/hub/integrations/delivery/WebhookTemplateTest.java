package io.drover.hub.integrations.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Particle's templates and default data, rendered from an integration's settings as the API stores them. */
class WebhookTemplateTest {

  private static final String DEVICE = "0123456789abcdef01234567";
  private static final OutboxEvent EVENT = new OutboxEvent(42, DEVICE, "temp/kitchen",
      "{\"t\":21.5,\"room\":{\"name\":\"<Kitchen & Co>\"},\"readings\":[{\"v\":1},{\"v\":2}]}", 1_700_000_000_123L, 7L, null);

  private static WebhookRequest render(JsonObject settings, JsonObject secrets, OutboxEvent event) {
    Webhook webhook = Webhook.compile("aaaaaaaaaaaaaaaaaaaaaaaa", settings, secrets, false);
    assertNull(webhook.invalid());
    return webhook.render(event, EventVariables.of(event));
  }

  private static String header(WebhookRequest request, String name) {
    return request.headers().stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
  }

  @Test
  void patchIsSentAsPatchWithTheDefaultDataAsAForm() {
    // the API accepts PATCH; the engine once sent it as POST
    WebhookRequest request = render(new JsonObject().put("url", "https://example.com/hook").put("requestType", "PATCH"), new JsonObject(), EVENT);
    assertEquals("PATCH", request.method());
    assertEquals("application/x-www-form-urlencoded", header(request, "Content-Type"));
    assertTrue(request.body().toString().startsWith("event=temp%2Fkitchen&data="), request.body().toString());
  }

  @Test
  void postWithoutTemplateSendsTheDefaultDataAsAForm() {
    WebhookRequest request = render(new JsonObject().put("url", "https://example.com/hook"), new JsonObject(), EVENT);
    assertEquals("POST", request.method());
    assertEquals("https://example.com/hook", request.url());
    assertEquals("application/x-www-form-urlencoded", header(request, "Content-Type"));
    assertEquals(Webhook.USER_AGENT, header(request, "User-Agent"));
    assertEquals("event=temp%2Fkitchen&data=" + java.net.URLEncoder.encode(EVENT.data(), StandardCharsets.UTF_8)
        + "&published_at=2023-11-14T22%3A13%3A20.123Z&coreid=" + DEVICE, request.body().toString());
  }

  @Test
  void jsonTemplateRendersDotPathsListIndexesEscapedAndRawAndMergesTheDefaults() {
    JsonObject json = new JsonObject().put("temperature", "{{t}}").put("escaped", "{{room.name}}").put("raw", "{{{room.name}}}")
        .put("second", "{{readings.1.v}}").put("all", "{{#readings}}{{v}},{{/readings}}").put("device", "{{PARTICLE_DEVICE_ID}}")
        .put("nested", new JsonObject().put("name", "{{PARTICLE_EVENT_NAME}}")).put("missing", "{{^nothing}}none{{/nothing}}");
    WebhookRequest request = render(new JsonObject().put("url", "https://example.com/{{PARTICLE_DEVICE_ID}}").put("json", json),
        new JsonObject(), EVENT);
    assertEquals("https://example.com/" + DEVICE, request.url());
    assertEquals("application/json", header(request, "Content-Type"));
    JsonObject body = new JsonObject(request.body());
    assertEquals("21.5", body.getString("temperature"));
    assertEquals("&lt;Kitchen &amp; Co&gt;", body.getString("escaped"));
    assertEquals("<Kitchen & Co>", body.getString("raw"));
    assertEquals("2", body.getString("second"));
    assertEquals("1,2,", body.getString("all"));
    assertEquals(DEVICE, body.getString("device"));
    assertEquals("temp/kitchen", body.getJsonObject("nested").getString("name"));
    assertEquals("none", body.getString("missing"));
    // the default data, merged under the template's keys
    assertEquals("temp/kitchen", body.getString("event"));
    assertEquals(DEVICE, body.getString("coreid"));
    assertEquals("2023-11-14T22:13:20.123Z", body.getString("published_at"));
  }

  @Test
  void noDefaultsSendsOnlyTheTemplate() {
    WebhookRequest request = render(new JsonObject().put("url", "https://example.com/").put("noDefaults", true)
        .put("json", new JsonObject().put("v", "{{{PARTICLE_EVENT_VALUE}}}")), new JsonObject(), EVENT);
    assertEquals(new JsonObject().put("v", EVENT.data()), new JsonObject(request.body()));
  }

  @Test
  void getPutsTheDefaultsAndTheQueryTemplateInTheQueryStringAndSendsNoBody() {
    WebhookRequest request = render(new JsonObject().put("url", "http://example.com/q?fixed=1").put("requestType", "GET")
        .put("query", new JsonObject().put("temp", "{{t}}")), new JsonObject(), EVENT);
    assertEquals("GET", request.method());
    assertNull(request.body());
    assertTrue(request.url().startsWith("http://example.com/q?fixed=1&event=temp%2Fkitchen&data="), request.url());
    assertTrue(request.url().endsWith("&coreid=" + DEVICE + "&temp=21.5"), request.url());
  }

  @Test
  void bodyIsSentAsRenderedWithoutDefaultsOrContentType() {
    WebhookRequest request = render(new JsonObject().put("url", "https://example.com/").put("requestType", "PUT")
        .put("body", "t={{t}};raw={{{PARTICLE_EVENT_VALUE}}}"), new JsonObject(), EVENT);
    assertEquals("t=21.5;raw=" + EVENT.data(), request.body().toString());
    assertNull(header(request, "Content-Type"));
  }

  @Test
  void headersAndAuthComeFromTheSecretsRenderedAndAreMaskedInTheLog() {
    WebhookRequest request = render(new JsonObject().put("url", "https://example.com/"),
        new JsonObject().put("headers", new JsonObject().put("X-Api-Key", "key-{{PARTICLE_DEVICE_ID}}"))
            .put("auth", new JsonObject().put("username", "user").put("password", "p@ss")), EVENT);
    assertEquals("key-" + DEVICE, header(request, "X-Api-Key"));
    assertEquals("Basic " + Base64.getEncoder().encodeToString("user:p@ss".getBytes(StandardCharsets.UTF_8)), header(request, "Authorization"));
    String logged = request.describe();
    assertTrue(logged.startsWith("POST https://example.com/\n"), logged);
    assertTrue(logged.contains("X-Api-Key: ****\n"), logged);
    assertTrue(logged.contains("Authorization: ****\n"), logged);
    assertTrue(!logged.contains(DEVICE) && !logged.contains("Basic"), logged);
  }

  @Test
  void topicsDefaultToParticlesAndResponseTemplateSeesTheAnswersJson() {
    Webhook sandbox = Webhook.compile("a", new JsonObject().put("url", "https://x/").put("responseTemplate", "{{answer.value}}/{{t}}"),
        new JsonObject(), false);
    Map<String, Object> variables = EventVariables.of(EVENT);
    assertEquals("hook-response/temp/kitchen", sandbox.responseTopic(variables));
    assertEquals("hook-error/temp/kitchen", sandbox.errorTopic(variables));
    assertEquals("7/21.5", sandbox.responseBody("{\"answer\":{\"value\":7}}", variables));
    Webhook product = Webhook.compile("b", new JsonObject().put("url", "https://x/"), new JsonObject(), true);
    assertEquals(DEVICE + "/hook-response/temp/kitchen", product.responseTopic(variables));
    assertEquals("plain answer", product.responseBody("plain answer", variables));
  }

  @Test
  void aTemplateThatDoesNotParseOrAPartialMakesTheIntegrationInvalid() {
    Webhook unclosed = Webhook.compile("a", new JsonObject().put("url", "https://x/").put("json", new JsonObject().put("v", "{{#open}}")),
        new JsonObject(), false);
    assertNotNull(unclosed.invalid());
    assertTrue(unclosed.invalid().startsWith("template does not parse"), unclosed.invalid());
    Webhook partial = Webhook.compile("a", new JsonObject().put("url", "https://x/").put("body", "{{> /etc/passwd}}"), new JsonObject(), false);
    assertNotNull(partial.invalid());
    Webhook sealedElsewhere = Webhook.compile("a", new JsonObject().put("url", "https://x/"), null, false);
    assertNotNull(sealedElsewhere.invalid());
  }

  @Test
  void plainTextDataIsOnlyTheEventValue() {
    OutboxEvent text = new OutboxEvent(1, DEVICE, "t", "25.3", 0, null, 5);
    Map<String, Object> variables = EventVariables.of(text);
    assertEquals("25.3", variables.get("PARTICLE_EVENT_VALUE"));
    assertEquals("5", variables.get("PRODUCT_ID"));
    assertEquals("25.3", variables.get("SPARK_EVENT_VALUE"));
    assertEquals(DEVICE, variables.get("SPARK_CORE_ID"));
  }
}
