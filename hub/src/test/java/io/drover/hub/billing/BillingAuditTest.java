package io.drover.hub.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.MovableClock;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The billing audit's gaps: a card token bound to the account that made it, two card updates
 * at once, and a closed period priced with the plan it began on after a change mid-period.
 */
class BillingAuditTest {

  private static MovableClock clock;
  private static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    clock = new MovableClock(Instant.now());
    node = TestNode.startWithClock(clock, "--billing.tick-seconds=86400");
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static Billing.PassResult tick() throws Exception {
    return node.node().billing().tick().await(20, TimeUnit.SECONDS);
  }

  private static JsonObject ok(HttpResponse<String> response) {
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  private static int product(String owner, String name) throws Exception {
    HttpResponse<String> made = node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", name)
        .put("platform_id", 12)).encode(), owner);
    assertEquals(201, made.statusCode(), made.body());
    return new JsonObject(made.body()).getJsonObject("product").getInteger("id");
  }

  /** Puts the product in the middle of a period around the test's clock: ten days gone, twenty to come. */
  private static Instant midPeriod(int productId) throws Exception {
    Instant start = clock.instant().minus(Duration.ofDays(10));
    Instant end = clock.instant().plus(Duration.ofDays(20));
    node.execute("UPDATE product_billing SET anchor_at = '" + start + "', period_number = 0, period_start = '" + start + "', period_end = '" + end
        + "' WHERE product_id = " + productId);
    return end;
  }

  @Test
  void aCardTokenOfAnotherAccountIsRefusedAndNothingIsStored() throws Exception {
    String alice = node.signUpAndLogIn("alice@audit.example", "alice's password");
    String mallory = node.signUpAndLogIn("mallory@audit.example", "mallory's password");
    String alicesToken = BillingCycleTest.token(node, "4242 4242 4242 4242", 12, 2099, alice);

    // mallory learned alice's token (a log, a shared screen): storing it as her card is refused
    HttpResponse<String> stolen = node.send("PUT", "/v1/card", new JsonObject().put("token", alicesToken).encode(), mallory);
    assertEquals(400, stolen.statusCode(), stolen.body());
    JsonObject error = new JsonObject(stolen.body());
    assertEquals(false, error.getBoolean("ok"));
    assertEquals("invalid_card", error.getString("error"));
    assertEquals("The payment gateway knows no such card token for this account", error.getString("error_description"));
    assertNull(new JsonObject(ok(node.get("/v1/card", mallory)).encode()).getValue("card"), "mallory has no card");
    assertEquals("0", node.query("SELECT count(*) FROM billing_accounts a JOIN users u ON u.id = a.user_id "
        + "WHERE u.username = 'mallory@audit.example' AND a.card_token IS NOT NULL"));

    // alice's own token works for alice
    assertEquals("4242", ok(node.send("PUT", "/v1/card", new JsonObject().put("token", alicesToken).encode(), alice))
        .getJsonObject("card").getString("last4"));
    // and once stored, it is still not mallory's
    assertEquals(400, node.send("PUT", "/v1/card", new JsonObject().put("token", alicesToken).encode(), mallory).statusCode());
  }

  @Test
  void cardUpdatesAtOnceAllAnswerAndTheFailedInvoiceIsChargedOnce() throws Exception {
    String owner = node.signUpAndLogIn("racer@audit.example", "the racer's password");
    int productId = product(owner, "Race Lamp");
    ok(node.send("PUT", "/v1/card", new JsonObject().put("token", BillingCycleTest.token(node, "4000 0000 0000 0341", 12, 2099, owner)).encode(),
        owner));
    Instant end = midPeriod(productId);
    ok(node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), owner));
    clock.set(end.plusSeconds(1));
    tick();
    String invoice = node.query("SELECT id FROM invoices WHERE product_id = " + productId);
    clock.set(end.plus(Duration.ofDays(7)).plusSeconds(1));
    tick();
    assertEquals("1", node.query("SELECT attempts FROM invoices WHERE id = " + invoice), "the first charge failed");

    // when card updates come at once (tabs, double clicks), each charging the failed invoice
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      tokens.add(BillingCycleTest.token(node, i % 2 == 0 ? "4242424242424242" : "5555555555554444", 12, 2099, owner));
    }
    HttpClient client = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<String>>> updates = new ArrayList<>();
    for (String token : tokens) {
      updates.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/v1/card"))
          .header("Authorization", "Bearer " + owner).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject().put("token", token).encode())).build(), HttpResponse.BodyHandlers.ofString()));
    }
    // then all answer 200, the invoice is paid by one recorded attempt, and the account is not locked
    for (CompletableFuture<HttpResponse<String>> update : updates) {
      HttpResponse<String> answer = update.get(30, TimeUnit.SECONDS);
      assertEquals(200, answer.statusCode(), answer.body());
      assertFalse(new JsonObject(answer.body()).getBoolean("locked"));
    }
    assertEquals("paid", node.query("SELECT status FROM invoices WHERE id = " + invoice));
    assertEquals("2", node.query("SELECT count(*) FROM payment_attempts WHERE invoice_id = " + invoice), "one failure, one success");
    assertEquals("1", node.query("SELECT count(*) FROM payment_attempts WHERE invoice_id = " + invoice + " AND outcome = 'succeeded'"));
    assertEquals(0, ok(node.get("/v1/billing", owner)).getJsonArray("failed_payments").size());
  }

  @Test
  void aClosedPeriodIsPricedWithThePlanItBeganOnAfterAChangeMidPeriod() throws Exception {
    String owner = node.signUpAndLogIn("changer@audit.example", "the changer's password");
    int productId = product(owner, "Change Lamp");
    // given a period that began on growth (2,500,000 events included, $0.10 each 1,000 over)
    node.execute("UPDATE products SET plan = 'growth' WHERE id = " + productId);
    Instant end = midPeriod(productId);
    node.execute("UPDATE product_billing SET period_plan = 'growth' WHERE product_id = " + productId);
    node.execute("INSERT INTO product_event_usage (product_id, day, delivered) VALUES (" + productId + ", '"
        + LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC) + "', 3000000)");

    // when the owner moves to free (no overage charged) in the middle of it
    JsonObject change = ok(node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "free").encode(), owner))
        .getJsonObject("change");
    assertTrue(change.getLong("prorated_cents") < 0, "a credit for the growth days not used: " + change);
    clock.set(end.plusSeconds(1));
    assertTrue(tick().invoicesIssued >= 1);

    // then the closed period's events are priced with growth, the plan in force then; the next period is free's
    JsonObject invoice = ok(node.get("/v1/products/" + productId + "/billing", owner)).getJsonArray("invoices").getJsonObject(0);
    JsonArray lines = invoice.getJsonArray("lines");
    JsonObject events = lines.stream().map(line -> (JsonObject) line).filter(line -> line.getString("kind").equals("events")).findFirst().orElseThrow();
    assertEquals(3_000_000L, events.getLong("quantity"));
    assertEquals(500 * 10L, events.getLong("amount_cents"), "500,000 events over growth's 2,500,000, at 10 cents a thousand: " + events);
    assertTrue(events.getString("description").contains("on plan growth"), events.encode());
    JsonObject plan = lines.getJsonObject(0);
    assertEquals("plan", plan.getString("kind"));
    assertEquals(0L, plan.getLong("amount_cents"), "the next period, on free, costs nothing");
    assertEquals("free", node.query("SELECT period_plan FROM product_billing WHERE product_id = " + productId), "the new period began on free");
  }
}
