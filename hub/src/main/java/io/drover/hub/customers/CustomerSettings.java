package io.drover.hub.customers;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * The answers of a product's Configuration page that decide how its customers get in: which of the
 * three authentication methods it uses ({@code settings.authentication}, default simple) and whether
 * it is in private beta ({@code settings.private_beta}, default false). Read per request: these are
 * sign-up, log-in and claim routes, not the device hot path.
 */
public record CustomerSettings(int productId, Method authentication, boolean privateBeta) {

  /** The three methods of the Console guide's "Managing Customers", by their settings value. */
  public enum Method {
    SIMPLE("simple", "simple auth"),
    TWO_LEGGED("two_legged", "two-legged auth"),
    OAUTH("oauth", "Login with Drover (OAuth)");

    private final String value;
    private final String label;

    Method(String value, String label) {
      this.value = value;
      this.label = label;
    }

    public String value() {
      return value;
    }

    static Method of(String value) {
      for (Method method : values()) {
        if (method.value.equals(value)) {
          return method;
        }
      }
      return SIMPLE;
    }
  }

  private static final String READ = """
      SELECT settings->>'authentication', coalesce(settings->'private_beta' = 'true'::jsonb, false) FROM products WHERE id = $1""";

  /** @return the product's settings; a failed future with 404 when the product is gone */
  public static Future<CustomerSettings> load(Pool pool, int productId) {
    return pool.preparedQuery(READ).execute(Tuple.of(productId)).compose(rows -> rows.size() == 0
        ? Future.failedFuture(new ApiException(404, "not_found", "Product " + productId + " not found"))
        : Future.succeededFuture(new CustomerSettings(productId, Method.of(rows.iterator().next().getString(0)),
            rows.iterator().next().getBoolean(1))));
  }

  /**
   * @param flow what the caller tried, for the message ("the password grant")
   * @return null when the product accepts {@code method}; else the refusal, naming the setting
   */
  public ApiException refusalUnless(Method method, int status, String error, String flow) {
    if (authentication == method) {
      return null;
    }
    return new ApiException(status, error, "Product " + productId + " uses " + authentication.label
        + " (its authentication setting is \"" + authentication.value + "\"): " + flow + " needs \"" + method.value + "\"");
  }
}
