package io.drover.hub.customers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.LoopbackClient;
import io.drover.hub.support.LoopbackClient.Answer;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Limits on sign-in, for a product's customers: their sign-ins are limited per customer and per client
 * address as people's are, and making customers with a password is limited per address (the default
 * limits: 5 wrong passwords per account, 30 creations per address, then waits from 1 s, doubling).
 */
class CustomerGuessingTest {

  private static final String OWNER = "maker@example.com";
  private static final String PASSWORD = "correct horse battery";
  private static TestNode node;
  private static ProductFixture product;
  private static String client;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.startWithDefaultLimits();
    String owner = node.signUpAndLogIn(OWNER, PASSWORD);
    product = ProductFixture.create(node, "guessed-lamp", OWNER, owner, "{}");
    JsonObject made = product.client("installed", null);
    client = made.getString("id") + ":" + made.getString("secret");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void wrongPasswordsForOneCustomerAreSlowedDownWith429() throws Exception {
    product.customer(new JsonObject().put("id", client.split(":")[0]).put("secret", client.split(":")[1]), "buyer@example.com", PASSWORD);
    LoopbackClient guesser = new LoopbackClient("127.0.20.1", node.httpPort());

    int wrong = 0;
    Answer answer;
    do {
      answer = guesser.postForm("/oauth/token", Map.of("grant_type", "password", "username", "buyer@example.com", "password", "wrong " + wrong),
          client);
      if (answer.status() == 400) {
        wrong++;
      }
    } while (answer.status() == 400 && wrong < 12);

    assertEquals(429, answer.status(), answer.body());
    assertEquals("too_many_attempts", new JsonObject(answer.body()).getString("error"));
    assertTrue(Long.parseLong(answer.headers().get("retry-after")) >= 1);
    assertTrue(wrong >= 6 && wrong <= 9, "5 free, then a wait: " + wrong);
    assertTrue(node.metric("drover_auth_attempts_total{action=\"customer_login\",outcome=\"throttled\"}") >= 1);
  }

  @Test
  void oneAddressGuessingManyCustomersIsSlowedDownWhetherTheyExistOrNot() throws Exception {
    LoopbackClient sprayer = new LoopbackClient("127.0.24.1", node.httpPort());

    int wrong = 0;
    Answer answer;
    do {
      answer = sprayer.postForm("/oauth/token",
          Map.of("grant_type", "password", "username", "nobody" + wrong + "@example.com", "password", "wrong password"), client);
      if (answer.status() == 400) {
        wrong++;
      }
    } while (answer.status() == 400 && wrong < 30);

    assertEquals(429, answer.status(), answer.body());
    assertTrue(wrong >= 21 && wrong <= 24, "20 free, then a wait: " + wrong);
    product.customer(new JsonObject().put("id", client.split(":")[0]).put("secret", client.split(":")[1]), "bystander@example.com", PASSWORD);
    Map<String, String> rightPassword = Map.of("grant_type", "password", "username", "bystander@example.com", "password", PASSWORD);
    assertEquals(429, sprayer.postForm("/oauth/token", rightPassword, client).status(), "the address waits, for every customer");
    assertEquals(200, new LoopbackClient("127.0.24.2", node.httpPort()).postForm("/oauth/token", rightPassword, client).status(),
        "other addresses do not");
  }

  /**
   * A customer's wrong current passwords (changing its password) count against that customer, as its
   * sign-ins do: before, they counted against the person account of the same email, which a customer
   * could thereby hold back from signing in from any new address.
   */
  @Test
  void aCustomersWrongCurrentPasswordsCountAgainstTheCustomerNotThePersonOfTheSameEmail() throws Exception {
    String email = "twin@example.com";
    node.signUpAndLogIn(email, PASSWORD);
    String customerToken = product.customer(new JsonObject().put("id", client.split(":")[0]).put("secret", client.split(":")[1]), email, PASSWORD);
    LoopbackClient customer = new LoopbackClient("127.0.22.1", node.httpPort());
    double customerThrottledBefore = node.metric("drover_auth_attempts_total{action=\"customer_login\",outcome=\"throttled\"}");

    int wrong = 0;
    Answer answer;
    do {
      answer = customer.postJson("/v1/user/password",
          new JsonObject().put("current_password", "wrong " + wrong).put("password", "a new long password").encode(), customerToken);
      if (answer.status() == 400) {
        wrong++;
      }
    } while (answer.status() == 400 && wrong < 12);

    assertEquals(429, answer.status(), answer.body());
    assertTrue(wrong >= 6 && wrong <= 9, "5 free, then a wait: " + wrong);
    assertTrue(node.metric("drover_auth_attempts_total{action=\"customer_login\",outcome=\"throttled\"}") > customerThrottledBefore,
        "counted as the customer's sign-in attempts");
    Answer person = new LoopbackClient("127.0.23.1", node.httpPort()).postForm("/oauth/token",
        Map.of("grant_type", "password", "username", email, "password", PASSWORD), "particle-api:particle-api");
    assertEquals(200, person.status(), "the person of the same email signs in from a new address: " + person.body());
  }

  @Test
  void makingCustomersWithPasswordsFromOneAddressIsLimited() throws Exception {
    LoopbackClient maker = new LoopbackClient("127.0.21.1", node.httpPort());

    int made = 0;
    Answer answer;
    do {
      answer = maker.postForm("/v1/products/" + product.id + "/customers", Map.of("email", "c" + made + "@example.com", "password", PASSWORD),
          client);
      if (answer.status() == 200) {
        made++;
      }
    } while (answer.status() == 200 && made < 40);

    assertEquals(429, answer.status(), answer.body());
    assertEquals("too_many_attempts", new JsonObject(answer.body()).getString("error"));
    assertTrue(made >= 31 && made <= 34, "30 free, then a wait: " + made);
  }
}
