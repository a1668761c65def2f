package io.drover.hub.integrations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node with {@code integrations.allow-private-targets=true} (as tests that deliver to a local
 * receiver run) and {@code integrations.max-per-owner=3}: private targets pass, the never-targets
 * still do not, and the bound per owner holds under concurrent creates.
 */
class IntegrationLimitsTest {

  private static final String PASSWORD = "the limits tester's password";
  private static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start("--integrations.allow-private-targets=true", "--integrations.max-per-owner=3");
    node.signUpAndLogIn("first@limits.example", PASSWORD);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void privateTargetsPassWhenAllowedButUnspecifiedAndMulticastNever() throws Exception {
    String token = node.signUpAndLogIn("targets@limits.example", PASSWORD);
    for (String url : List.of("http://127.0.0.1:" + node.httpPort() + "/", "http://localhost:9/", "http://169.254.169.254/")) {
      assertEquals(201, node.post("/v1/webhooks", hook(url), token).statusCode(), url);
    }
    for (String url : List.of("http://0.0.0.0:9/", "http://[ff02::1]/")) {
      HttpResponse<String> refused = node.post("/v1/webhooks", hook(url), token);
      assertEquals(400, refused.statusCode(), refused.body());
      assertEquals("target_not_allowed", new JsonObject(refused.body()).getString("error"));
      assertTrue(!refused.body().contains("unless"), "no setting would allow it: " + refused.body());
    }
  }

  @Test
  void anOwnerHoldsAtMostTheBoundAndConcurrentCreatesCannotPassItTogether() throws Exception {
    String token = node.signUpAndLogIn("racer@limits.example", PASSWORD);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<HttpResponse<String>>> calls = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        calls.add(pool.submit(() -> node.post("/v1/integrations", hook("https://203.0.113.7/race"), token)));
      }
      int created = 0;
      int refused = 0;
      for (Future<HttpResponse<String>> call : calls) {
        HttpResponse<String> answer = call.get();
        if (answer.statusCode() == 201) {
          created++;
        } else {
          assertEquals(409, answer.statusCode(), answer.body());
          JsonObject body = new JsonObject(answer.body());
          assertEquals("integration_limit", body.getString("error"));
          assertEquals("This account holds 3 integrations, the most it may hold (integrations.max-per-owner)", body.getString("error_description"));
          refused++;
        }
      }
      assertEquals(3, created);
      assertEquals(5, refused);
    } finally {
      pool.shutdownNow();
    }
    assertEquals("3", node.query("SELECT count(*) FROM integrations i JOIN users u ON u.id = i.user_id WHERE u.username = 'racer@limits.example'"));

    // a deleted one frees its place; a product counts apart from its owner's sandbox
    String first = new JsonObject(node.get("/v1/integrations", token).body().replaceFirst("^\\[", "{\"a\":[").replaceFirst("]$", "]}"))
        .getJsonArray("a").getJsonObject(0).getString("id");
    assertEquals(204, node.send("DELETE", "/v1/integrations/" + first, null, token).statusCode());
    assertEquals(201, node.post("/v1/webhooks", hook("https://203.0.113.7/again"), token).statusCode());
    assertEquals(409, node.post("/v1/webhooks", hook("https://203.0.113.7/over"), token).statusCode());
    String product = String.valueOf(new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject()
        .put("name", "Limited").put("platform_id", 12)).encode(), token).body()).getJsonObject("product").getValue("id"));
    assertEquals(201, node.post("/v1/products/" + product + "/webhooks", hook("https://203.0.113.7/fleet"), token).statusCode());
  }

  private static String hook(String url) {
    return new JsonObject().put("event", "limits").put("url", url).encode();
  }
}
