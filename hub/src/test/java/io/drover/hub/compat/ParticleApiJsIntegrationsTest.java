package io.drover.hub.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.devices.SecretSealer;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * particle-api-js 12.0.3, unchanged, creating, listing, editing and deleting webhooks and
 * integrations on a real node (hub/src/test/js/api-js-integrations.mjs prints what each call
 * answered); this test checks those answers and what the node stored from what api-js sent.
 */
class ParticleApiJsIntegrationsTest {

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

  @Test
  void apiJsCreatesListsEditsAndDeletesWebhooksAndIntegrations() throws Exception {
    String token = node.signUpAndLogIn("api-js-hooks@example.com", "correct horse battery staple");
    String device = node.provisionDevice().id();
    node.claim(device, token);
    String product = String.valueOf(new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject()
        .put("name", "Hooked").put("platform_id", 12)).encode(), token).body()).getJsonObject("product").getValue("id"));
    SecretSealer sealer = SecretSealer.loadAtStart(node.dataDir().resolve(SecretSealer.FILE_NAME));

    Map<String, JsonObject> steps = run(device, product, token, sealer);

    JsonObject created = steps.get("createWebhook");
    assertEquals(201, created.getInteger("statusCode"));
    assertEquals(true, created.getBoolean("ok"));
    String id = created.getString("id");
    assertTrue(id.matches("[0-9a-f]{24}"), id);
    assertEquals("temp", created.getString("event"));
    assertEquals("https://203.0.113.7/ingest/{{PARTICLE_DEVICE_ID}}", created.getString("url"));
    assertEquals(device, created.getString("deviceID"), "api-js sends deviceId; the node answers deviceID");
    assertTrue(created.getString("hookUrl").endsWith("/v1/webhooks/" + id), created.encode());
    assertTrue(created.containsKey("created_at") && created.containsKey("name"), created.encode());

    JsonObject sent = steps.get("sentAsStored");
    assertEquals(new JsonObject().put("requestType", "PUT").put("url", "https://203.0.113.7/ingest/{{PARTICLE_DEVICE_ID}}")
        .put("json", new JsonObject().put("value", "{{{PARTICLE_EVENT_VALUE}}}")).put("responseTemplate", "{{reading}}")
        .put("responseTopic", "temp-ok").put("errorResponseTopic", "temp-failed").put("noDefaults", true).put("rejectUnauthorized", false),
        sent.getJsonObject("settings"), "hook.method, responseEvent and errorResponseEvent as api-js renames them");
    assertEquals(new JsonObject().put("headers", new JsonObject().put("X-Api-Key", "key-from-api-js-12345"))
        .put("auth", new JsonObject().put("username", "hook-user").put("password", "hook-password-from-api-js")), sent.getJsonObject("secrets"));

    assertEquals(201, steps.get("createProductWebhook").getInteger("statusCode"));
    String productHook = steps.get("createProductWebhook").getString("id");
    assertEquals(List.of(id), ids(steps.get("listWebhooks").getJsonArray("hooks")));
    assertEquals(List.of(productHook), ids(steps.get("listProductWebhooks").getJsonArray("hooks")));
    JsonObject listed = steps.get("listWebhooks").getJsonArray("hooks").getJsonObject(0);
    assertEquals("PUT", listed.getString("requestType"));
    assertEquals("Webhook", listed.getString("integration_type"));

    JsonObject refused = steps.get("createWebhookRefused");
    assertEquals(400, refused.getInteger("statusCode"));
    assertEquals("target_not_allowed", refused.getString("error"));

    JsonObject azure = steps.get("createIntegration");
    assertEquals(201, azure.getInteger("statusCode"));
    assertEquals("AzureIotHub", azure.getString("integration_type"));
    assertEquals(device, azure.getString("deviceID"), "createIntegration sends deviceid");
    JsonArray all = steps.get("listIntegrations").getJsonArray("integrations");
    assertEquals(List.of(id, azure.getString("id")), ids(all));

    JsonObject edited = steps.get("editIntegration");
    assertEquals(200, edited.getInteger("statusCode"));
    assertEquals("temp2", edited.getJsonObject("integration").getString("event"));
    assertEquals("https://203.0.113.7/v2", edited.getJsonObject("integration").getString("url"));
    assertNull(edited.getJsonObject("integration").getValue("deviceID"), "a replace without a device filters none");
    assertNull(edited.getJsonObject("integration").getValue("json"), "a replace never merges");
    assertEquals(new JsonObject().put("X-Api-Key", "ke\u2026"), edited.getJsonObject("integration").getJsonObject("headers"));
    assertEquals(new JsonObject().put("headers", new JsonObject().put("X-Api-Key", "key-from-api-js-12345")),
        steps.get("editedAsStored").getJsonObject("secrets"), "the header sent back masked kept its secret; auth, not sent, is gone");
    assertEquals(edited.getJsonObject("integration"), steps.get("getIntegration").getJsonObject("integration"));

    assertEquals(204, steps.get("deleteWebhook").getInteger("statusCode"));
    assertEquals(204, steps.get("deleteProductWebhook").getInteger("statusCode"));
    assertEquals(204, steps.get("deleteIntegration").getInteger("statusCode"));
    assertEquals(404, steps.get("deletedIsGone").getInteger("statusCode"));
    assertEquals("not_found", steps.get("deletedIsGone").getString("error"));
    assertEquals(new JsonObject().put("step", "listAfter").put("sandbox", new JsonArray()).put("product", new JsonArray()), steps.get("listAfter"));
  }

  private static List<String> ids(JsonArray list) {
    return list.stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  /**
   * Runs the script to its end; at its checkpoints (after createWebhook and editIntegration, where it
   * waits) records the webhook's stored row as {@code sentAsStored} and {@code editedAsStored}.
   */
  private static Map<String, JsonObject> run(String device, String product, String token, SecretSealer sealer) throws Exception {
    ParticleTools.requireInstalled("node_modules/particle-api-js/package.json");
    java.nio.file.Path checkpoints = java.nio.file.Files.createTempDirectory("api-js-checkpoints");
    Map<String, String> env = new HashMap<>(Map.of("DROVER_TOKEN", token, "DROVER_CHECKPOINTS", checkpoints.toString()));
    Process script = ParticleTools.process(List.of("node", ParticleTools.requireInstalled("api-js-integrations.mjs").toString(),
        "http://127.0.0.1:" + node.httpPort(), device, product), env).start();
    CompletableFuture<Boolean> ended = script.onExit().thenApply(exited -> true).completeOnTimeout(false, SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    ended.thenAccept(inTime -> {
      if (!inTime) {
        script.destroyForcibly();
      }
    });
    CompletableFuture<String> stderr = ParticleTools.readAll(script.getErrorStream());
    Map<String, JsonObject> steps = new HashMap<>();
    StringBuilder printed = new StringBuilder();
    String webhookId = null;
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        printed.append(line).append('\n');
        JsonObject step = new JsonObject(line);
        steps.put(step.getString("step"), step);
        if (step.getString("step").equals("createWebhook")) {
          webhookId = step.getString("id");
          steps.put("sentAsStored", stored(webhookId, sealer));
          java.nio.file.Files.createFile(checkpoints.resolve("createWebhook.go"));
        }
        if (step.getString("step").equals("editIntegration")) {
          steps.put("editedAsStored", stored(webhookId, sealer));
          java.nio.file.Files.createFile(checkpoints.resolve("editIntegration.go"));
        }
      }
    }
    script.waitFor();
    String transcript = "\n--- stdout\n" + printed + "--- stderr\n" + stderr.join();
    assertTrue(ended.join(), "the script did not end within " + SCRIPT_TIMEOUT_SECONDS + " s" + transcript);
    assertEquals(0, script.exitValue(), "the script failed" + transcript);
    assertTrue(steps.containsKey("done"), "the script stopped early" + transcript);
    return steps;
  }

  private static JsonObject stored(String id, SecretSealer sealer) throws Exception {
    try (Connection connection = node.node().database().jdbcConnection();
         PreparedStatement query = connection.prepareStatement("SELECT settings::text, sealed_secrets FROM integrations WHERE id = ?")) {
      query.setString(1, id);
      try (ResultSet row = query.executeQuery()) {
        if (!row.next()) {
          return new JsonObject().put("missing", true);
        }
        return new JsonObject().put("settings", new JsonObject(row.getString(1)))
            .put("secrets", row.getBytes(2) == null ? null : new JsonObject(sealer.open(id, row.getBytes(2))));
      }
    }
  }
}
