package io.drover.hub.auth;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Locale;

/**
 * A person signing in with a password: the OAuth password grant and the Console's session both end
 * here, so both count wrong passwords in the same limits ({@link PasswordGuard}).
 */
public final class PersonLogIn {

  static final String USER_SCOPE = "*";

  private final PasswordGuard passwords;
  private final Pool pool;
  private final TokenService tokens;

  public PersonLogIn(PasswordGuard passwords, Pool pool, TokenService tokens) {
    this.passwords = passwords;
    this.pool = pool;
    this.tokens = tokens;
  }

  /**
   * @param lifetime seconds asked for; 0 or less means the default
   * @param address the client's address, for the per-address limit
   * @return a token of {@code clientId} for the account; a failed future with a 400 ApiException
   *     ({@code invalid_request}, {@code invalid_grant}) otherwise
   */
  public Future<TokenGrant> logIn(String username, String password, String clientId, long lifetime, String address) {
    if (username == null || password == null) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "username and password are required"));
    }
    String normalized = username.trim().toLowerCase(Locale.ROOT);
    return pool.preparedQuery("SELECT id, password_hash FROM users WHERE username = $1 AND kind = 'person'").execute(Tuple.of(normalized))
        .compose(rows -> {
          // Without such an account, still spend a hash's time, so that timing does not tell which accounts exist.
          String stored = rows.size() == 0 ? null : rows.iterator().next().getString(1);
          return passwords.logIn(PasswordGuard.Action.LOGIN, PasswordGuard.personAccount(normalized), address,
                  () -> stored == null ? UnknownAccount.spendHashTime(password) : Passwords.matches(password, stored))
              .compose(matches -> matches
                  ? tokens.issue(rows.iterator().next().getLong(0), normalized, clientId, USER_SCOPE, lifetime)
                  : Future.failedFuture(new ApiException(400, "invalid_grant", "User credentials are invalid")));
        });
  }

  /** Loaded on first use, on a worker thread: making its hash is as slow as checking one. */
  private static final class UnknownAccount {
    private static final String HASH = Passwords.hash(Secrets.randomHex(16));

    static boolean spendHashTime(String password) {
      Passwords.matches(password, HASH);
      return false;
    }
  }
}
