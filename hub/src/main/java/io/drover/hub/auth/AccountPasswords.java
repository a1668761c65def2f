package io.drover.hub.auth;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/** An account's stored password, read and replaced; replacing it revokes the account's tokens with it. */
final class AccountPasswords {

  private final Pool pool;

  AccountPasswords(Pool pool) {
    this.pool = pool;
  }

  /** @return the stored hash ({@link Passwords}), or a failed future with 401 when the account is gone */
  Future<String> stored(long userId) {
    return pool.preparedQuery("SELECT password_hash FROM users WHERE id = $1").execute(Tuple.of(userId))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new ApiException(401, "invalid_token", "The access token provided is invalid."))
            : Future.succeededFuture(rows.iterator().next().getString(0)));
  }

  /**
   * Replaces {@code expected} by {@code replacement} and revokes every token of the account but
   * {@code keptTokenId} (null keeps none), in one transaction. The password must still be the one that
   * was checked: two changes at once cannot both pass on the same old password.
   *
   * @return how many tokens were revoked; a failed future with 409 when the password changed meanwhile
   */
  Future<Integer> replace(long userId, String expected, String replacement, String keptTokenId) {
    return pool.withTransaction(connection -> connection.preparedQuery(
            "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2")
        .execute(Tuple.of(userId, expected, replacement))
        .compose(updated -> updated.rowCount() == 0
            ? Future.failedFuture(new ApiException(409, "conflict", "The password was changed meanwhile; try again with the new one"))
            : TokenRevocation.ofAccount(connection, userId, keptTokenId)));
  }
}
