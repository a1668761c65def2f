package io.drover.hub.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.LoopbackClient;
import io.drover.hub.support.LoopbackClient.Answer;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Limits on sign-in: guessing passwords is slowed down per account and per client address (429 with
 * Retry-After, in the API's error shape), and a flood of password checks is refused rather than
 * queued. The node runs the default limits: 5 free wrong passwords per account, 20 per address, 30
 * sign-ups per address, then a wait of 1 s doubling with each attempt. Each test is its own clients:
 * loopback addresses of its own, so that the tests' counts never meet.
 */
class PasswordGuessingTest {

  private static final String PASSWORD = "correct horse battery";
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.startWithDefaultLimits();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void wrongPasswordsForOneAccountAreSlowedDownWith429AndRetryAfter() throws Exception {
    node.signUpAndLogIn("victim1@example.com", PASSWORD);
    LoopbackClient guesser = client("127.0.1.1");

    Answer refused = guessUntilRefused(guesser, "victim1@example.com", 6, 9);

    assertEquals("too_many_attempts", new JsonObject(refused.body()).getString("error"), refused.body());
    assertEquals(false, new JsonObject(refused.body()).getBoolean("ok"));
    long retryAfter = Long.parseLong(refused.headers().get("retry-after"));
    assertTrue(retryAfter >= 1 && retryAfter <= 900, "Retry-After: " + retryAfter);
    assertEquals(429, logIn(guesser, "victim1@example.com", PASSWORD).status(), "the right password waits as well");
    Thread.sleep(retryAfter * 1000 + 200);
    assertEquals(200, logIn(guesser, "victim1@example.com", PASSWORD).status(), "after the wait, the right password works");
    assertTrue(node.metric("drover_auth_attempts_total{action=\"login\",outcome=\"throttled\"}") >= 2);
    assertTrue(node.metric("drover_auth_attempts_total{action=\"login\",outcome=\"failure\"}") >= 6);
  }

  @Test
  void aGuesserElsewhereDoesNotLockTheOwnerOutOfTheAddressTheyUse() throws Exception {
    node.signUpAndLogIn("victim2@example.com", PASSWORD);
    LoopbackClient owner = client("127.0.2.1");
    assertEquals(200, logIn(owner, "victim2@example.com", PASSWORD).status());

    guessUntilRefused(client("127.0.2.2"), "victim2@example.com", 6, 9);

    assertEquals(429, logIn(client("127.0.2.3"), "victim2@example.com", PASSWORD).status(), "the account is held back for new addresses");
    assertEquals(200, logIn(owner, "victim2@example.com", PASSWORD).status(), "but not for the address its owner signed in from");
  }

  @Test
  void oneAddressGuessingManyAccountsIsSlowedDownWhetherTheyExistOrNot() throws Exception {
    node.signUpAndLogIn("bystander@example.com", PASSWORD);
    LoopbackClient sprayer = client("127.0.3.1");

    int wrong = 0;
    Answer answer;
    do {
      answer = logIn(sprayer, "nobody" + wrong + "@example.com", "wrong password");
      if (answer.status() == 400) {
        wrong++;
      }
    } while (answer.status() == 400 && wrong < 30);

    assertEquals(429, answer.status(), answer.body());
    assertTrue(wrong >= 21 && wrong <= 24, "20 free, then a wait: " + wrong);
    assertEquals(429, logIn(sprayer, "bystander@example.com", PASSWORD).status(), "the address waits, for every account");
    assertEquals(200, logIn(client("127.0.3.2"), "bystander@example.com", PASSWORD).status(), "other addresses do not");
  }

  @Test
  void signUpsFromOneAddressAreLimited() throws Exception {
    LoopbackClient signer = client("127.0.4.1");

    int made = 0;
    Answer answer;
    do {
      answer = signer.postJson("/v1/users", new JsonObject().put("username", "bulk" + made + "@example.com").put("password", PASSWORD).encode());
      if (answer.status() == 200) {
        made++;
      }
    } while (answer.status() == 200 && made < 40);

    assertEquals(429, answer.status(), answer.body());
    assertEquals("too_many_attempts", new JsonObject(answer.body()).getString("error"));
    assertTrue(answer.headers().containsKey("retry-after"));
    assertTrue(made >= 31 && made <= 34, "30 free, then a wait: " + made);
  }

  @Test
  void aFloodOfPasswordChecksIsRefusedRatherThanQueued() throws Exception {
    // every request from an address and for an account of its own: no limit applies, only the queue
    int requests = Math.max(150, 3 * (Runtime.getRuntime().availableProcessors() + 32));
    ExecutorService pool = Executors.newFixedThreadPool(requests);
    List<CompletableFuture<Answer>> flood = new ArrayList<>();
    try {
      for (int i = 0; i < requests; i++) {
        LoopbackClient one = client("127.0." + (10 + i / 200) + "." + (1 + i % 200));
        String account = "flood" + i + "@example.com";
        flood.add(CompletableFuture.supplyAsync(() -> {
          try {
            return logIn(one, account, "wrong password");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, pool));
      }
      int busy = 0;
      for (CompletableFuture<Answer> one : flood) {
        Answer answer = one.join();
        if (answer.status() == 503) {
          busy++;
          assertEquals("temporarily_unavailable", new JsonObject(answer.body()).getString("error"), answer.body());
          assertEquals("1", answer.headers().get("retry-after"));
        } else {
          assertEquals(400, answer.status(), answer.body());
        }
      }
      assertTrue(busy > 0, "some of " + requests + " were refused at once");
      assertTrue(node.metric("drover_auth_attempts_total{action=\"login\",outcome=\"busy\"}") >= busy);
      assertTrue(node.operations("/metrics").body().lines().anyMatch(line -> line.startsWith("drover_password_hashing_taken ")),
          "the hashing queue's gauge is exported");
    } finally {
      pool.shutdownNow();
    }
  }

  /** Wrong passwords until one is refused with 429; fails unless that happens after {@code min} to {@code max} wrong ones. */
  static Answer guessUntilRefused(LoopbackClient guesser, String username, int min, int max) throws Exception {
    int wrong = 0;
    while (true) {
      Answer answer = logIn(guesser, username, "wrong password " + wrong);
      if (answer.status() == 429) {
        assertTrue(wrong >= min, "refused after only " + wrong + " wrong passwords");
        return answer;
      }
      assertEquals(400, answer.status(), answer.body());
      wrong++;
      assertTrue(wrong <= max, "still no 429 after " + wrong + " wrong passwords");
    }
  }

  static Answer logIn(LoopbackClient client, String username, String password) throws Exception {
    return client.postForm("/oauth/token", Map.of("grant_type", "password", "username", username, "password", password),
        "particle-api:particle-api");
  }

  private static LoopbackClient client(String address) {
    return new LoopbackClient(address, node.httpPort());
  }
}
