package io.drover.hub.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Accounts and tokens: a refresh token lives no longer than its chain. Revoking a token ends its refresh
 * token; a refresh token expires (90 days by default); a refresh token used twice revokes everything
 * its chain issued, since one of the two users is not its owner.
 */
class RefreshChainTest {

  private static final String USER = "refresher@example.com";
  private static final String PASSWORD = "correct horse battery";
  private static final String CLIENT = "particle-api:particle-api";
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    node.signUpAndLogIn(USER, PASSWORD);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void revokingTheCurrentTokenEndsItsRefreshToken() throws Exception {
    JsonObject grant = logIn();
    assertEquals(200, node.send("DELETE", "/v1/access_tokens/current", null, grant.getString("access_token")).statusCode());

    assertInvalidGrant(refresh(grant.getString("refresh_token")));
  }

  @Test
  void revokingATokenByItsIdEndsItsRefreshToken() throws Exception {
    JsonObject grant = logIn();
    String other = logIn().getString("access_token");
    assertEquals(200, node.send("DELETE", "/v1/access_tokens/" + jti(grant.getString("access_token")), null, other).statusCode());

    assertInvalidGrant(refresh(grant.getString("refresh_token")));
  }

  @Test
  void aRefreshTokenUsedTwiceRevokesWhatItsChainIssued() throws Exception {
    JsonObject first = logIn();
    JsonObject second = new JsonObject(refresh(first.getString("refresh_token")).body());
    JsonObject third = new JsonObject(refresh(second.getString("refresh_token")).body());
    assertEquals(200, node.get("/v1/user", third.getString("access_token")).statusCode());

    // the first refresh token again: someone else holds a copy of it
    assertInvalidGrant(refresh(first.getString("refresh_token")));

    assertEquals(401, node.get("/v1/user", third.getString("access_token")).statusCode(), "the chain's live token is revoked");
    assertInvalidGrant(refresh(third.getString("refresh_token")));
  }

  @Test
  void twoRefreshesRacingWithOneTokenLeaveNoLiveTokenBehind() throws Exception {
    JsonObject grant = logIn();
    List<CompletableFuture<HttpResponse<String>>> racing = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      racing.add(CompletableFuture.supplyAsync(() -> {
        try {
          return refresh(grant.getString("refresh_token"));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }

    CompletableFuture.allOf(racing.toArray(CompletableFuture[]::new)).join();

    int granted = 0;
    for (CompletableFuture<HttpResponse<String>> one : racing) {
      HttpResponse<String> response = one.join();
      if (response.statusCode() == 200) {
        granted++;
        assertEquals(401, node.get("/v1/user", new JsonObject(response.body()).getString("access_token")).statusCode(),
            "what the race issued is revoked with its chain");
      } else {
        assertInvalidGrant(response);
      }
    }
    assertEquals(1, granted, "the refresh token is spent once");
  }

  @Test
  void aRefreshTokenExpiresNinetyDaysAfterItWasIssued() throws Exception {
    JsonObject old = logIn();
    JsonObject recent = logIn();
    age(old, "91 days");
    age(recent, "89 days");

    assertInvalidGrant(refresh(old.getString("refresh_token")));
    assertEquals(200, refresh(recent.getString("refresh_token")).statusCode());
  }

  private static JsonObject logIn() throws Exception {
    HttpResponse<String> granted = node.postForm("/oauth/token", Map.of("grant_type", "password", "username", USER, "password", PASSWORD), CLIENT);
    assertEquals(200, granted.statusCode(), granted.body());
    return new JsonObject(granted.body());
  }

  private static HttpResponse<String> refresh(String refreshToken) throws Exception {
    return node.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", refreshToken), CLIENT);
  }

  /** Moves the token's issue back in time, as if it had been issued {@code interval} ago. */
  private static void age(JsonObject grant, String interval) throws Exception {
    assertEquals(1, node.execute("UPDATE access_tokens SET created_at = now() - interval '" + interval + "' WHERE jti = '"
        + jti(grant.getString("access_token")) + "'"));
  }

  private static String jti(String accessToken) {
    String claims = new String(Base64.getUrlDecoder().decode(accessToken.split("\\.")[1]), StandardCharsets.UTF_8);
    return new JsonObject(claims).getString("jti");
  }

  private static void assertInvalidGrant(HttpResponse<String> response) {
    assertEquals(400, response.statusCode(), response.body());
    assertEquals("invalid_grant", new JsonObject(response.body()).getString("error"), response.body());
  }
}
