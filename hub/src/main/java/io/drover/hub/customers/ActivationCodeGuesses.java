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
 * per claim with a code and is never on a device's path.
 */
final class ActivationCodeGuesses {

  static final int MAX_WRONG_PER_CUSTOMER = 10;
  static final int CUSTOMER_WINDOW_MINUTES = 15;
  static final int MAX_WRONG_PER_PRODUCT = 50;
  static final int PRODUCT_WINDOW_MINUTES = 60;
  private static final String PRODUCT = "product";

  /** The product's tally and the customer's, each only while its window is open. */
  private static final String TALLIES = """
      SELECT scope, wrong FROM activation_code_guesses
      WHERE product_id = $1 AND ((scope = 'product' AND window_start > now() - make_interval(mins => $3))
                              OR (scope = $2 AND window_start > now() - make_interval(mins => $4)))""";
  /** Adds one to both tallies, starting a tally again whose window has ended; drops customers' ended tallies. */
  private static final String WRONG = """
      WITH ended AS (
        DELETE FROM activation_code_guesses
        WHERE product_id = $1 AND scope <> 'product' AND scope <> $2 AND window_start <= now() - make_interval(mins => $4))
      INSERT INTO activation_code_guesses AS g (product_id, scope, window_start, wrong)
      VALUES ($1, 'product', now(), 1), ($1, $2, now(), 1)
      ON CONFLICT (product_id, scope) DO UPDATE SET
        wrong = CASE WHEN g.window_start > now() - make_interval(mins => CASE WHEN g.scope = 'product' THEN $3 ELSE $4 END)
                     THEN g.wrong + 1 ELSE 1 END,
        window_start = CASE WHEN g.window_start > now() - make_interval(mins => CASE WHEN g.scope = 'product' THEN $3 ELSE $4 END)
                            THEN g.window_start ELSE now() END""";

  private final Pool pool;

  ActivationCodeGuesses(Pool pool) {
    this.pool = pool;
  }

  /** Fails with 429 too_many_attempts while the customer or the product is past its limit. */
  Future<Void> checkAllowed(int productId, long customerId) {
    return pool.preparedQuery(TALLIES).execute(Tuple.of(productId, scope(customerId), PRODUCT_WINDOW_MINUTES, CUSTOMER_WINDOW_MINUTES))
        .compose(rows -> {
          for (Row row : rows) {
            boolean product = PRODUCT.equals(row.getString(0));
            if (row.getInteger(1) >= (product ? MAX_WRONG_PER_PRODUCT : MAX_WRONG_PER_CUSTOMER)) {
              return Future.failedFuture(new ApiException(429, "too_many_attempts", product
                  ? "Too many wrong activation codes for product " + productId + ": at most " + MAX_WRONG_PER_PRODUCT + " in "
                      + PRODUCT_WINDOW_MINUTES + " minutes across its customers; try again later"
                  : "Too many wrong activation codes: at most " + MAX_WRONG_PER_CUSTOMER + " in " + CUSTOMER_WINDOW_MINUTES
                      + " minutes; try again later"));
            }
          }
          return Future.succeededFuture();
        });
  }

  /** Counts a wrong code against the customer and the product. */
  Future<Void> wrong(int productId, long customerId) {
    return pool.preparedQuery(WRONG).execute(Tuple.of(productId, scope(customerId), PRODUCT_WINDOW_MINUTES, CUSTOMER_WINDOW_MINUTES))
        .mapEmpty();
  }

  private static String scope(long customerId) {
    return "customer:" + customerId;
  }
}
