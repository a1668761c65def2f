package io.drover.hub.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token revocation: what takes a credential away takes its tokens away too. Deleting an OAuth client
 * (an account's or a product's) revokes every token issued through it, the team resetting a
 * customer's password revokes the customer's tokens, and a person changing their own password
 * ({@code PUT /v1/user} as particle-api-js's changeUserPassword sends it, or {@code POST
 * /v1/user/password}) revokes the account's other tokens. Real node, real HTTP.
 */
class TokenRevocationTest {

  private static final String PASSWORD = "correct horse battery";
  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    node.signUpAndLogIn("first@revocation.example", PASSWORD);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void deletingAnAccountClientRevokesTheTokensIssuedThroughIt() throws Exception {
    String owner = newAccount();
    JsonObject client = accountClient(owner);
    JsonObject grant = grant(Map.of("grant_type", "client_credentials"), client);
    String token = grant.getString("access_token");
    assertEquals(200, node.get("/v1/devices", token).statusCode());

    assertEquals(204, node.send("DELETE", "/v1/clients/" + client.getString("id"), null, owner).statusCode());

    assertError(node.get("/v1/devices", token), 401, "invalid_token");
    assertEquals(200, node.get("/v1/devices", owner).statusCode(), "the owner's own log-in token is another client's");
  }

  /**
   * A grant the client's deletion overtakes (the client was read, the token not yet written) must not
   * leave a live token behind: clients hammer the grant while the owner deletes the client, and every
   * token any of them got is refused afterwards.
   */
  @Test
  void noTokenOfADeletedClientOutlivesItsDeletionEvenWhenGrantedMeanwhile() throws Exception {
    String owner = newAccount();
    JsonObject client = accountClient(owner);
    ConcurrentLinkedQueue<String> granted = new ConcurrentLinkedQueue<>();
    AtomicBoolean deleted = new AtomicBoolean();
    AtomicInteger afterDeletion = new AtomicInteger();
    List<Thread> grabbers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread grabber = new Thread(() -> {
        // keep asking until well after the deletion: requests in flight at that moment are the point
        while (afterDeletion.get() < 40) {
          try {
            HttpResponse<String> answer = node.postForm("/oauth/token", Map.of("grant_type", "client_credentials"),
                client.getString("id") + ":" + client.getString("secret"));
            if (answer.statusCode() == 200) {
              granted.add(new JsonObject(answer.body()).getString("access_token"));
            }
            if (deleted.get()) {
              afterDeletion.incrementAndGet();
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      grabber.start();
      grabbers.add(grabber);
    }
    TestNode.eventually(java.time.Duration.ofSeconds(10), () -> granted.size() >= 20, "grants before the deletion");

    assertEquals(204, node.send("DELETE", "/v1/clients/" + client.getString("id"), null, owner).statusCode());
    deleted.set(true);
    for (Thread grabber : grabbers) {
      grabber.join(30_000);
    }

    List<String> live = new ArrayList<>();
    for (String token : granted) {
      HttpResponse<String> answer = node.get("/v1/user", token);
      if (answer.statusCode() != 401) {
        live.add(answer.statusCode() + " " + answer.body());
      }
    }
    assertEquals(List.of(), live, live.size() + " of the " + granted.size() + " tokens granted to the deleted client are still accepted");
  }

  @Test
  void deletingAProductClientRevokesItsCustomersTokensAndRefreshTokens() throws Exception {
    String owner = newAccount();
    int product = product(owner);
    JsonObject client = productClient(owner, product);
    JsonObject customer = customer(product, client, "carol@customers.example", "carol's password");
    assertEquals(200, node.get("/v1/devices", customer.getString("access_token")).statusCode());

    assertEquals(200, node.send("DELETE", "/v1/products/" + product + "/clients/" + client.getString("id"), null, owner).statusCode());

    assertError(node.get("/v1/devices", customer.getString("access_token")), 401, "invalid_token");
    assertEquals("0", node.query("SELECT count(*) FROM access_tokens WHERE client_id = '" + client.getString("id")
        + "' AND (revoked_at IS NULL OR refresh_hash IS NOT NULL)"), "no live token and no usable refresh token of the client left");
  }

  @Test
  void theTeamResettingACustomersPasswordRevokesTheCustomersTokens() throws Exception {
    String owner = newAccount();
    int product = product(owner);
    JsonObject client = productClient(owner, product);
    JsonObject customer = customer(product, client, "dave@customers.example", "dave's old password");
    String basic = client.getString("id") + ":" + client.getString("secret");
    JsonObject login = grant(Map.of("grant_type", "password", "username", "dave@customers.example", "password", "dave's old password"), client);

    HttpResponse<String> reset = node.send("PUT", "/v1/products/" + product + "/customers/dave@customers.example",
        "{\"password\":\"dave's new password\"}", owner);
    assertEquals(200, reset.statusCode(), reset.body());

    assertError(node.get("/v1/devices", customer.getString("access_token")), 401, "invalid_token");
    assertError(node.get("/v1/devices", login.getString("access_token")), 401, "invalid_token");
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", login.getString("refresh_token")), basic),
        400, "invalid_grant");
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", "dave@customers.example",
        "password", "dave's old password"), basic), 400, "invalid_grant");
    String fresh = grant(Map.of("grant_type", "password", "username", "dave@customers.example", "password", "dave's new password"), client)
        .getString("access_token");
    assertEquals(200, node.get("/v1/devices", fresh).statusCode());
  }

  /** particle-api-js's changeUserPassword: {@code PUT /v1/user {password, current_password}}. */
  @Test
  void changingThePasswordAsParticleApiJsDoesRevokesTheOtherTokensButNotTheCallers() throws Exception {
    String email = "person" + ACCOUNTS.incrementAndGet() + "@revocation.example";
    String caller = node.signUpAndLogIn(email, PASSWORD);
    JsonObject other = passwordGrant(email, PASSWORD);

    HttpResponse<String> changed = node.send("PUT", "/v1/user",
        new JsonObject().put("current_password", PASSWORD).put("password", "a brand new password").encode(), caller);

    assertEquals(200, changed.statusCode(), changed.body());
    assertEquals(true, new JsonObject(changed.body()).getBoolean("ok"));
    assertEquals(200, node.get("/v1/user", caller).statusCode(), "the token that changed it goes on");
    assertError(node.get("/v1/user", other.getString("access_token")), 401, "invalid_token");
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", other.getString("refresh_token")),
        "particle-api:particle-api"), 400, "invalid_grant");
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", email, "password", PASSWORD),
        "particle-api:particle-api"), 400, "invalid_grant");
    assertEquals(200, passwordGrantStatus(email, "a brand new password"));
  }

  /** {@code invalidate_tokens: true} (particle-api-js's invalidateTokens) revokes the caller's token as well. */
  @Test
  void invalidateTokensRevokesEveryTokenTheCallersToo() throws Exception {
    String email = "person" + ACCOUNTS.incrementAndGet() + "@revocation.example";
    String caller = node.signUpAndLogIn(email, PASSWORD);

    HttpResponse<String> changed = node.send("PUT", "/v1/user", new JsonObject().put("current_password", PASSWORD)
        .put("password", "a brand new password").put("invalidate_tokens", true).encode(), caller);

    assertEquals(200, changed.statusCode(), changed.body());
    assertError(node.get("/v1/user", caller), 401, "invalid_token");
  }

  @Test
  void postUserPasswordChangesItTooAndNeedsTheCurrentOne() throws Exception {
    String email = "person" + ACCOUNTS.incrementAndGet() + "@revocation.example";
    String caller = node.signUpAndLogIn(email, PASSWORD);
    String other = node.logIn(email, PASSWORD);

    assertError(node.post("/v1/user/password", new JsonObject().put("current_password", "not the password")
        .put("password", "a brand new password").encode(), caller), 400, "invalid_request");
    assertError(node.post("/v1/user/password", new JsonObject().put("password", "a brand new password").encode(), caller), 400,
        "invalid_request");
    assertError(node.post("/v1/user/password", new JsonObject().put("current_password", PASSWORD).put("password", "short").encode(), caller),
        400, "invalid_request");
    assertError(node.post("/v1/user/password", new JsonObject().put("current_password", PASSWORD).put("password", "x".repeat(9)).encode(),
        null), 401, "invalid_request");
    assertEquals(200, node.get("/v1/user", other).statusCode(), "refused changes revoke nothing");
    assertEquals(200, passwordGrantStatus(email, PASSWORD), "and change nothing");

    HttpResponse<String> changed = node.post("/v1/user/password",
        new JsonObject().put("current_password", PASSWORD).put("password", "a brand new password").encode(), caller);

    assertEquals(200, changed.statusCode(), changed.body());
    assertError(node.get("/v1/user", other), 401, "invalid_token");
    assertEquals(200, node.get("/v1/user", caller).statusCode());
    assertEquals(200, passwordGrantStatus(email, "a brand new password"));
  }

  @Test
  void theBootstrapTokenAndApiUsersHaveNoPasswordToChange() throws Exception {
    String body = new JsonObject().put("current_password", PASSWORD).put("password", "a brand new password").encode();
    assertError(node.send("PUT", "/v1/user", body, node.adminToken()), 403, "forbidden");

    String owner = newAccount();
    int product = product(owner);
    HttpResponse<String> made = node.post("/v1/products/" + product + "/team",
        "{\"friendly_name\":\"robot\",\"scopes\":[\"devices:list\"]}", owner);
    assertEquals(201, made.statusCode(), made.body());
    String robot = new JsonObject(made.body()).getJsonObject("created").getJsonArray("tokens").getJsonObject(0).getString("token");
    assertError(node.send("PUT", "/v1/user", body, robot), 403, "forbidden");
  }

  @Test
  void onlyThePasswordCanBeChangedThisWay() throws Exception {
    String email = "person" + ACCOUNTS.incrementAndGet() + "@revocation.example";
    String caller = node.signUpAndLogIn(email, PASSWORD);

    assertError(node.send("PUT", "/v1/user", new JsonObject().put("current_password", PASSWORD).put("username", "new@revocation.example")
        .encode(), caller), 400, "invalid_request");
    assertEquals(email, new JsonObject(node.get("/v1/user", caller).body()).getString("username"));
  }

  private static String newAccount() throws Exception {
    return node.signUpAndLogIn("owner" + ACCOUNTS.incrementAndGet() + "@revocation.example", PASSWORD);
  }

  private static JsonObject accountClient(String owner) throws Exception {
    HttpResponse<String> created = node.post("/v1/clients", "{\"name\":\"My server\",\"type\":\"installed\"}", owner);
    assertEquals(201, created.statusCode(), created.body());
    return new JsonObject(created.body()).getJsonObject("client");
  }

  private static int product(String owner) throws Exception {
    HttpResponse<String> made = node.post("/v1/products", "{\"name\":\"Lamp " + ACCOUNTS.incrementAndGet() + "\",\"platform_id\":12}", owner);
    assertEquals(201, made.statusCode(), made.body());
    return new JsonObject(made.body()).getJsonObject("product").getInteger("id");
  }

  private static JsonObject productClient(String owner, int product) throws Exception {
    HttpResponse<String> made = node.post("/v1/products/" + product + "/clients", "{\"name\":\"App\",\"type\":\"installed\"}", owner);
    assertEquals(201, made.statusCode(), made.body());
    return new JsonObject(made.body()).getJsonObject("client");
  }

  private static JsonObject customer(int product, JsonObject client, String email, String password) throws Exception {
    HttpResponse<String> made = node.postForm("/v1/products/" + product + "/customers", Map.of("email", email, "password", password),
        client.getString("id") + ":" + client.getString("secret"));
    assertEquals(200, made.statusCode(), made.body());
    return new JsonObject(made.body());
  }

  private static JsonObject grant(Map<String, String> form, JsonObject client) throws Exception {
    HttpResponse<String> answer = node.postForm("/oauth/token", form, client.getString("id") + ":" + client.getString("secret"));
    assertEquals(200, answer.statusCode(), answer.body());
    return new JsonObject(answer.body());
  }

  private static JsonObject passwordGrant(String email, String password) throws Exception {
    HttpResponse<String> answer = node.postForm("/oauth/token", Map.of("grant_type", "password", "username", email, "password", password),
        "particle-api:particle-api");
    assertEquals(200, answer.statusCode(), answer.body());
    return new JsonObject(answer.body());
  }

  private static int passwordGrantStatus(String email, String password) throws Exception {
    return node.postForm("/oauth/token", Map.of("grant_type", "password", "username", email, "password", password),
        "particle-api:particle-api").statusCode();
  }

  private static void assertError(HttpResponse<String> response, int status, String error) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    assertEquals(error, body.getString("error"), response.body());
    assertTrue(!response.body().contains("Exception"), "no stack trace: " + response.body());
  }
}
