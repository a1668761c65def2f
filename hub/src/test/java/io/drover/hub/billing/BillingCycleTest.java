package io.drover.hub.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.MovableClock;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A whole billing cycle on a clock the test moves: a product's period closes and its invoice is issued,
 * charged a week later with a card that fails, retried every 3 days, the account locked after the third
 * failure (changes refused, reads open, the device still working, nothing deleted), and unlocked by a
 * card update whose charge succeeds.
 */
class BillingCycleTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static MovableClock clock;
  private static TestNode node;
  private static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    clock = new MovableClock(Instant.now());
    // the scheduler's own timer stays out of the way: the test ticks
    node = TestNode.startWithClock(clock, "--billing.tick-seconds=86400");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static Billing.PassResult tick() throws Exception {
    return node.node().billing().tick().await(20, TimeUnit.SECONDS);
  }

  static String token(TestNode node, String number, int month, int year, String owner) throws Exception {
    HttpResponse<String> tokenised = node.post("/v1/billing/test_gateway/tokens", new JsonObject().put("number", number)
        .put("exp_month", month).put("exp_year", year).put("cvc", "123").encode(), owner);
    assertEquals(200, tokenised.statusCode(), tokenised.body());
    return new JsonObject(tokenised.body()).getString("id");
  }

  private static JsonObject ok(HttpResponse<String> response) {
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  @Test
  void aFailingCardIsRetriedThreeTimesThenLocksTheAccountAndAWorkingCardUnlocksIt() throws Exception {
    String owner = node.signUpAndLogIn("payer@billing.example", "the payer's password");
    JsonObject product = new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject()
        .put("name", "Cycle Lamp").put("platform_id", 12)).encode(), owner).body()).getJsonObject("product");
    int productId = product.getInteger("id");
    String ownerId = node.query("SELECT id FROM users WHERE username = 'payer@billing.example'");
    String developer = node.signUpAndLogIn("builder@billing.example", "the builder's password");
    node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + productId
        + ", id, 'developer' FROM users WHERE username = 'builder@billing.example'");
    // a device in the fleet, which must keep working through the lock
    TestNode.DeviceIdentity device = node.provisionDevice();
    assertEquals(200, node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", device.id()).encode(), node.adminToken())
        .statusCode());

    // given a card whose charges fail, and the product moved to the growth plan at the start of its period
    String failing = token(node, "4000 0000 0000 0341", 12, 2099, owner);
    JsonObject card = ok(node.send("PUT", "/v1/card", new JsonObject().put("token", failing).encode(), owner));
    assertEquals("0341", card.getJsonObject("card").getString("last4"));
    assertEquals("1", node.query("SELECT count(*) FROM billing_accounts WHERE card_token IS NOT NULL AND card_last4 = '0341'"));
    JsonObject change = ok(node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), owner))
        .getJsonObject("change");
    long prorated = change.getLong("prorated_cents");
    assertTrue(prorated > 24_000 && prorated <= 24_900, "at the period's start the upgrade costs nearly a whole month: " + change);
    node.execute("INSERT INTO product_event_usage (product_id, day, delivered) VALUES (" + productId + ", (now() AT TIME ZONE 'UTC')::date, 1234)");

    JsonObject before = ok(node.get("/v1/products/" + productId + "/billing", owner));
    assertEquals("growth", before.getJsonObject("plan").getString("name"));
    assertEquals(1234, before.getJsonObject("usage").getLong("events"));
    assertEquals(1, before.getJsonObject("usage").getLong("devices"));
    Instant periodEnd = Instant.parse(before.getString("renews_at"));

    // when the period closes, its invoice is issued, not yet charged
    assertEquals(0, tick().invoicesIssued, "nothing closes before the period ends");
    assertEquals("1", node.query("SELECT devices FROM product_device_days WHERE product_id = " + productId
        + " AND day = '" + java.time.LocalDate.ofInstant(clock.instant(), java.time.ZoneOffset.UTC) + "'"), "the day's fleet size, recorded by the pass");
    clock.set(periodEnd.plusSeconds(1));
    Billing.PassResult closing = tick();
    assertEquals(1, closing.invoicesIssued);
    assertEquals(0, closing.charged + closing.failed, "charged a week after the period closed, not at once");
    JsonObject invoice = ok(node.get("/v1/products/" + productId + "/billing", owner)).getJsonArray("invoices").getJsonObject(0);
    assertEquals("open", invoice.getString("status"));
    assertEquals(periodEnd.plus(Duration.ofDays(7)).toString(), invoice.getString("due_at"));
    JsonArray lines = invoice.getJsonArray("lines");
    assertEquals(java.util.List.of("plan", "devices", "events", "team", "proration"),
        lines.stream().map(line -> ((JsonObject) line).getString("kind")).toList());
    assertEquals(24_900, lines.getJsonObject(0).getLong("amount_cents"), "the next month of growth, in advance");
    assertEquals(1, lines.getJsonObject(1).getLong("quantity"), "devices in the fleet");
    assertEquals(1234, lines.getJsonObject(2).getLong("quantity"), "outbound events of the period");
    assertEquals(2, lines.getJsonObject(3).getLong("quantity"), "team members: the owner and the developer");
    assertEquals(prorated, lines.getJsonObject(4).getLong("amount_cents"));
    assertEquals(24_900 + prorated, invoice.getLong("total_cents"));
    assertEquals(0, tick().invoicesIssued, "a second pass at the same time issues nothing more");

    // the first charge, a week later, fails: a notice, the Console still usable
    clock.set(periodEnd.plus(Duration.ofDays(7)).plusSeconds(1));
    assertEquals(1, tick().failed);
    JsonObject status = ok(node.get("/v1/billing", owner));
    assertFalse(status.getBoolean("locked"));
    assertEquals(1, status.getJsonArray("failed_payments").size(), "the banner's failed payment");
    assertEquals(1, status.getJsonArray("failed_payments").getJsonObject(0).getInteger("attempts"));
    TestNode.eventually(WAIT, () -> count("SELECT count(*) FROM events WHERE name = 'drover/billing/payment_failed' AND owner_id = " + ownerId) == 1,
        "a notice on the owner's stream");
    assertEquals(201, node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Still Open")
        .put("platform_id", 12)).encode(), owner).statusCode(), "a failed payment does not stop the Console");

    // retries every 3 days (not before), each failing
    clock.advance(Duration.ofHours(71));
    assertEquals(0, tick().failed, "no retry before the interval");
    clock.advance(Duration.ofHours(1));
    assertEquals(1, tick().failed, "the second attempt");
    assertFalse(ok(node.get("/v1/billing", owner)).getBoolean("locked"));
    clock.advance(Duration.ofHours(72));
    Billing.PassResult third = tick();
    assertEquals(1, third.failed);
    assertEquals(1, third.locked, "the third failure locks the account");
    assertEquals(3L, count("SELECT count(*) FROM payment_attempts WHERE outcome = 'declined'"));
    TestNode.eventually(WAIT, () -> count("SELECT count(*) FROM events WHERE name = 'drover/billing/account_locked' AND owner_id = " + ownerId) == 1,
        "the lock's notice on the owner's stream");
    // (still inside the next period: its own invoice comes at its end)
    clock.advance(Duration.ofDays(10));
    assertEquals(0, tick().failed, "no fourth attempt by itself");

    // locked: changes refused with a clear answer, reads open, nothing deleted, the device still publishing
    JsonObject locked = ok(node.get("/v1/billing", owner));
    assertTrue(locked.getBoolean("locked"));
    assertEquals("failed", locked.getJsonArray("failed_payments").getJsonObject(0).getString("status"));
    HttpResponse<String> refused = node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Refused")
        .put("platform_id", 12)).encode(), owner);
    assertEquals(403, refused.statusCode(), refused.body());
    JsonObject error = new JsonObject(refused.body());
    assertEquals(false, error.getBoolean("ok"));
    assertEquals("account_locked", error.getString("error"));
    assertTrue(error.getString("error_description").startsWith("account locked: update your card"), refused.body());
    // dot segments: the lock judges the path the router routes, not an exempt prefix before a ".."
    HttpResponse<String> dotted = node.post("/v1/billing/../products", new JsonObject().put("product", new JsonObject().put("name", "Dotted")
        .put("platform_id", 12)).encode(), owner);
    assertEquals(403, dotted.statusCode(), dotted.body());
    assertEquals("account_locked", new JsonObject(dotted.body()).getString("error"));
    HttpResponse<String> dottedTeam = node.post("/v1/billing/../products/" + productId + "/groups", new JsonObject().put("name", "dotted").encode(),
        developer);
    assertEquals(403, dottedTeam.statusCode(), dottedTeam.body());
    HttpResponse<String> planRefused = node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "free").encode(), owner);
    assertEquals(403, planRefused.statusCode(), planRefused.body());
    HttpResponse<String> teammate = node.post("/v1/products/" + productId + "/groups", new JsonObject().put("name", "north").encode(), developer);
    assertEquals(403, teammate.statusCode(), teammate.body());
    assertEquals("account_locked", new JsonObject(teammate.body()).getString("error"), "the owner's products take no changes from the team either");
    assertEquals(200, node.get("/v1/products/" + productId + "/groups", developer).statusCode(), "the team still reads");
    assertEquals(200, node.get("/v1/products", owner).statusCode(), "reads stay open");
    assertEquals(200, node.get("/v1/products/" + productId + "/devices", owner).statusCode());
    assertEquals(2L, count("SELECT count(*) FROM products WHERE owner_id = " + ownerId), "nothing deleted");
    assertEquals(String.valueOf(productId), node.query("SELECT product_id FROM devices WHERE id = '" + device.id() + "'"));
    try (TestDevice connected = TestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret()).await(10, TimeUnit.SECONDS)) {
      connected.publishAcknowledged("e/still-working", Buffer.buffer("1"));
    }
    assertEquals(1, node.countEvents(device.id(), "still-working"), "a locked owner's devices keep working");

    // a declined card changes nothing
    HttpResponse<String> declined = node.post("/v1/billing/test_gateway/tokens", new JsonObject().put("number", "4000000000000002")
        .put("exp_month", 12).put("exp_year", 2099).put("cvc", "123").encode(), owner);
    assertEquals(402, declined.statusCode(), declined.body());
    assertEquals("card_declined", new JsonObject(declined.body()).getString("error"));
    assertTrue(ok(node.get("/v1/billing", owner)).getBoolean("locked"));

    // then a working card: charged at once, the account unlocked
    JsonObject updated = ok(node.send("PUT", "/v1/card", new JsonObject().put("token", token(node, "4242424242424242", 1, 2099, owner)).encode(), owner));
    assertEquals(1, updated.getInteger("paid"));
    assertFalse(updated.getBoolean("locked"));
    JsonObject after = ok(node.get("/v1/billing", owner));
    assertFalse(after.getBoolean("locked"));
    assertEquals(0, after.getJsonArray("failed_payments").size(), "no banner once paid");
    assertEquals("paid", after.getJsonArray("invoices").stream().map(i -> (JsonObject) i)
        .filter(i -> i.getInteger("product_id") == productId).findFirst().orElseThrow().getString("status"));
    assertEquals(201, node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Open Again")
        .put("platform_id", 12)).encode(), owner).statusCode(), "changes accepted again");
    HttpResponse<String> teammateAgain = node.post("/v1/products/" + productId + "/groups", new JsonObject().put("name", "north").encode(), developer);
    assertTrue(teammateAgain.statusCode() / 100 == 2, teammateAgain.body());
    assertEquals(0, tick().charged, "a paid invoice is not charged again");
  }

  @Test
  void anIssuedInvoiceCannotBeChangedOrDeleted() throws Exception {
    String owner = node.signUpAndLogIn("ledger@billing.example", "the ledger's password");
    int productId = new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject()
        .put("name", "Ledger Lamp").put("platform_id", 12)).encode(), owner).body()).getJsonObject("product").getInteger("id");
    node.execute("UPDATE product_billing SET period_end = period_start + interval '1 second' WHERE product_id = " + productId);
    Instant end = Instant.parse(ok(node.get("/v1/products/" + productId + "/billing", owner)).getString("period_end"));
    if (clock.instant().isBefore(end)) {
      clock.set(end.plusSeconds(1));
    }
    tick();
    String invoice = node.query("SELECT id FROM invoices WHERE product_id = " + productId);
    assertEquals("paid", node.query("SELECT status FROM invoices WHERE id = " + invoice), "a free plan's invoice owes nothing");
    assertThrowsSql(() -> node.execute("UPDATE invoices SET total_cents = 1 WHERE id = " + invoice));
    assertThrowsSql(() -> node.execute("UPDATE invoice_lines SET amount_cents = 1 WHERE invoice_id = " + invoice));
    assertThrowsSql(() -> node.execute("DELETE FROM invoices WHERE id = " + invoice));
    assertEquals("0", node.query("SELECT total_cents FROM invoices WHERE id = " + invoice));
    assertNull(node.query("SELECT next_attempt_at FROM invoices WHERE id = " + invoice));
  }

  private static void assertThrowsSql(org.junit.jupiter.api.function.Executable change) {
    java.sql.SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class, change);
    assertTrue(refused.getMessage().contains("immutable") || refused.getMessage().contains("never deleted"), refused.getMessage());
  }

  private static long count(String sql) {
    try {
      return Long.parseLong(node.query(sql));
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
