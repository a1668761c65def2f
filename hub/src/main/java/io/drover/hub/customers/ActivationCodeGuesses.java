package io.drover.hub.customers;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * Wrong activation codes, so that 4 characters (1,048,576 codes) cannot be guessed through: past
 * {@value #MAX_WRONG_PER_CUSTOMER} wrong codes in {@value #CUSTOMER_WINDOW_MINUTES} minutes a
 * customer's claims with a code are refused until its window ends, and past
 * {@value #MAX_WRONG_PER_PRODUCT} in {@value #PRODUCT_WINDOW_MINUTES} minutes across all of a
 * product's customers, every claim with a code of that product is (whoever can use the product's
 * client can make customers, so a limit per customer alone is no limit). Kept in the database, so that
 * every hub node of a cluster counts the same guesses; claims are rare, so this costs two statements
 * per claim with a code (one more when the code was right) and is never on a device's path.
 */
final class ActivationCodeGuesses {

  static final int MAX_WRONG_PER_CUSTOMER = 10;
  static final int CUSTOMER_WINDOW_MINUTES = 15;
  static final int MAX_WRONG_PER_PRODUCT = 50;
  static final int PRODUCT_WINDOW_MINUTES = 60;
  private static final String PRODUCT = "product";

  /**
   * Counts one attempt against both tallies, starting a tally again whose window has ended, and answers
   * both counts with the seconds left in their windows; drops customers' ended tallies that no one holds.
   * The upsert locks each row, so parallel attempts each see their own count: none slips past the limit
   * unseen. Every statement here locks the product's row before a customer's, so that none deadlocks.
   */
  private static final String ADMIT = """
      WITH ended AS (
        DELETE FROM activation_code_guesses WHERE (product_id, scope) IN (
          SELECT product_id, scope FROM activation_code_guesses
          WHERE product_id = $1 AND scope <> 'product' AND scope <> $2 AND window_start <= now() - make_interval(mins => $4)
          FOR UPDATE SKIP LOCKED))
      INSERT INTO activation_code_guesses AS g (product_id, scope, window_start, wrong)
      VALUES ($1, 'product', now(), 1), ($1, $2, now(), 1)
      ON CONFLICT (product_id, scope) DO UPDATE SET
        wrong = CASE WHEN g.window_start > now() - make_interval(mins => CASE WHEN g.scope = 'product' THEN $3 ELSE $4 END)
                     THEN g.wrong + 1 ELSE 1 END,
        window_start = CASE WHEN g.window_start > now() - make_interval(mins => CASE WHEN g.scope = 'product' THEN $3 ELSE $4 END)
                            THEN g.window_start ELSE now() END
      RETURNING scope, wrong,
        ceil(extract(epoch FROM window_start + make_interval(mins => CASE WHEN scope = 'product' THEN $3 ELSE $4 END) - now()))::int""";
  /** Takes back an attempt that turned out not to be a wrong code (a right one, or one refused by the limit). */
  private static final String TAKE_BACK = """
      WITH locked AS (
        SELECT product_id, scope FROM activation_code_guesses WHERE product_id = $1 AND scope IN ('product', $2)
        ORDER BY scope = 'product' DESC FOR UPDATE)
      UPDATE activation_code_guesses g SET wrong = greatest(g.wrong - 1, 0)
      FROM locked WHERE g.product_id = locked.product_id AND g.scope = locked.scope""";

  private final Pool pool;

  ActivationCodeGuesses(Pool pool) {
    this.pool = pool;
  }

  /**
   * Counts an attempt with a code before it is tried. Fails with 429 too_many_attempts (and the seconds
   * until the window that is full ends) while the customer or the product is past its limit; a refused
   * attempt is taken back at once, so refusals do not keep a product locked. An admitted attempt stays
   * counted as wrong unless {@link #takeBack} says otherwise.
   */
  Future<Void> admit(int productId, long customerId) {
    return pool.preparedQuery(ADMIT).execute(Tuple.of(productId, scope(customerId), PRODUCT_WINDOW_MINUTES, CUSTOMER_WINDOW_MINUTES))
        .compose(rows -> {
          for (Row row : rows) {
            boolean product = PRODUCT.equals(row.getString(0));
            if (row.getInteger(1) > (product ? MAX_WRONG_PER_PRODUCT : MAX_WRONG_PER_CUSTOMER)) {
              ApiException refused = new ApiException(429, "too_many_attempts", product
                  ? "Too many wrong activation codes for product " + productId + ": at most " + MAX_WRONG_PER_PRODUCT + " in "
                      + PRODUCT_WINDOW_MINUTES + " minutes across its customers; try again later"
                  : "Too many wrong activation codes: at most " + MAX_WRONG_PER_CUSTOMER + " in " + CUSTOMER_WINDOW_MINUTES
                      + " minutes; try again later",
                  Math.max(1, row.getInteger(2)));
              return takeBack(productId, customerId).transform(ignored -> Future.failedFuture(refused));
            }
          }
          return Future.succeededFuture();
        });
  }

  /** The attempt {@link #admit} counted was not a wrong code. */
  Future<Void> takeBack(int productId, long customerId) {
    return pool.preparedQuery(TAKE_BACK).execute(Tuple.of(productId, scope(customerId))).mapEmpty();
  }

  private static String scope(long customerId) {
    return "customer:" + customerId;
  }
}
