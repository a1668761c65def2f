package io.drover.hub.products;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Map;

/**
 * The answers of a product's Configuration page, kept in products.settings as JSON. The keys that
 * change behaviour, and who reads them:
 * <ul>
 *   <li>{@code authentication}: {@code "simple" | "two_legged" | "oauth"}, how customers log in (customers);</li>
 *   <li>{@code private_beta}: customers need a 4-character activation code to claim (customers);</li>
 *   <li>{@code manufacturing_programming}: devices are flashed on the line rather than at setup;</li>
 *   <li>{@code auto_approve_devices}: a device reporting the product ID at its handshake joins the
 *       product without an import (the device fleet).</li>
 * </ul>
 * An unanswered question reads as its default; {@link #read} fills them in.
 */
public final class ProductSettings {

  /** Published (to every node) after a product's settings changed: {@code {"product_id": 1001, "settings": {...}}}. */
  public static final String CHANGED_ADDRESS = "hub.products.settings-changed";

  public static final String AUTHENTICATION = "authentication";
  public static final String PRIVATE_BETA = "private_beta";
  public static final String MANUFACTURING_PROGRAMMING = "manufacturing_programming";
  public static final String AUTO_APPROVE_DEVICES = "auto_approve_devices";

  private static final List<String> AUTHENTICATION_METHODS = List.of("simple", "two_legged", "oauth");
  private static final Map<String, Object> DEFAULTS = Map.of(
      AUTHENTICATION, "simple",
      PRIVATE_BETA, false,
      MANUFACTURING_PROGRAMMING, false,
      AUTO_APPROVE_DEVICES, false);

  private ProductSettings() {
  }

  /** The stored answers with every unanswered question at its default. */
  public static JsonObject withDefaults(JsonObject stored) {
    JsonObject settings = new JsonObject();
    for (String key : List.of(AUTHENTICATION, PRIVATE_BETA, MANUFACTURING_PROGRAMMING, AUTO_APPROVE_DEVICES)) {
      settings.put(key, stored != null && stored.containsKey(key) ? stored.getValue(key) : DEFAULTS.get(key));
    }
    return settings;
  }

  /** A product's settings, defaults filled in; null when there is no such product. */
  public static Future<JsonObject> read(Pool pool, int productId) {
    return pool.preparedQuery("SELECT settings FROM products WHERE id = $1").execute(Tuple.of(productId))
        .map(rows -> rows.size() == 0 ? null : withDefaults((JsonObject) rows.iterator().next().getValue(0)));
  }

  /**
   * Checks a change: known keys with values of their kind; a null value clears an answer.
   *
   * @throws ApiException 400 naming the first field that is wrong
   */
  public static JsonObject validChange(JsonObject change) {
    if (change.isEmpty()) {
      throw new ApiException(400, "invalid_request", "No settings given; the keys are " + String.join(", ", DEFAULTS.keySet().stream().sorted().toList()));
    }
    for (Map.Entry<String, Object> entry : change) {
      String key = entry.getKey();
      Object value = entry.getValue();
      if (!DEFAULTS.containsKey(key)) {
        throw new ApiException(400, "invalid_request", "Unknown setting " + key + "; the keys are "
            + String.join(", ", DEFAULTS.keySet().stream().sorted().toList()));
      }
      if (value == null) {
        continue;
      }
      if (AUTHENTICATION.equals(key)) {
        if (!(value instanceof String method) || !AUTHENTICATION_METHODS.contains(method)) {
          throw new ApiException(400, "invalid_request", "authentication must be one of simple, two_legged, oauth");
        }
      } else if (!(value instanceof Boolean)) {
        throw new ApiException(400, "invalid_request", key + " must be true or false");
      }
    }
    return change;
  }
}
