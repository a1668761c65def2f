package io.drover.hub.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The first administrator: nobody becomes an administrator by signing up. The node's first administrator is
 * made by an explicit step (the bootstrap admin token here, {@code drover admin create} in
 * AdminCommandTest), exactly once however many try at the same moment; closed sign-up is closed.
 */
class FirstAdministratorTest {

  private static final String PASSWORD = "correct horse battery";

  @Test
  void signingUpNeverMakesAnAdministratorNotEvenTheFirstTwoAtOnce() throws Exception {
    try (TestNode node = TestNode.start()) {
      List<HttpResponse<String>> signUps = concurrently(2, i -> node.post("/v1/users", account("early" + i).encode(), null));

      for (int i = 0; i < 2; i++) {
        assertEquals(200, signUps.get(i).statusCode(), signUps.get(i).body());
        String token = node.logIn("early" + i + "@example.com", PASSWORD);
        assertFalse(new JsonObject(node.get("/v1/user", token).body()).getBoolean("admin"), "early" + i + " is an ordinary account");
      }
      assertEquals("0", node.query("SELECT count(*) FROM users WHERE is_admin"));
    }
  }

  @Test
  void closedSignUpRefusesEvenTheFirstAccount() throws Exception {
    try (TestNode node = TestNode.start("--accounts.signup=closed")) {
      HttpResponse<String> refused = node.post("/v1/users", account("first").encode(), null);

      assertEquals(403, refused.statusCode(), refused.body());
      assertEquals("signup_closed", new JsonObject(refused.body()).getString("error"));
      assertEquals("0", node.query("SELECT count(*) FROM users"));

      // an administrator still makes accounts on a closed node
      HttpResponse<String> made = node.post("/v1/admin/users", account("made").encode(), node.adminToken());
      assertEquals(201, made.statusCode(), made.body());
      assertFalse(new JsonObject(node.get("/v1/user", node.logIn("made@example.com", PASSWORD)).body()).getBoolean("admin"));
    }
  }

  @Test
  void theBootstrapTokenMakesExactlyOneFirstAdministratorHoweverManyTryAtOnce() throws Exception {
    try (TestNode node = TestNode.start()) {
      List<HttpResponse<String>> attempts = concurrently(4,
          i -> node.post("/v1/admin/users", account("candidate" + i).put("admin", true).encode(), node.adminToken()));

      int made = 0;
      for (int i = 0; i < attempts.size(); i++) {
        HttpResponse<String> attempt = attempts.get(i);
        if (attempt.statusCode() == 201) {
          made++;
          String token = node.logIn("candidate" + i + "@example.com", PASSWORD);
          assertTrue(new JsonObject(node.get("/v1/user", token).body()).getBoolean("admin"));
        } else {
          assertEquals(409, attempt.statusCode(), attempt.body());
          assertEquals("administrator_exists", new JsonObject(attempt.body()).getString("error"));
        }
      }
      assertEquals(1, made, "one first administrator");
      assertEquals("1", node.query("SELECT count(*) FROM users WHERE is_admin"));
      assertEquals("1", node.query("SELECT count(*) FROM users"), "the refused candidates' accounts were not made either");
    }
  }

  @Test
  void administratorsMakeMoreAdministratorsAndOrdinaryAccountsCannot() throws Exception {
    try (TestNode node = TestNode.start()) {
      String first = node.createAdministrator("first@example.com", PASSWORD);
      String ordinary = node.signUpAndLogIn("ordinary@example.com", PASSWORD);

      // the bootstrap token made the first one; from now on administrators make administrators
      HttpResponse<String> again = node.post("/v1/admin/users", account("another").put("admin", true).encode(), node.adminToken());
      assertEquals(409, again.statusCode(), again.body());
      assertEquals(403, node.send("PUT", "/v1/admin/users/ordinary@example.com", "{\"admin\":true}", ordinary).statusCode());
      assertEquals(403, node.post("/v1/admin/users", account("mine").put("admin", true).encode(), ordinary).statusCode());

      HttpResponse<String> promoted = node.send("PUT", "/v1/admin/users/ordinary@example.com", "{\"admin\":true}", first);
      assertEquals(200, promoted.statusCode(), promoted.body());
      assertTrue(new JsonObject(node.get("/v1/user", ordinary).body()).getBoolean("admin"), "takes effect on the next request");
      HttpResponse<String> made = node.post("/v1/admin/users", account("second").put("admin", true).encode(), ordinary);
      assertEquals(201, made.statusCode(), made.body());
      assertEquals(404, node.send("PUT", "/v1/admin/users/nobody@example.com", "{\"admin\":true}", first).statusCode());
    }
  }

  private static JsonObject account(String name) {
    return new JsonObject().put("username", name + "@example.com").put("password", PASSWORD);
  }

  private interface Request {
    HttpResponse<String> send(int index) throws Exception;
  }

  /** Sends {@code count} requests at once and waits for all their answers, in request order. */
  private static List<HttpResponse<String>> concurrently(int count, Request request) {
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int index = i;
      sent.add(CompletableFuture.supplyAsync(() -> {
        try {
          return request.send(index);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> one : sent) {
      answers.add(one.join());
    }
    return answers;
  }
}
