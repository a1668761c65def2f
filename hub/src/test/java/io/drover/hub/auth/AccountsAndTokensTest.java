package io.drover.hub.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Accounts and OAuth tokens over real HTTP against a real node. */
class AccountsAndTokensTest {

  private static final String PASSWORD = "correct horse battery";
  private static TestNode node;
  private static String firstToken;

  @BeforeAll
  static void startNodeAndFirstAccount() throws Exception {
    node = TestNode.start();
    firstToken = node.signUpAndLogIn("first@example.com", PASSWORD);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void anAccountSaysWhoItIsAndSigningUpMakesNoAdministrator() throws Exception {
    String later = node.signUpAndLogIn("later@example.com", PASSWORD);

    assertEquals(false, new JsonObject(node.get("/v1/user", firstToken).body()).getBoolean("admin"), "not even the first account");
    JsonObject me = new JsonObject(node.get("/v1/user", later).body());
    assertEquals("later@example.com", me.getString("username"));
    assertEquals(false, me.getBoolean("admin"));
  }

  @Test
  void signUpStatesWhatIsWrong() throws Exception {
    assertError(node.post("/v1/users", "{\"username\":\"not-an-email\",\"password\":\"long enough\"}", null), 400, "invalid_request",
        "username must be an email address");
    assertError(node.post("/v1/users", "{\"username\":\"short@example.com\",\"password\":\"1234567\"}", null), 400, "invalid_request",
        "Password must be at least 8 characters long");
    node.post("/v1/users", "{\"username\":\"Twice@Example.com\",\"password\":\"long enough\"}", null);
    assertError(node.post("/v1/users", "{\"username\":\"twice@example.com\",\"password\":\"long enough\"}", null), 400, "username_taken", null);
  }

  @Test
  void passwordIsStoredAsASlowSaltedHash() throws Exception {
    node.signUpAndLogIn("hashed@example.com", PASSWORD);

    String stored = node.query("SELECT password_hash FROM users WHERE username = 'hashed@example.com'");
    assertTrue(stored.startsWith("pbkdf2-sha256$310000$"), stored);
    assertFalse(stored.contains(PASSWORD));
  }

  @Test
  void passwordGrantAnswersLikeParticleAndRefusesBadCredentials() throws Exception {
    HttpResponse<String> granted = node.postForm("/oauth/token",
        Map.of("grant_type", "password", "username", "FIRST@example.com", "password", PASSWORD), "particle-cli:particle-cli");
    assertEquals(200, granted.statusCode(), granted.body());
    JsonObject grant = new JsonObject(granted.body());
    assertEquals("bearer", grant.getString("token_type"));
    assertEquals(7_776_000L, grant.getLong("expires_in"));
    assertTrue(grant.getString("refresh_token").matches("[0-9a-f]{40}"));

    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", "first@example.com", "password", "wrong password"),
        "particle-cli:particle-cli"), 400, "invalid_grant", "User credentials are invalid");
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", "nobody@example.com", "password", PASSWORD),
        "particle-cli:particle-cli"), 400, "invalid_grant", "User credentials are invalid");
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", "first@example.com", "password", PASSWORD),
        "particle-cli:wrong"), 401, "invalid_client", null);
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "magic", "client_id", "particle-api", "client_secret", "particle-api"), null),
        400, "unsupported_grant_type", null);
  }

  @Test
  void revokingTheCurrentTokenTakesEffectOnTheNextRequest() throws Exception {
    String token = node.logIn("first@example.com", PASSWORD);
    assertEquals(200, node.get("/v1/devices", token).statusCode());

    assertEquals(200, node.send("DELETE", "/v1/access_tokens/current", null, token).statusCode());

    assertError(node.get("/v1/devices", token), 401, "invalid_token", null);
    assertEquals(200, node.get("/v1/devices", firstToken).statusCode(), "other tokens live on");
  }

  @Test
  void tokensAreListedAndRevokedOneByOne() throws Exception {
    String token = node.logIn("first@example.com", PASSWORD);
    JsonArray listed = new JsonArray(node.get("/v1/access_tokens", firstToken).body());
    assertTrue(listed.size() >= 2);
    String newest = listed.getJsonObject(0).getString("token");

    assertEquals(200, node.send("DELETE", "/v1/access_tokens/" + newest, null, firstToken).statusCode());

    assertEquals(401, node.get("/v1/devices", token).statusCode());
    assertError(node.send("DELETE", "/v1/access_tokens/" + newest, null, firstToken), 404, "not_found", null);
  }

  @Test
  void refreshTokenGivesANewPairOnceAndRetiresTheOldAccessToken() throws Exception {
    JsonObject grant = new JsonObject(node.postForm("/oauth/token",
        Map.of("grant_type", "password", "username", "first@example.com", "password", PASSWORD), "particle-api:particle-api").body());

    HttpResponse<String> refreshed = node.postForm("/oauth/token",
        Map.of("grant_type", "refresh_token", "refresh_token", grant.getString("refresh_token")), "particle-api:particle-api");

    assertEquals(200, refreshed.statusCode(), refreshed.body());
    String fresh = new JsonObject(refreshed.body()).getString("access_token");
    assertNotEquals(grant.getString("access_token"), fresh);
    assertEquals(200, node.get("/v1/devices", fresh).statusCode());
    assertEquals(401, node.get("/v1/devices", grant.getString("access_token")).statusCode());
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", grant.getString("refresh_token")),
        "particle-api:particle-api"), 400, "invalid_grant", null);
  }

  @Test
  void accountClientGetsTokensForItsOwnerWithClientCredentials() throws Exception {
    HttpResponse<String> created = node.post("/v1/clients", "{\"name\":\"My server\",\"type\":\"installed\"}", firstToken);
    assertEquals(201, created.statusCode(), created.body());
    JsonObject client = new JsonObject(created.body()).getJsonObject("client");

    HttpResponse<String> granted = node.postForm("/oauth/token", Map.of("grant_type", "client_credentials"),
        client.getString("id") + ":" + client.getString("secret"));

    assertEquals(200, granted.statusCode(), granted.body());
    String token = new JsonObject(granted.body()).getString("access_token");
    assertEquals("first@example.com", new JsonObject(node.get("/v1/user", token).body()).getString("username"));
    assertEquals(1, new JsonObject(node.get("/v1/clients", firstToken).body()).getJsonArray("clients").size());
    assertEquals(204, node.send("DELETE", "/v1/clients/" + client.getString("id"), null, firstToken).statusCode());
    assertEquals(401, node.postForm("/oauth/token", Map.of("grant_type", "client_credentials"),
        client.getString("id") + ":" + client.getString("secret")).statusCode());
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "client_credentials"), "particle-cli:particle-cli"),
        400, "unauthorized_client", null);
  }

  @Test
  void aForgedOrMissingTokenIsRefused() throws Exception {
    String[] parts = firstToken.split("\\.");
    String forged = parts[0] + "." + parts[1] + "." + "AAAA" + parts[2].substring(4);

    assertError(node.get("/v1/devices", forged), 401, "invalid_token", null);
    assertError(node.get("/v1/devices", null), 401, "invalid_request", null);
    assertError(node.get("/v1/devices", "nonsense"), 401, "invalid_token", null);
  }

  private static void assertError(HttpResponse<String> response, int status, String error, String description) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(error, body.getString("error"), response.body());
    if (description != null) {
      assertEquals(description, body.getString("error_description"));
    }
  }
}
