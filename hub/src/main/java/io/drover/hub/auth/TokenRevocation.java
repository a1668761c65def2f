package io.drover.hub.auth;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * Takes tokens away when what they were issued on goes: an OAuth client is deleted, a password is
 * changed or reset. Each method runs on the caller's connection, so that the change and the revocation
 * commit together. Each row also loses its refresh token, a revoked one's included, so that no refresh
 * can bring a token back.
 */
public final class TokenRevocation {

  private TokenRevocation() {
  }

  /**
   * Every live token issued through the client. Run it after the client's row is deleted, in the same
   * transaction: a grant in flight holds a lock on that row while it writes its token (see
   * {@link TokenService#issue}), so either this sees its token or the grant finds no client.
   *
   * @return how many were revoked
   */
  public static Future<Integer> issuedThrough(SqlClient sql, String clientId) {
    return sql.preparedQuery("""
            UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()), refresh_hash = NULL
            WHERE client_id = $1 AND (revoked_at IS NULL OR refresh_hash IS NOT NULL)""")
        .execute(Tuple.of(clientId))
        .map(updated -> updated.rowCount());
  }

  /**
   * Every live token of the account but {@code keptTokenId} (the caller's own, when it changed its own
   * password and keeps working); null keeps none.
   *
   * @return how many were revoked
   */
  public static Future<Integer> ofAccount(SqlClient sql, long userId, String keptTokenId) {
    return sql.preparedQuery("""
            UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()), refresh_hash = NULL
            WHERE user_id = $1 AND (revoked_at IS NULL OR refresh_hash IS NOT NULL) AND ($2::text IS NULL OR jti <> $2)""")
        .execute(Tuple.of(userId, keptTokenId))
        .map(updated -> updated.rowCount());
  }
}
