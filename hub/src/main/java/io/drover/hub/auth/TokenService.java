package io.drover.hub.auth;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues, checks and revokes access tokens. A token is a JWT signed with HS256 (vertx-auth-jwt) that
 * carries the account, its scope and its expiry; its jti names a row in access_tokens, so that a
 * revocation takes effect on the very next request, on every node.
 *
 * <p>Each token comes with a refresh token (RFC 6749 section 6), spent once for the next pair. The
 * tokens one sign-in leads to form a chain ({@code chain_id}): revoking a token ends its refresh
 * token, a refresh token expires {@code accounts.refresh-token-lifetime-days} after it was issued,
 * and a refresh token spent a second time revokes its whole chain (RFC 6819 section 5.2.2.3): one
 * of the two spenders is not its owner, and which one cannot be told.
 */
public final class TokenService {

  /** Particle's default token lifetime: 90 days. */
  public static final long DEFAULT_LIFETIME_SECONDS = 7_776_000L;
  private static final long MAX_LIFETIME_SECONDS = 4 * DEFAULT_LIFETIME_SECONDS;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Logger LOG = LoggerFactory.getLogger(TokenService.class);
  /** The claim that marks a signed statement as not an access token. */
  private static final String PURPOSE = "drover_purpose";
  /** Spends a refresh token: only a live token's, not spent before, not expired. Retires its access token too. */
  private static final String SPEND_REFRESH = """
      UPDATE access_tokens t SET revoked_at = now(), refreshed_at = now()
      FROM users u
      WHERE t.refresh_hash = $1 AND t.client_id = $2 AND u.id = t.user_id
        AND t.revoked_at IS NULL AND t.refreshed_at IS NULL AND t.created_at > now() - make_interval(secs => $3)
      RETURNING t.user_id, u.username, t.scope, t.chain_id""";
  private static final String REVOKE_CHAIN = "UPDATE access_tokens SET revoked_at = now() WHERE chain_id = $1 AND revoked_at IS NULL";

  private final Pool pool;
  private final JWTAuth jwt;
  private final Duration refreshLifetime;

  private TokenService(Pool pool, JWTAuth jwt, Duration refreshLifetime) {
    this.pool = pool;
    this.jwt = jwt;
    this.refreshLifetime = refreshLifetime;
  }

  /**
   * Loads the signing key, making it on a node's first start. Blocks: the launcher calls it once.
   *
   * @param refreshLifetime how long a refresh token can be spent after it was issued
   */
  public static TokenService createAtStart(Vertx vertx, Pool pool, Duration refreshLifetime) {
    byte[] fresh = new byte[32];
    RANDOM.nextBytes(fresh);
    pool.preparedQuery("INSERT INTO signing_keys (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
        .execute(Tuple.of(Buffer.buffer(fresh))).await();
    byte[] secret = pool.query("SELECT secret FROM signing_keys WHERE id = 1").execute().await()
        .iterator().next().getBuffer(0).getBytes();
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(Base64.getEncoder().encodeToString(secret))));
    return new TokenService(pool, jwt, refreshLifetime);
  }

  /**
   * Issues the first token of a new refresh chain.
   *
   * @param requestedLifetime seconds asked for by the client; 0 or less means the default
   */
  public Future<TokenGrant> issue(long userId, String username, String clientId, String scope, long requestedLifetime) {
    return issue(pool, userId, username, clientId, scope, requestedLifetime, null);
  }

  /** @param chainId the chain the token continues; null starts one, named by the token's own jti */
  private Future<TokenGrant> issue(SqlClient client, long userId, String username, String clientId, String scope, long requestedLifetime,
      String chainId) {
    long lifetime = requestedLifetime <= 0 ? DEFAULT_LIFETIME_SECONDS : Math.min(requestedLifetime, MAX_LIFETIME_SECONDS);
    String jti = Secrets.randomHex(16);
    String refresh = Secrets.randomHex(20);
    String token = jwt.generateToken(
        new JsonObject().put("sub", Long.toString(userId)).put("username", username).put("jti", jti).put("scope", scope),
        new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds((int) lifetime));
    // The client's row is locked (FOR KEY SHARE) while the token is written: a deletion of the client
    // at this moment either waits for this token, then revokes it (TokenRevocation.issuedThrough), or
    // commits first, and then no row is found and no token is written.
    return client.preparedQuery("""
            INSERT INTO access_tokens (jti, user_id, client_id, scope, expires_at, refresh_hash, chain_id)
            SELECT $1, $2, c.id, $4, now() + make_interval(secs => $5), $6, $7 FROM oauth_clients c WHERE c.id = $3
            FOR KEY SHARE OF c""")
        .execute(Tuple.of(jti, userId, clientId, scope, (double) lifetime, Buffer.buffer(Secrets.sha256(refresh)),
            chainId == null ? jti : chainId))
        .compose(inserted -> inserted.rowCount() == 1
            ? Future.succeededFuture(new TokenGrant(token, refresh, lifetime))
            : Future.failedFuture(new ApiException(401, "invalid_client", "Client authentication failed: the client was deleted")));
  }

  /** @return the caller, or a failed future with a 401 ApiException */
  public Future<Principal> check(String token) {
    return jwt.authenticate(new TokenCredentials(token))
        .recover(invalid -> Future.failedFuture(invalidToken()))
        .compose(user -> {
          JsonObject claims = user.principal();
          String jti = claims.getString("jti");
          if (claims.containsKey(PURPOSE) || jti == null) {
            return Future.failedFuture(invalidToken()); // a signed statement (see sign), not an access token
          }
          // Who the token acts for is the row's to say, not the claims': the jti is all the claims are trusted for.
          return pool.preparedQuery("""
                  SELECT t.revoked_at IS NULL AND t.expires_at > now(), u.is_admin, u.kind, u.product_id, t.scope, t.user_id, u.username
                  FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.jti = $1""")
              .execute(Tuple.of(jti))
              .compose(rows -> {
                if (rows.size() == 0 || !rows.iterator().next().getBoolean(0)) {
                  return Future.failedFuture(invalidToken());
                }
                Row row = rows.iterator().next();
                return Future.succeededFuture(new Principal(row.getLong(5), row.getString(6),
                    row.getBoolean(1), jti, Principal.Kind.of(row.getString(2)), row.getInteger(3), row.getString(4)));
              });
        });
  }

  /**
   * Signs a short-lived statement with the tokens' key, for a page to hand back (the consent page's
   * anti-forgery token). It names its purpose, which no access token does, so {@link #check} refuses it.
   */
  public String sign(String purpose, JsonObject claims, int lifetimeSeconds) {
    return jwt.generateToken(claims.copy().put(PURPOSE, purpose),
        new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(lifetimeSeconds));
  }

  /** @return the claims of a statement {@link #sign} made for {@code purpose} and not expired; a failed future otherwise */
  public Future<JsonObject> verify(String purpose, String signed) {
    if (signed == null || signed.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("nothing signed"));
    }
    return jwt.authenticate(new TokenCredentials(signed))
        .map(user -> user.principal())
        .compose(claims -> purpose.equals(claims.getString(PURPOSE))
            ? Future.succeededFuture(claims)
            : Future.failedFuture(new IllegalArgumentException("signed for another purpose")));
  }

  /**
   * Exchanges a refresh token (OAuth 2 section 6): a new pair in the same chain, and the old access
   * token revoked. Spending and issuing are one transaction, so that a second spender of the same
   * token waits for the first one's commit and then revokes what it issued too.
   */
  public Future<TokenGrant> refresh(String refreshToken, String clientId) {
    Buffer hash = Buffer.buffer(Secrets.sha256(refreshToken == null ? "" : refreshToken));
    return pool.withTransaction(connection -> connection.preparedQuery(SPEND_REFRESH)
            .execute(Tuple.of(hash, clientId, (double) refreshLifetime.toSeconds()))
            .compose(spent -> {
              if (spent.size() == 1) {
                Row row = spent.iterator().next();
                return issue(connection, row.getLong(0), row.getString(1), clientId, row.getString(2), 0, row.getString(3));
              }
              return revokeChainIfSpentBefore(connection, hash, clientId).map((TokenGrant) null);
            }))
        .compose(grant -> grant != null ? Future.succeededFuture(grant)
            : Future.failedFuture(new ApiException(400, "invalid_grant", "The refresh token is invalid, expired or was used already")));
  }

  /** A refresh token that was spent already: whoever spends it now, or spent it first, is not its owner. */
  private Future<Void> revokeChainIfSpentBefore(SqlClient connection, Buffer hash, String clientId) {
    return connection.preparedQuery("SELECT chain_id, user_id FROM access_tokens WHERE refresh_hash = $1 AND client_id = $2 AND refreshed_at IS NOT NULL")
        .execute(Tuple.of(hash, clientId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture();
          }
          Row row = rows.iterator().next();
          return connection.preparedQuery(REVOKE_CHAIN).execute(Tuple.of(row.getString(0))).map(revoked -> {
            LOG.warn("refresh token spent twice: its chain is revoked [user-id: {}, client: {}, tokens-revoked: {}]",
                row.getLong(1), clientId, revoked.rowCount());
            return null;
          });
        });
  }

  /**
   * Revokes one of the account's tokens, named by the token itself or by its id (as listed), with its
   * refresh chain: its refresh token can no longer be spent, and any other live token of the chain goes too.
   *
   * @return whether a live token of that account was revoked
   */
  public Future<Boolean> revoke(long userId, String tokenOrId) {
    return idOf(tokenOrId).compose(jti -> pool.preparedQuery("""
            UPDATE access_tokens SET revoked_at = now()
            WHERE revoked_at IS NULL
              AND chain_id = (SELECT chain_id FROM access_tokens WHERE jti = $1 AND user_id = $2 AND revoked_at IS NULL)""")
        .execute(Tuple.of(jti, userId))
        .map(result -> result.rowCount() > 0));
  }

  /** The account's live tokens, newest first. The tokens themselves are not stored: their ids stand in. */
  public Future<JsonArray> list(long userId) {
    return pool.preparedQuery("""
            SELECT jti, client_id, expires_at, created_at FROM access_tokens
            WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() ORDER BY created_at DESC""")
        .execute(Tuple.of(userId))
        .map(TokenService::toJson);
  }

  private Future<String> idOf(String tokenOrId) {
    if (tokenOrId.indexOf('.') < 0) {
      return Future.succeededFuture(tokenOrId);
    }
    // A signed token names its id; an expired one may still be revoked.
    return jwt.authenticate(new TokenCredentials(tokenOrId))
        .map(user -> user.principal().getString("jti"))
        .otherwise(tokenOrId);
  }

  private static JsonArray toJson(RowSet<Row> rows) {
    JsonArray tokens = new JsonArray();
    for (Row row : rows) {
      tokens.add(new JsonObject()
          .put("token", row.getString(0))
          .put("client", row.getString(1))
          .put("expires_at", row.getOffsetDateTime(2).withOffsetSameInstant(ZoneOffset.UTC).toString())
          .put("created_at", row.getOffsetDateTime(3).withOffsetSameInstant(ZoneOffset.UTC).toString()));
    }
    return tokens;
  }

  private static ApiException invalidToken() {
    return new ApiException(401, "invalid_token", "The access token provided is invalid.");
  }


}
