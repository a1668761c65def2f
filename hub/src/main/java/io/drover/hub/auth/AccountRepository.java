package io.drover.hub.auth;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * People's accounts (users rows of kind 'person'), and who among them administers the node. Signing
 * up never makes an administrator; this class is the one place that does, for the bootstrap admin
 * token, an administrator, or the operator's {@code drover admin create}.
 */
public final class AccountRepository {

  /** Who makes an administrator: that decides whether the node's first administrator must be the one made. */
  public enum Maker {
    /**
     * The bootstrap admin token makes the node's first administrator and no other: once a named
     * administrator exists, administrators are made by named (revocable, accountable) administrators.
     */
    BOOTSTRAP,
    /** An administrator account, or the operator at the node's database: as many as they like. */
    ADMINISTRATOR
  }

  /** @param first whether this account is the node's first administrator, made by this very call */
  public record Account(long id, String username, boolean admin, boolean first) {
  }

  private static final String UNIQUE_VIOLATION = "23505";
  private static final String INSERT = "INSERT INTO users (username, password_hash, is_admin) VALUES ($1, $2, $3) RETURNING id";
  private static final String SET_ADMIN = "UPDATE users SET is_admin = $2 WHERE username = $1 AND kind = 'person' RETURNING id";
  /** The primary key admits one row: of two made at once, the second fails with a unique violation. */
  private static final String CLAIM_FIRST = "INSERT INTO first_administrator (user_id) VALUES ($1)";
  private static final String RECORD_FIRST = "INSERT INTO first_administrator (user_id) VALUES ($1) ON CONFLICT DO NOTHING";

  private final Pool pool;

  public AccountRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * @param passwordHash as {@link Passwords#hash} made it
   * @return the account; a failed future with 400 username_taken, or 409 administrator_exists when
   *     the bootstrap token asks for an administrator and the node has its first one already
   */
  public Future<Account> create(String username, String passwordHash, boolean admin, Maker maker) {
    return pool.withTransaction(connection -> connection.preparedQuery(INSERT).execute(Tuple.of(username, passwordHash, admin))
        .recover(cause -> Future.failedFuture(isUniqueViolation(cause)
            ? new ApiException(400, "username_taken", "An account with this username exists already")
            : cause))
        .compose(rows -> withAdministrator(connection, rows.iterator().next().getLong(0), username, admin, maker)));
  }

  /** @return the account, or null when there is no person of that name; fails as {@link #create} does */
  public Future<Account> setAdmin(String username, boolean admin, Maker maker) {
    return pool.withTransaction(connection -> connection.preparedQuery(SET_ADMIN).execute(Tuple.of(username, admin))
        .compose(rows -> rows.size() == 0
            ? Future.succeededFuture(null)
            : withAdministrator(connection, rows.iterator().next().getLong(0), username, admin, maker)));
  }

  /** @return whether a person of that name exists */
  public Future<Boolean> exists(String username) {
    return pool.preparedQuery("SELECT 1 FROM users WHERE username = $1 AND kind = 'person'").execute(Tuple.of(username))
        .map(rows -> rows.size() > 0);
  }

  private static Future<Account> withAdministrator(SqlConnection connection, long id, String username, boolean admin, Maker maker) {
    if (!admin) {
      return Future.succeededFuture(new Account(id, username, false, false));
    }
    if (maker == Maker.BOOTSTRAP) {
      return connection.preparedQuery(CLAIM_FIRST).execute(Tuple.of(id))
          .map(claimed -> new Account(id, username, true, true))
          .recover(cause -> Future.failedFuture(isUniqueViolation(cause)
              ? new ApiException(409, "administrator_exists",
                  "This node has its first administrator: an administrator's own token makes more administrators")
              : cause));
    }
    return connection.preparedQuery(RECORD_FIRST).execute(Tuple.of(id))
        .map(recorded -> new Account(id, username, true, recorded.rowCount() == 1));
  }

  private static boolean isUniqueViolation(Throwable cause) {
    return cause instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState());
  }
}
