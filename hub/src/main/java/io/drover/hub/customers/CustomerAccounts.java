package io.drover.hub.customers;

import io.drover.hub.auth.PasswordGuard;
import io.drover.hub.auth.Passwords;
import io.drover.hub.auth.Secrets;
import io.drover.hub.auth.TokenGrant;
import io.drover.hub.auth.TokenRevocation;
import io.drover.hub.auth.TokenService;
import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A product's customers: users rows of kind 'customer' with the product's id, named by their email,
 * which is unique within the product (V6). Makes them, finds them, checks their passwords and issues
 * their tokens, whose scope is {@code customer=<email>} (Particle's shape for a customer token).
 */
public final class CustomerAccounts {

  /** The stored password of a customer who has none: no PBKDF2 hash has this shape, so nothing matches it. */
  static final String NO_PASSWORD = "none";
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

  private final PasswordGuard passwords;
  private final Pool pool;
  private final TokenService tokens;

  public CustomerAccounts(PasswordGuard passwords, Pool pool, TokenService tokens) {
    this.passwords = passwords;
    this.pool = pool;
    this.tokens = tokens;
  }

  public record Customer(long id, String email, int productId) {
  }

  /** @throws ApiException 400 naming {@code field} when the value is no email address */
  static String email(Object value, String field) {
    String email = value instanceof String s ? s.trim().toLowerCase(Locale.ROOT) : null;
    if (email == null || email.length() > 254 || !EMAIL.matcher(email).matches()) {
      throw new ApiException(400, "invalid_request", field + " must be an email address");
    }
    return email;
  }

  /**
   * @param password null for a customer without one (two-legged auth, Login with Drover)
   * @param address the client address that asks, for the limits on making accounts with a password
   */
  public Future<Customer> create(int productId, String email, String password, String address) {
    Future<String> hash = password == null
        ? Future.succeededFuture(NO_PASSWORD)
        : passwords.create(PasswordGuard.Action.CUSTOMER_SIGNUP, PasswordGuard.customerAccount(productId, email), address, () -> Passwords.hash(password));
    return hash
        .compose(stored -> pool.preparedQuery("""
                INSERT INTO users (username, password_hash, kind, product_id) VALUES ($1, $2, 'customer', $3) RETURNING id""")
            .execute(Tuple.of(email, stored, productId)))
        .map(rows -> new Customer(rows.iterator().next().getLong(0), email, productId))
        .recover(cause -> Future.failedFuture(cause instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? new ApiException(400, "customer_exists", "Product " + productId + " has a customer " + email + " already")
            : cause));
  }

  /** @return the customer, or null */
  public Future<Customer> find(int productId, String email) {
    return pool.preparedQuery("SELECT id FROM users WHERE kind = 'customer' AND product_id = $1 AND username = $2")
        .execute(Tuple.of(productId, email))
        .map(rows -> rows.size() == 0 ? null : new Customer(rows.iterator().next().getLong(0), email, productId));
  }

  /** The product's customer for this email, made (without a password) if there is none yet. */
  public Future<Customer> findOrCreate(int productId, String email) {
    return find(productId, email).compose(found -> found != null ? Future.succeededFuture(found)
        : create(productId, email, null, null).recover(cause -> cause instanceof ApiException
            ? find(productId, email) // made meanwhile by a concurrent request
            : Future.failedFuture(cause)));
  }

  /**
   * Checks a customer's password off the event loop; without such a customer a hash's time is spent
   * all the same, so that timing does not tell which customers exist.
   *
   * @param address the client address, for the limits on guessing passwords
   * @return the customer, or a failed future with 400 invalid_grant (429 or 503 from the limits)
   */
  public Future<Customer> checkPassword(int productId, String email, String password, String address) {
    return pool.preparedQuery("SELECT id, password_hash FROM users WHERE kind = 'customer' AND product_id = $1 AND username = $2")
        .execute(Tuple.of(productId, email))
        .compose(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          String stored = row == null ? null : row.getString(1);
          return passwords.logIn(PasswordGuard.Action.CUSTOMER_LOGIN, PasswordGuard.customerAccount(productId, email), address,
                  () -> stored == null ? UnknownCustomer.spendHashTime(password) : Passwords.matches(password, stored))
              .compose(matches -> matches
                  ? Future.succeededFuture(new Customer(row.getLong(0), email, productId))
                  : Future.failedFuture(new ApiException(400, "invalid_grant", "User credentials are invalid")));
        });
  }

  /**
   * The team's reset: the new password, and every token of the customer revoked with it (whoever held
   * one got it with the password being replaced).
   *
   * @return how many tokens were revoked
   */
  public Future<Integer> setPassword(Customer customer, String password) {
    return passwords.hash(() -> Passwords.hash(password))
        .compose(hash -> pool.withTransaction(connection -> connection.preparedQuery("UPDATE users SET password_hash = $2 WHERE id = $1")
            .execute(Tuple.of(customer.id(), hash))
            .compose(updated -> TokenRevocation.ofAccount(connection, customer.id(), null))));
  }

  /** How the limits on guessing name a customer: emails are unique within a product only. */

  /** A customer token, issued to the product's client that asked for it. */
  public Future<TokenGrant> issueToken(Customer customer, String clientId, long lifetime) {
    return tokens.issue(customer.id(), customer.email(), clientId, "customer=" + customer.email(), lifetime);
  }

  /** Loaded on first use, on a worker thread: making its hash is as slow as checking one. */
  private static final class UnknownCustomer {
    private static final String HASH = Passwords.hash(Secrets.randomHex(16));

    static boolean spendHashTime(String password) {
      Passwords.matches(password, HASH);
      return false;
    }
  }
}
