package io.drover.hub.customers;

import io.drover.hub.auth.Principal;
import io.drover.hub.devices.DeviceNames;
import io.drover.hub.devices.claims.PersonClaims;
import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.Locale;

/**
 * A customer's claim ({@code POST /v1/devices {id, activation_code}}, or a claim code the device
 * reported): only a device of the customer's own product that nobody else owns, online and having
 * reported a claim code of this customer (made with {@code POST /v1/device_claims} or
 * {@code POST /v1/products/:pid/device_claims} and the customer's token), and, while the product is in
 * private beta, only with an unused activation code of that product, spent by the claim. The claim
 * spends the claim codes the device reported. One transaction, so that a refused claim spends no code
 * and two customers racing for a device or a code cannot both win.
 */
public final class CustomerClaims {

  private static final String DEVICE = """
      SELECT d.product_id, d.owner_id, coalesce(p.settings->'private_beta' = 'true'::jsonb, false), k.online,
             EXISTS (SELECT 1 FROM claim_codes c WHERE c.device_id = d.id AND c.user_id = $2 AND c.expires_at > now())
      FROM devices d JOIN device_connectivity k ON k.device_id = d.id LEFT JOIN products p ON p.id = d.product_id
      WHERE d.id = $1 FOR UPDATE OF d""";
  private static final String SPEND_CLAIM_CODES = "DELETE FROM claim_codes WHERE device_id = $1";
  private static final String SPEND_CODE = """
      UPDATE activation_codes SET used_at = now(), used_by = $3, device_id = $4
      WHERE product_id = $1 AND code = $2 AND used_at IS NULL RETURNING code""";
  private static final String INVALID_CODE = "invalid_activation_code";
  private static final String CLAIM = """
      WITH claimed AS (UPDATE devices SET owner_id = $2, name = coalesce(name, $3) WHERE id = $1 RETURNING id, name)
      SELECT k.online, claimed.name FROM claimed JOIN device_connectivity k ON k.device_id = claimed.id""";

  private final Pool pool;
  private final ActivationCodeGuesses guesses;

  public CustomerClaims(Pool pool) {
    this.pool = pool;
    this.guesses = new ActivationCodeGuesses(pool);
  }

  /**
   * @param activationCode as the request gave it (any type), or null
   * @param proven the device has just reported a claim code of this customer (its report is the claim)
   * @return the claimed device's {@code online, name}, as the claim route answers them
   */
  public Future<Row> claim(Principal customer, String deviceId, Object activationCode, boolean proven) {
    String code = activationCode == null ? null : String.valueOf(activationCode).trim().toUpperCase(Locale.ROOT);
    if (code != null && !code.matches("^[A-Z0-9]{4}$")) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "activation_code must be 4 letters or digits"));
    }
    int productId = customer.productId();
    if (code == null) {
      return attempt(customer, deviceId, null, proven, 0);
    }
    // counted before it is tried, so that parallel guesses cannot all slip past the limit unseen; taken
    // back unless the code was wrong
    return guesses.admit(productId, customer.userId())
        .compose(admitted -> attempt(customer, deviceId, code, proven, 0).transform(tried -> {
          if (tried.failed() && tried.cause() instanceof ApiException refused && INVALID_CODE.equals(refused.error())) {
            return Future.failedFuture(refused);
          }
          return guesses.takeBack(productId, customer.userId())
              .transform(ignored -> tried.succeeded() ? Future.succeededFuture(tried.result()) : Future.<Row>failedFuture(tried.cause()));
        }));
  }

  /** A friendly name may clash with another of the customer's device names: the whole claim is tried again. */
  private Future<Row> attempt(Principal customer, String deviceId, String code, boolean proven, int attempt) {
    return pool.withTransaction(connection -> claimIn(connection, customer, deviceId, code, proven, attempt))
        .recover(cause -> cause instanceof PgException pg && "23505".equals(pg.getSqlState()) && attempt < 5
            ? attempt(customer, deviceId, code, proven, attempt + 1)
            : Future.failedFuture(cause));
  }

  private Future<Row> claimIn(SqlConnection connection, Principal customer, String deviceId, String code, boolean proven, int attempt) {
    int productId = customer.productId();
    return connection.preparedQuery(DEVICE).execute(Tuple.of(deviceId, customer.userId())).compose(rows -> {
      Row device = rows.size() == 0 ? null : rows.iterator().next();
      if (device == null) {
        return Future.failedFuture(new ApiException(404, "not_found", "No device with this ID is registered"));
      }
      if (device.getInteger(0) == null || device.getInteger(0) != productId) {
        return Future.failedFuture(new ApiException(403, "not_in_product",
            "That device is not part of product " + productId + ": a customer claims only its product's devices"));
      }
      Long owner = device.getLong(1);
      if (owner != null && owner != customer.userId().longValue()) {
        return Future.failedFuture(new ApiException(403, "forbidden", "That device belongs to someone else"));
      }
      if (owner != null) {
        return connection.preparedQuery(CLAIM).execute(Tuple.of(deviceId, customer.userId(), DeviceNames.friendly(attempt)))
            .map(claimed -> claimed.iterator().next()); // claimed already: no code spent
      }
      // the device's proof comes before the activation code: no one guesses codes without a device in hand
      if (!proven && !(device.getBoolean(3) && device.getBoolean(4))) {
        return Future.failedFuture(PersonClaims.claimCodeRequired());
      }
      Future<Void> spent = device.getBoolean(2) ? spend(connection, productId, code, customer.userId(), deviceId) : Future.succeededFuture();
      return spent.compose(ignored -> connection.preparedQuery(CLAIM)
          .execute(Tuple.of(deviceId, customer.userId(), DeviceNames.friendly(attempt)))
          .map(claimed -> claimed.iterator().next()))
          .compose(row -> connection.preparedQuery(SPEND_CLAIM_CODES).execute(Tuple.of(deviceId)).map(row));
    });
  }

  private static Future<Void> spend(SqlConnection connection, int productId, String code, long customerId, String deviceId) {
    if (code == null) {
      return Future.failedFuture(new ApiException(400, "activation_code_required",
          "Product " + productId + " is in private beta: a claim needs an activation_code"));
    }
    // a used code is answered as an unknown one: the answer must not tell a guesser that a code exists
    return connection.preparedQuery(SPEND_CODE).execute(Tuple.of(productId, code, customerId, deviceId)).compose(spent -> spent.size() == 1
        ? Future.<Void>succeededFuture()
        : Future.failedFuture(new ApiException(403, INVALID_CODE, "Activation code " + code + " is not an unused code of product " + productId)));
  }
}
