package io.drover.hub.customers;

import static io.drover.hub.customers.ProductFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Private-beta activation codes cannot be farmed or guessed through. A product holds a
 * bounded number of unused codes; a code that exists but was used is answered exactly as one that never
 * existed; and wrong codes are limited per product across all its customers, not only per customer
 * (anyone holding the app's client can make customers).
 */
class ActivationCodeLimitsTest {

  private static final String OWNER = "owner@limits.example";
  private static TestNode node;
  private static String owner;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn(OWNER, "owner's password");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aUsedCodeIsAnsweredExactlyAsAnUnknownOne() throws Exception {
    ProductFixture product = ProductFixture.create(node, "used-code-lamp", OWNER, owner, "{\"private_beta\":true}");
    JsonObject client = product.client("installed", null);
    String nia = product.customer(client, "nia@limits.example", "nia's password");
    String omar = product.customer(client, "omar@limits.example", "omar's password");
    JsonArray codes = codes(product, 1);
    String used = codes.getString(0);
    assertEquals(200, node.claimAsCustomer(product.device(), nia, used).statusCode());

    DeviceIdentity omars = product.device();
    HttpResponse<String> usedAnswer = node.claimAsCustomer(omars, omar, used);
    String unknown = used.equals("ZZZZ") ? "YYYY" : "ZZZZ";
    HttpResponse<String> unknownAnswer = node.claimAsCustomer(omars, omar, unknown);
    assertError(usedAnswer, 403, "invalid_activation_code");
    assertEquals(unknownAnswer.statusCode(), usedAnswer.statusCode());
    assertEquals(unknownAnswer.body().replace(unknown, "CODE"), usedAnswer.body().replace(used, "CODE"),
        "the answers to a used and to an unknown code must not differ");
  }

  @Test
  void aProductHoldsAtMostTheConfiguredNumberOfUnusedCodes() throws Exception {
    ProductFixture product = ProductFixture.create(node, "capped-lamp", OWNER, owner, "{\"private_beta\":true}");
    assertEquals(1000, codes(product, 1000).size());
    assertError(node.post("/v1/products/capped-lamp/activation_codes", "{\"quantity\":1}", owner), 409, "activation_code_limit");
    assertEquals("1000", node.query("SELECT count(*) FROM activation_codes WHERE product_id = " + product.id));

    // a spent code makes room for one more
    String pia = product.customer(product.client("installed", null), "pia@limits.example", "pia's password");
    String code = node.query("SELECT code FROM activation_codes WHERE product_id = " + product.id + " LIMIT 1");
    assertEquals(200, node.claimAsCustomer(product.device(), pia, code).statusCode());
    assertEquals(1, codes(product, 1).size());
    assertError(node.post("/v1/products/capped-lamp/activation_codes", "{\"quantity\":1}", owner), 409, "activation_code_limit");
  }

  @Test
  void theCapIsTheOperatorsToSet() throws Exception {
    try (TestNode small = TestNode.start("--customers.max-unused-activation-codes=3")) {
      String token = small.signUpAndLogIn(OWNER, "owner's password");
      ProductFixture product = ProductFixture.create(small, "small-lamp", OWNER, token, "{}");
      HttpResponse<String> tooMany = small.post("/v1/products/small-lamp/activation_codes", "{\"quantity\":4}", token);
      assertError(tooMany, 409, "activation_code_limit");
      assertEquals(201, small.post("/v1/products/small-lamp/activation_codes", "{\"quantity\":3}", token).statusCode());
      assertEquals("3", small.query("SELECT count(*) FROM activation_codes WHERE product_id = " + product.id));
    }
  }

  @Test
  void wrongCodesAreLimitedPerProductAcrossItsCustomers() throws Exception {
    ProductFixture product = ProductFixture.create(node, "guessed-by-many", OWNER, owner, "{\"private_beta\":true}");
    JsonObject client = product.client("installed", null);
    String code = codes(product, 1).getString(0);
    DeviceIdentity device = product.device();
    int perCustomer = ActivationCodeGuesses.MAX_WRONG_PER_CUSTOMER - 1;
    int wrong = 0;
    for (int customer = 0; wrong < ActivationCodeGuesses.MAX_WRONG_PER_PRODUCT; customer++) {
      String token = product.customer(client, "guesser" + customer + "@limits.example", "guesser's password");
      for (int i = 0; i < perCustomer && wrong < ActivationCodeGuesses.MAX_WRONG_PER_PRODUCT; i++, wrong++) {
        String guess = guess(wrong, code);
        assertError(node.claimAsCustomer(device, token, guess), 403, "invalid_activation_code");
      }
    }
    String fresh = product.customer(client, "late@limits.example", "late's password");
    assertError(node.claimAsCustomer(device, fresh, code), 429, "too_many_attempts");
    assertEquals(null, node.query("SELECT used_at FROM activation_codes WHERE code = '" + code + "' AND product_id = " + product.id),
        "a refused claim spends nothing");

    // another product's customers are not held up by this one's guessers
    ProductFixture other = ProductFixture.create(node, "not-guessed", OWNER, owner, "{\"private_beta\":true}");
    String theirs = other.customer(other.client("installed", null), "calm@limits.example", "calm's password");
    assertEquals(200, node.claimAsCustomer(other.device(), theirs, codes(other, 1).getString(0)).statusCode());
  }

  /**
   * Guesses sent at once are each counted before they are tried: at most the customer's limit of them
   * is answered as a wrong code, the rest 429 with the time to wait (before, every guess passed an
   * unlocked check first and only then was counted, so parallel guesses went past the limit).
   */
  @Test
  void guessesSentAtOnceDoNotGetPastTheLimit() throws Exception {
    ProductFixture product = ProductFixture.create(node, "guessed-at-once", OWNER, owner, "{\"private_beta\":true}");
    String token = product.customer(product.client("installed", null), "hasty@limits.example", "hasty's password");
    String code = codes(product, 1).getString(0);
    DeviceIdentity device = product.device();
    int sent = 3 * ActivationCodeGuesses.MAX_WRONG_PER_CUSTOMER;
    ExecutorService senders = Executors.newFixedThreadPool(sent);
    try {
      List<Future<HttpResponse<String>>> answers = node.whileReportingClaimCode(device, token, () -> {
        CountDownLatch ready = new CountDownLatch(sent);
        List<Future<HttpResponse<String>>> sending = new ArrayList<>();
        for (int i = 0; i < sent; i++) {
          String guess = guess(i, code);
          sending.add(senders.submit(() -> {
            ready.countDown();
            ready.await();
            return node.claimById(device, token, guess);
          }));
        }
        for (Future<HttpResponse<String>> answer : sending) {
          answer.get(60, TimeUnit.SECONDS);
        }
        return sending;
      });
      int wrong = 0;
      int throttled = 0;
      for (Future<HttpResponse<String>> answer : answers) {
        HttpResponse<String> response = answer.get(60, TimeUnit.SECONDS);
        if (response.statusCode() == 429) {
          assertError(response, 429, "too_many_attempts");
          assertTrue(Long.parseLong(response.headers().firstValue("retry-after").orElse("0")) >= 1, "a time to wait");
          throttled++;
        } else {
          assertError(response, 403, "invalid_activation_code");
          wrong++;
        }
      }
      assertEquals(ActivationCodeGuesses.MAX_WRONG_PER_CUSTOMER, wrong, "wrong codes answered as such");
      assertEquals(sent - ActivationCodeGuesses.MAX_WRONG_PER_CUSTOMER, throttled);
    } finally {
      senders.shutdownNow();
    }
    assertEquals(String.valueOf(ActivationCodeGuesses.MAX_WRONG_PER_CUSTOMER),
        node.query("SELECT wrong FROM activation_code_guesses WHERE product_id = " + product.id + " AND scope = 'product'"),
        "refused guesses are not held against the product");
  }

  /** A code of the alphabet that is not {@code taken}, different for each {@code n} below 32^2. */
  private static String guess(int n, String taken) {
    String alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    String guess = "ZZ" + alphabet.charAt(n / alphabet.length()) + alphabet.charAt(n % alphabet.length());
    return guess.equals(taken) ? "YY" + guess.substring(2) : guess;
  }

  private static JsonArray codes(ProductFixture product, int quantity) throws Exception {
    HttpResponse<String> made = node.post("/v1/products/" + product.id + "/activation_codes", "{\"quantity\":" + quantity + "}", owner);
    assertEquals(201, made.statusCode(), made.body());
    return new JsonObject(made.body()).getJsonArray("codes");
  }
}
