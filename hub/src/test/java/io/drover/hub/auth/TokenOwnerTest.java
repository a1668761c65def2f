package io.drover.hub.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.HexFormat;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Accounts and tokens: a token acts for the account its row names, whatever its claims say. The claims
 * are signed, so this needs the signing key; a leaked key, or a row moved behind the node's back,
 * must still not let a token act for someone else.
 */
class TokenOwnerTest {

  private static final String PASSWORD = "correct horse battery";
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aTokenActsForTheAccountOfItsRowNotForTheSubjectItsClaimsName() throws Exception {
    // given alice's token, and bob's account with a device of his own
    String alice = node.signUpAndLogIn("alice@example.com", PASSWORD);
    String bob = node.signUpAndLogIn("bob@example.com", PASSWORD);
    TestNode.DeviceIdentity device = node.provisionDevice();
    node.claim(device.id(), bob);
    String aliceJti = node.query("SELECT t.jti FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE u.username = 'alice@example.com'");
    String bobId = node.query("SELECT id FROM users WHERE username = 'bob@example.com'");

    // when a token names alice's row (its jti) but bob as its subject
    String forged = signedWithTheNodesKey(new JsonObject()
        .put("sub", bobId).put("username", "bob@example.com").put("jti", aliceJti).put("scope", "*"));

    // then it is alice's token: her name, her (empty) device list
    assertEquals("alice@example.com", new JsonObject(node.get("/v1/user", forged).body()).getString("username"));
    assertEquals(new JsonArray(), new JsonArray(node.get("/v1/devices", forged).body()));
    assertEquals(1, new JsonArray(node.get("/v1/devices", bob).body()).size(), "bob's own token still sees his device");
    assertEquals(200, node.get("/v1/user", alice).statusCode());
  }

  /** A JWT made as TokenService makes them, with the key the node keeps in signing_keys. */
  private static String signedWithTheNodesKey(JsonObject claims) throws Exception {
    byte[] secret = HexFormat.of().parseHex(node.query("SELECT encode(secret, 'hex') FROM signing_keys WHERE id = 1"));
    Vertx vertx = Vertx.vertx();
    try {
      JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions()
          .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(Base64.getEncoder().encodeToString(secret))));
      return jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(3600));
    } finally {
      vertx.close().await();
    }
  }
}
