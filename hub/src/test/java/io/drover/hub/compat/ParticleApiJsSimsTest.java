package io.drover.hub.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * particle-api-js 12.0.3, unchanged: {@code listSIMs} (account and product), {@code checkSIM},
 * {@code getSIMDataUsage}, {@code getFleetDataUsage} and {@code removeSIM} against a real node
 * (hub/src/test/js/api-js-sims.mjs prints what each call answered); this test checks the answers.
 */
class ParticleApiJsSimsTest {

  private static final long SCRIPT_TIMEOUT_SECONDS = 60;
  /** Valid ICCIDs (Luhn check digit last), unused by other tests of this node. */
  private static final String ACCOUNT_ICCID = "89012000000000000017";
  private static final String PRODUCT_ICCID = "89012000000000000025";
  private static final String OTHERS_ICCID = "89012000000000000033";
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
  void apiJsListsChecksReadsUsageAndRemovesSims() throws Exception {
    String token = node.signUpAndLogIn("api-js-sims@example.com", "correct horse battery staple");
    String other = node.signUpAndLogIn("api-js-sims-other@example.com", "correct horse battery staple");
    String device = node.provisionDevice().id();
    node.claim(device, token);
    String product = String.valueOf(new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject()
        .put("name", "Cellular").put("platform_id", 13)).encode(), token).body()).getJsonObject("product").getValue("id"));
    assertEquals(200, node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(new JsonObject().put("iccid", ACCOUNT_ICCID)
        .put("device_id", device))).encode(), token).statusCode());
    assertEquals(200, node.post("/v1/products/" + product + "/sims", new JsonObject().put("sims", new JsonArray().add(PRODUCT_ICCID)).encode(), token)
        .statusCode());
    assertEquals(200, node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(OTHERS_ICCID)).encode(), other).statusCode());
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    node.execute("INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out) VALUES ('" + ACCOUNT_ICCID + "', '" + today + "', 1500000, 250000),"
        + " ('" + PRODUCT_ICCID + "', '" + today + "', 4000000, 0)");

    Map<String, JsonObject> steps = run(product, token, device);

    // the device object of a cellular device with a SIM carries its ICCID, as Particle's does
    JsonObject deviceObject = steps.get("getDevice").getJsonObject("device");
    assertEquals(ACCOUNT_ICCID, deviceObject.getString("iccid"), deviceObject.encode());
    assertEquals(true, deviceObject.getBoolean("cellular"), deviceObject.encode());

    JsonArray sims = steps.get("listSIMs").getJsonArray("sims");
    assertEquals(1, sims.size(), "a bare array (api-js SimInfo[]) of the account's SIMs only");
    JsonObject sim = sims.getJsonObject(0);
    assertEquals(ACCOUNT_ICCID, sim.getString("iccid"));
    assertEquals("active", sim.getString("status"));
    assertEquals(device, sim.getString("device_id"));
    assertTrue(sim.containsKey("carrier") && sim.containsKey("activated_on") && sim.containsKey("last_status_change_action"), sim.encode());
    assertEquals(List.of(PRODUCT_ICCID), ids(steps.get("listProductSIMs").getJsonArray("sims")), "per_page and the ICCID filter as api-js sends them");

    assertEquals(204, steps.get("checkSIM").getInteger("statusCode"), "yours and active: the one answer api-js resolves a HEAD with");
    assertEquals(403, steps.get("checkOthersSIM").getInteger("statusCode"), "someone else's");

    JsonObject usage = steps.get("getSIMDataUsage").getJsonObject("usage");
    JsonArray days = usage.getJsonArray("usage_by_day");
    assertEquals(today.getDayOfMonth(), days.size());
    assertEquals(new JsonObject().put("date", today.toString()).put("mbs_used", 1.75).put("mbs_used_cumulative", 1.75), days.getJsonObject(days.size() - 1));
    assertEquals(1.75, usage.getDouble("used"));
    assertTrue(usage.containsKey("quota"), usage.encode());
    assertNull(usage.getValue("quota"));
    assertEquals(4.0, steps.get("getProductSIMDataUsage").getJsonObject("usage").getDouble("used"));
    JsonObject fleet = steps.get("getFleetDataUsage").getJsonObject("usage");
    assertEquals(4.0, fleet.getDouble("total_mbs_used"));
    assertEquals(1, fleet.getInteger("total_active_sim_cards"));
    assertEquals(today.getDayOfMonth(), fleet.getJsonArray("usage_by_day").size());

    assertEquals(404, steps.get("getOthersSIMDataUsage").getInteger("statusCode"));
    assertEquals("not_found", steps.get("getOthersSIMDataUsage").getString("error"));
    assertEquals(404, steps.get("removeOthersSIM").getInteger("statusCode"));
    assertEquals(400, steps.get("removeMalformedSIM").getInteger("statusCode"));
    assertEquals("invalid_iccid", steps.get("removeMalformedSIM").getString("error"));
    assertEquals(204, steps.get("removeProductSIM").getInteger("statusCode"));
    assertEquals(204, steps.get("removeSIM").getInteger("statusCode"));
    assertEquals(404, steps.get("checkRemovedSIM").getInteger("statusCode"));
    assertEquals(new JsonArray(), steps.get("listAfter").getJsonArray("sims"));
    assertEquals("1", node.query("SELECT count(*) FROM sims WHERE iccid = '" + OTHERS_ICCID + "'"), "the other account's SIM is untouched");
  }

  private static List<String> ids(JsonArray sims) {
    return sims.stream().map(o -> ((JsonObject) o).getString("iccid")).toList();
  }

  private static Map<String, JsonObject> run(String product, String token, String device) throws Exception {
    ParticleTools.requireInstalled("node_modules/particle-api-js/package.json");
    Map<String, String> env = new HashMap<>(Map.of("DROVER_TOKEN", token));
    Process script = ParticleTools.process(List.of("node", ParticleTools.requireInstalled("api-js-sims.mjs").toString(),
        "http://127.0.0.1:" + node.httpPort(), product, ACCOUNT_ICCID, PRODUCT_ICCID, OTHERS_ICCID, device), env).start();
    CompletableFuture<Boolean> ended = script.onExit().thenApply(exited -> true).completeOnTimeout(false, SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    ended.thenAccept(inTime -> {
      if (!inTime) {
        script.destroyForcibly();
      }
    });
    CompletableFuture<String> stderr = ParticleTools.readAll(script.getErrorStream());
    Map<String, JsonObject> steps = new HashMap<>();
    StringBuilder printed = new StringBuilder();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        printed.append(line).append('\n');
        JsonObject step = new JsonObject(line);
        steps.put(step.getString("step"), step);
      }
    }
    script.waitFor();
    String transcript = "\n--- stdout\n" + printed + "--- stderr\n" + stderr.join();
    assertTrue(ended.join(), "the script did not end within " + SCRIPT_TIMEOUT_SECONDS + " s" + transcript);
    assertEquals(0, script.exitValue(), "the script failed" + transcript);
    assertTrue(steps.containsKey("done"), "the script stopped early" + transcript);
    return steps;
  }
}
