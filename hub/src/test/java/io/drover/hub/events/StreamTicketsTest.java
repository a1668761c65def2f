package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Stream tickets: a stream ticket ({@code POST /v1/events/stream_tickets}) opens the one stream it
 * names, once, within a minute, as the account whose live token asked for it; it is good for nothing
 * else. {@code ?access_token=} keeps working for Particle's clients.
 */
@ExtendWith(VertxExtension.class)
class StreamTicketsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    node.signUpAndLogIn("operator@tickets.example", "the administrator");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aTicketOpensTheStreamItNamesOnceAsItsAccount(Vertx vertx) throws Exception {
    String token = newAccount();
    JsonObject ticket = ticket(token, "/v1/devices/events/drover");
    assertEquals(60, ticket.getInteger("expires_in"));
    assertEquals("/v1/devices/events/drover", ticket.getString("path"));
    assertTrue(ticket.getString("ticket").matches("[0-9a-f]{64}"), ticket.encode());

    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/drover?stream_ticket=" + ticket.getString("ticket"), null)) {
      assertEquals(200, stream.status());
      assertEquals(200, node.post("/v1/devices/events", "{\"name\":\"drover/ticket\",\"data\":\"mine\"}", token).statusCode());
      SseClient.Event event = stream.awaitEvent(e -> e.name().equals("drover/ticket"), WAIT);
      assertEquals("mine", event.data().getString("data"), "the account's own event: the stream is the account's");
    }

    assertError(refused("/v1/devices/events/drover?stream_ticket=" + ticket.getString("ticket")), 401, "invalid_token");
  }

  @Test
  void aTicketOpensNoOtherStreamAndNoOtherRouteAndIsSpentTrying(Vertx vertx) throws Exception {
    String token = newAccount();
    String forDevices = ticket(token, "/v1/devices/events").getString("ticket");
    assertError(refused("/v1/events?stream_ticket=" + forDevices), 403, "forbidden");
    assertError(refused("/v1/devices/events?stream_ticket=" + forDevices), 401, "invalid_token");

    String other = ticket(token, "/v1/devices/events").getString("ticket");
    assertError(node.get("/v1/devices?stream_ticket=" + other, null), 401, "invalid_request");
    assertError(node.get("/v1/user?stream_ticket=" + other, null), 401, "invalid_request");
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events?stream_ticket=" + other, null)) {
      assertEquals(200, stream.status(), "those routes did not spend it");
    }
  }

  @Test
  void anExpiredTicketIsRefused(Vertx vertx) throws Exception {
    String token = newAccount();
    String ticket = ticket(token, "/v1/devices/events").getString("ticket");
    node.execute("UPDATE stream_tickets SET expires_at = now() - interval '1 second'");

    assertError(refused("/v1/devices/events?stream_ticket=" + ticket), 401, "invalid_token");
  }

  @Test
  void aTicketDiesWithTheTokenThatAskedForIt(Vertx vertx) throws Exception {
    String token = newAccount();
    String ticket = ticket(token, "/v1/devices/events").getString("ticket");
    assertEquals(200, node.send("DELETE", "/v1/access_tokens/current", null, token).statusCode());

    assertError(refused("/v1/devices/events?stream_ticket=" + ticket), 401, "invalid_token");
  }

  @Test
  void aTicketCarriesItsAccountsRightsAndNoMore(Vertx vertx) throws Exception {
    String owner = newAccount();
    String outsider = newAccount();
    String device = node.provisionDevice().id();
    node.claim(device, owner);
    HttpResponse<String> product = node.post("/v1/products", "{\"name\":\"Ticket lamp " + ACCOUNTS.incrementAndGet() + "\",\"platform_id\":12}", owner);
    int productId = new JsonObject(product.body()).getJsonObject("product").getInteger("id");

    String path = "/v1/devices/" + device + "/events";
    assertError(refused(path + "?stream_ticket=" + ticket(outsider, path).getString("ticket")), 404, "not_found");
    String productPath = "/v1/products/" + productId + "/events";
    assertError(refused(productPath + "?stream_ticket=" + ticket(outsider, productPath).getString("ticket")), 404, "not_found");
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), path + "?stream_ticket=" + ticket(owner, path).getString("ticket"), null)) {
      assertEquals(200, stream.status());
    }
  }

  @Test
  void onlyAnAccountsTokenGetsTicketsAndOnlyForEventStreams() throws Exception {
    String token = newAccount();
    for (String path : new String[] {"/v1/devices", "/v1/user", "/v1/devices/events?filter=x", "v1/devices/events", "/v1/eventsx",
        "/v1/history/events", ""}) {
      assertError(node.post("/v1/events/stream_tickets", new JsonObject().put("path", path).encode(), token), 400, "invalid_request");
    }
    assertError(node.post("/v1/events/stream_tickets", "{}", token), 400, "invalid_request");
    assertError(node.post("/v1/events/stream_tickets", "{\"path\":\"/v1/devices/events\"}", null), 401, "invalid_request");
    assertError(node.post("/v1/events/stream_tickets", "{\"path\":\"/v1/devices/events\"}", node.adminToken()), 403, "forbidden");
    for (String path : new String[] {"/v1/events", "/v1/events/a/b", "/v1/devices/events", "/v1/devices/abc/events/x", "/v1/products/lamp/events"}) {
      assertEquals(200, node.post("/v1/events/stream_tickets", new JsonObject().put("path", path).encode(), token).statusCode(), path);
    }
  }

  @Test
  void aTokenHoldsAtMostTenUnusedTickets() throws Exception {
    String token = newAccount();
    for (int i = 0; i < 10; i++) {
      ticket(token, "/v1/devices/events");
    }

    assertError(node.post("/v1/events/stream_tickets", "{\"path\":\"/v1/devices/events\"}", token), 429, "rate_limited");
    assertEquals(200, node.post("/v1/events/stream_tickets", "{\"path\":\"/v1/devices/events\"}", newAccount()).statusCode(),
        "another token has its own");
  }

  /** Particle's API takes the token as a query parameter, and its clients (particle-api-js in a browser) use that. */
  @Test
  void theAccessTokenParameterStillOpensStreams(Vertx vertx) throws Exception {
    String token = newAccount();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events?access_token=" + token, null)) {
      assertEquals(200, stream.status());
    }
  }

  @Test
  void ticketsAreStoredOnlyAsHashes() throws Exception {
    String token = newAccount();
    String ticket = ticket(token, "/v1/events").getString("ticket");

    assertEquals("0", node.query("SELECT count(*) FROM stream_tickets WHERE encode(ticket_hash, 'hex') = '" + ticket + "'"));
    assertEquals("1", node.query("SELECT count(*) FROM stream_tickets WHERE ticket_hash = sha256(convert_to('" + ticket + "', 'UTF8'))"));
    assertFalse(node.query("SELECT string_agg(path, ',') FROM stream_tickets").contains(ticket));
  }

  private static String newAccount() throws Exception {
    return node.signUpAndLogIn("watcher" + ACCOUNTS.incrementAndGet() + "@tickets.example", "a watcher's password");
  }

  private static JsonObject ticket(String token, String path) throws Exception {
    HttpResponse<String> answer = node.post("/v1/events/stream_tickets", new JsonObject().put("path", path).encode(), token);
    assertEquals(200, answer.statusCode(), answer.body());
    JsonObject body = new JsonObject(answer.body());
    assertEquals(true, body.getBoolean("ok"));
    return body;
  }

  /** A refused stream answers at once in the API's error shape (an opened one would not end: use SseClient). */
  private static HttpResponse<String> refused(String path) throws Exception {
    return node.get(path, null);
  }

  private static void assertError(HttpResponse<String> response, int status, String error) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    assertEquals(error, body.getString("error"), response.body());
  }
}
