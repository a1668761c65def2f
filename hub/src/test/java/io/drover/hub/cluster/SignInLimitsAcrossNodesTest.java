package io.drover.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.LoopbackClient;
import io.drover.hub.support.LoopbackClient.Answer;
import io.drover.hub.support.TestCluster;
import io.drover.hub.support.TestNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Limits on sign-in: the limits on guessing passwords hold for the cluster, not per node. A guesser
 * held back on one hub node is held back on the other: the counts are rows in the database they share.
 */
class SignInLimitsAcrossNodesTest {

  private static final String PASSWORD = "correct horse battery";

  @Test
  void aGuesserHeldBackOnOneHubNodeIsHeldBackOnTheOther() throws Exception {
    try (TestCluster cluster = TestCluster.of(2)) {
      TestNode a = cluster.start(0, "hub");
      TestNode b = cluster.start(1, "hub");
      a.signUpAndLogIn("shared@example.com", PASSWORD);
      LoopbackClient onA = new LoopbackClient("127.0.30.1", a.httpPort());
      LoopbackClient onB = new LoopbackClient("127.0.30.1", b.httpPort());

      // guess on a until it imposes a wait long enough to cross to b within it
      int wrong = 0;
      Answer answer;
      while (true) {
        answer = logIn(onA, "wrong password " + wrong);
        if (answer.status() == 429 && Long.parseLong(answer.headers().get("retry-after")) >= 2) {
          break;
        }
        if (answer.status() == 429) {
          Thread.sleep(100);
        } else {
          assertEquals(400, answer.status(), answer.body());
          wrong++;
          assertTrue(wrong <= 12, "still no wait after " + wrong + " wrong passwords");
        }
      }

      Answer onOtherNode = logIn(onB, PASSWORD);
      assertEquals(429, onOtherNode.status(), onOtherNode.body());
      assertTrue(onOtherNode.headers().containsKey("retry-after"));
    }
  }

  private static Answer logIn(LoopbackClient client, String password) throws Exception {
    return client.postForm("/oauth/token", Map.of("grant_type", "password", "username", "shared@example.com", "password", password),
        "particle-api:particle-api");
  }
}
