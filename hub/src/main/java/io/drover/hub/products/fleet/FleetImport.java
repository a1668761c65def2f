package io.drover.hub.products.fleet;

import io.drover.hub.http.ApiException;
import io.drover.hub.storage.DeviceBatchLock;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adding devices to a product: one transaction, four statements whatever the number of IDs. Each ID
 * ends in one of Particle's four outcomes: added ({@code updatedDeviceIds}), already in this product
 * ({@code existingDeviceIds}), not claimable ({@code nonmemberDeviceIds}: in another product, owned
 * by someone who is neither a team member nor a customer of this one, or owned by no one and not
 * proved to be the team's: it reported none of this product's claim codes) and invalid
 * ({@code invalidDeviceIds}: not a device ID, no such device on this node, or a device of another type
 * than the product's: a product holds one device type). A node administrator's import needs no proof:
 * that is the manufacturing line's import of a factory's list of IDs. An import spends the product's
 * claim codes the devices reported.
 *
 * <p>The transaction holds {@link DeviceBatchLock}, taken before the product's row: the join moves many
 * devices, and the trigger that keeps device_connectivity's copy of product_id updates their
 * connectivity rows in the join's order, which the connectivity and last_heard batches must not meet.
 */
final class FleetImport {

  /** Locks the named devices, classifies them and moves the claimable ones into the product, at once. */
  private static final String CLASSIFY_AND_JOIN = """
      WITH found AS (
        SELECT d.id, d.product_id,
               d.platform_id IS NOT NULL AND d.platform_id <> (SELECT p.platform_id FROM products p WHERE p.id = $1) AS other_type,
               d.product_id IS NULL AND (
                 (d.owner_id IS NULL AND ($3 OR EXISTS (SELECT 1 FROM claim_codes c JOIN users u ON u.id = c.user_id
                   WHERE c.device_id = d.id AND c.product_id = $1 AND c.expires_at > now() AND u.kind <> 'customer')))
                 OR EXISTS (SELECT 1 FROM product_members m WHERE m.product_id = $1 AND m.user_id = d.owner_id)
                 OR EXISTS (SELECT 1 FROM users u WHERE u.id = d.owner_id AND u.product_id = $1)) AS claimable
        FROM devices d WHERE d.id = ANY($2)
        FOR UPDATE OF d),
      joined AS (
        UPDATE devices d SET product_id = $1, development = false FROM found f
        WHERE d.id = f.id AND f.claimable AND NOT f.other_type
        RETURNING d.id)
      SELECT f.id, CASE WHEN f.product_id = $1 THEN 'existing' WHEN f.other_type THEN 'invalid'
                        WHEN f.claimable THEN 'updated' ELSE 'nonmember' END AS outcome
      FROM found f""";
  /** Importing a device again is the way to take it back after a removal. */
  private static final String LIFT_DENIALS = "DELETE FROM product_device_denials WHERE product_id = $1 AND device_id = ANY($2)";
  private static final String SPEND_CLAIM_CODES = "DELETE FROM claim_codes WHERE product_id = $1 AND device_id = ANY($2)";
  /**
   * Taken first: imports, auto-approvals and plan changes of one product happen one after the other, so
   * the device count the plan's limit is held against is never read stale.
   */
  static final String LOCK_PRODUCT = "SELECT 1 FROM products WHERE id = $1 FOR UPDATE";
  /** The product's devices (the V8 counter, already counting this transaction's joins) against its plan's limit (V20). */
  static final String FLEET_SIZE = """
      SELECT p.name, p.plan, p.owner_id, coalesce(c.devices, 0) AS devices, b.device_limit
      FROM products p LEFT JOIN product_device_counts c ON c.product_id = p.id LEFT JOIN billing_plans b ON b.name = p.plan
      WHERE p.id = $1""";

  private final Pool pool;

  FleetImport(Pool pool) {
    this.pool = pool;
  }

  /** @param administrator a node administrator imports unowned devices without their proof */
  Future<Outcome> run(int productId, DeviceIdList ids, boolean administrator) {
    String[] wanted = ids.wellFormed().toArray(new String[0]);
    return DeviceBatchLock.holding(pool, connection -> connection.preparedQuery(LOCK_PRODUCT).execute(Tuple.of(productId))
        .compose(locked -> connection.preparedQuery(CLASSIFY_AND_JOIN).execute(Tuple.of(productId, (Object) wanted, administrator)))
        .compose(rows -> {
          Map<String, String> outcomes = new HashMap<>();
          for (Row row : rows) {
            outcomes.put(row.getString("id"), row.getString("outcome"));
          }
          Outcome outcome = Outcome.of(ids, outcomes);
          if (outcome.updated().isEmpty()) {
            return Future.succeededFuture(outcome);
          }
          Tuple added = Tuple.of(productId, (Object) outcome.updated().toArray(new String[0]));
          return connection.preparedQuery(FLEET_SIZE).execute(Tuple.of(productId))
              .compose(size -> withinPlan(size.iterator().next(), outcome.updated().size()))
              .compose(within -> connection.preparedQuery(LIFT_DENIALS).execute(added))
              .compose(lifted -> connection.preparedQuery(SPEND_CLAIM_CODES).execute(added))
              .map(outcome);
        }));
  }

  /**
   * Refuses the whole import (the transaction rolls back: no device joins) when it takes the product
   * past its plan's device limit.
   */
  private static Future<Void> withinPlan(Row size, int added) {
    Integer limit = size.getInteger("device_limit");
    long devices = size.getLong("devices");
    if (limit == null || devices <= limit) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(deviceLimit(size.getString("name"), size.getString("plan"), limit, devices - added, added));
  }

  static ApiException deviceLimit(String product, String plan, int limit, long before, long added) {
    String self = limit >= io.drover.hub.billing.BillingSettings.SELF_SERVICE_DEVICE_LIMIT
        ? " (the self-service limit of " + io.drover.hub.billing.BillingSettings.SELF_SERVICE_DEVICE_LIMIT + " devices)" : "";
    return new ApiException(402, "device_limit", "Plan " + plan + " allows at most " + limit + " devices in a product" + self + "; product "
        + product + " has " + before + " and this would add " + added + ". Move the product to a larger plan (Billing)");
  }

  /** The four lists, each in the order the caller gave the IDs. */
  record Outcome(List<String> updated, List<String> existing, List<String> nonmember, List<String> invalid) {

    static Outcome of(DeviceIdList ids, Map<String, String> outcomes) {
      List<String> updated = new ArrayList<>();
      List<String> existing = new ArrayList<>();
      List<String> nonmember = new ArrayList<>();
      List<String> invalid = new ArrayList<>(ids.malformed());
      for (String id : ids.wellFormed()) {
        String outcome = outcomes.get(id);
        if (outcome == null) {
          invalid.add(id);
        } else {
          switch (outcome) {
            case "updated" -> updated.add(id);
            case "existing" -> existing.add(id);
            case "invalid" -> invalid.add(id);
            default -> nonmember.add(id);
          }
        }
      }
      return new Outcome(updated, existing, nonmember, invalid);
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("updated", updated.size())
          .put("updatedDeviceIds", new JsonArray(updated))
          .put("existingDeviceIds", new JsonArray(existing))
          .put("nonmemberDeviceIds", new JsonArray(nonmember))
          .put("invalidDeviceIds", new JsonArray(invalid));
    }
  }
}
