package io.drover.hub.products.fleet;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which groups a product's devices are in: one device's whole set (PUT of a device), or groups added
 * to and removed from many devices at once (the batch action). Set-based: a statement per step, not per
 * device. Groups must exist: a misspelt group is an error, not a new group.
 */
final class DeviceGroupChanges {

  private static final String EXISTING_GROUPS = "SELECT name FROM device_groups WHERE product_id = $1 AND name = ANY($2)";
  private static final String DEVICES_IN_PRODUCT = "SELECT id FROM devices WHERE product_id = $1 AND id = ANY($2) FOR SHARE";
  private static final String ADD = """
      INSERT INTO device_group_members (product_id, group_name, device_id)
      SELECT $1, g, d FROM unnest($2::text[]) g CROSS JOIN unnest($3::text[]) d
      ON CONFLICT DO NOTHING""";
  private static final String REMOVE = "DELETE FROM device_group_members WHERE product_id = $1 AND group_name = ANY($2) AND device_id = ANY($3)";
  private static final String REMOVE_OTHERS = "DELETE FROM device_group_members WHERE product_id = $1 AND device_id = $2 AND NOT (group_name = ANY($3))";

  private final Pool pool;

  DeviceGroupChanges(Pool pool) {
    this.pool = pool;
  }

  /** Makes {@code groups} the device's groups, inside the caller's transaction. */
  Future<Void> replace(SqlConnection connection, int productId, String deviceId, List<String> groups) {
    String[] names = groups.toArray(new String[0]);
    return requireGroups(connection, productId, groups)
        .compose(ignored -> connection.preparedQuery(REMOVE_OTHERS).execute(Tuple.of(productId, deviceId, names)))
        .compose(ignored -> connection.preparedQuery(ADD).execute(Tuple.of(productId, names, new String[] {deviceId})))
        .mapEmpty();
  }

  /** Adds and removes groups for the product's devices among {@code ids}; the others come back as invalid. */
  Future<Batch> batch(int productId, DeviceIdList ids, List<String> add, List<String> remove) {
    Set<String> both = new HashSet<>(add);
    both.retainAll(remove);
    if (!both.isEmpty()) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "metadata adds and removes the same group: " + String.join(", ", both)));
    }
    List<String> named = new ArrayList<>(add);
    named.addAll(remove);
    return pool.withTransaction(connection -> requireGroups(connection, productId, named)
        .compose(ignored -> connection.preparedQuery(DEVICES_IN_PRODUCT).execute(Tuple.of(productId, (Object) ids.wellFormed().toArray(new String[0]))))
        .compose(rows -> {
          Set<String> inProduct = new HashSet<>();
          for (Row row : rows) {
            inProduct.add(row.getString(0));
          }
          List<String> updated = new ArrayList<>();
          List<String> invalid = new ArrayList<>(ids.malformed());
          for (String id : ids.wellFormed()) {
            (inProduct.contains(id) ? updated : invalid).add(id);
          }
          String[] devices = updated.toArray(new String[0]);
          Future<?> added = add.isEmpty() || updated.isEmpty() ? Future.succeededFuture()
              : connection.preparedQuery(ADD).execute(Tuple.of(productId, add.toArray(new String[0]), devices));
          return added
              .compose(ignored -> remove.isEmpty() || updated.isEmpty() ? Future.succeededFuture()
                  : connection.preparedQuery(REMOVE).execute(Tuple.of(productId, remove.toArray(new String[0]), devices)))
              .map(new Batch(updated, invalid));
        }));
  }

  private static Future<Void> requireGroups(SqlConnection connection, int productId, List<String> names) {
    if (names.isEmpty()) {
      return Future.succeededFuture();
    }
    return connection.preparedQuery(EXISTING_GROUPS).execute(Tuple.of(productId, (Object) names.toArray(new String[0]))).compose(rows -> {
      Set<String> missing = new java.util.LinkedHashSet<>(names);
      for (Row row : rows) {
        missing.remove(row.getString(0));
      }
      return missing.isEmpty() ? Future.<Void>succeededFuture()
          : Future.failedFuture(new ApiException(400, "invalid_request", "No such group in this product: " + String.join(", ", missing)));
    });
  }

  record Batch(List<String> updated, List<String> invalid) {
  }
}
