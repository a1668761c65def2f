package io.drover.hub.tracker;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.function.UnaryOperator;

/** The stored tracker settings (V12): only the fields someone set, fleet-wide and per device. */
public final class TrackerConfigRepository {

  private static final String FLEET = "SELECT settings FROM tracker_fleet_config WHERE product_id = $1";
  private static final String FLEET_ROW = """
      INSERT INTO tracker_fleet_config (product_id) VALUES ($1) ON CONFLICT DO NOTHING""";
  private static final String FLEET_LOCKED = "SELECT settings FROM tracker_fleet_config WHERE product_id = $1 FOR UPDATE";
  private static final String FLEET_UPDATE = """
      UPDATE tracker_fleet_config SET settings = $2, changed_at = now(), changed_by = $3 WHERE product_id = $1""";

  private static final String DEVICE = """
      SELECT d.development, c.settings FROM devices d
      LEFT JOIN tracker_device_config c ON c.device_id = d.id AND c.product_id = d.product_id
      WHERE d.id = $1 AND d.product_id = $2""";
  private static final String DEVICE_LOCKED = """
      SELECT d.development, c.settings FROM devices d
      LEFT JOIN tracker_device_config c ON c.device_id = d.id AND c.product_id = d.product_id
      WHERE d.id = $1 AND d.product_id = $2 FOR UPDATE OF d""";
  private static final String DEVICE_UPSERT = """
      INSERT INTO tracker_device_config (device_id, product_id, settings, changed_by) VALUES ($1, $2, $3, $4)
      ON CONFLICT (device_id) DO UPDATE SET product_id = $2, settings = $3, changed_at = now(), changed_by = $4""";
  private static final String DEVICE_DELETE = "DELETE FROM tracker_device_config WHERE device_id = $1 AND product_id = $2";

  private final Pool pool;

  public TrackerConfigRepository(Pool pool) {
    this.pool = pool;
  }

  /** The fleet's stored (partial) settings; empty when none were saved. */
  public Future<JsonObject> fleet(int productId) {
    return pool.preparedQuery(FLEET).execute(Tuple.of(productId))
        .map(rows -> rows.size() == 0 ? new JsonObject() : TrackerSettings.fromStored((JsonObject) rows.iterator().next().getValue(0)));
  }

  /**
   * Replaces the fleet's stored settings with {@code change.apply(current)}, under a row lock so that
   * two writers' fields both land. Returns the new stored settings.
   */
  public Future<JsonObject> updateFleet(int productId, Long userId, UnaryOperator<JsonObject> change) {
    return pool.withTransaction(connection -> connection.preparedQuery(FLEET_ROW).execute(Tuple.of(productId))
        .compose(inserted -> connection.preparedQuery(FLEET_LOCKED).execute(Tuple.of(productId)))
        .compose(rows -> {
          JsonObject next = change.apply(TrackerSettings.fromStored((JsonObject) rows.iterator().next().getValue(0)));
          return connection.preparedQuery(FLEET_UPDATE).execute(Tuple.of(productId, next, userId)).map(updated -> next);
        }));
  }

  /** A product's device: its development flag and its own stored settings; null when it is not in the product. */
  public Future<DeviceSettings> device(int productId, String deviceId) {
    return pool.preparedQuery(DEVICE).execute(Tuple.of(deviceId, productId))
        .map(rows -> rows.size() == 0 ? null : deviceSettings(rows.iterator().next()));
  }

  /**
   * Applies {@code change} to a device's own settings under a lock of the device row; {@code change}
   * may throw (the transaction then rolls back). Null when the device is not in the product.
   */
  public Future<JsonObject> updateDevice(int productId, String deviceId, Long userId, java.util.function.Function<DeviceSettings, JsonObject> change) {
    return pool.withTransaction(connection -> connection.preparedQuery(DEVICE_LOCKED).execute(Tuple.of(deviceId, productId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(null);
          }
          JsonObject next = change.apply(deviceSettings(rows.iterator().next()));
          return write(connection, productId, deviceId, userId, next).map(written -> next);
        }));
  }

  private static Future<?> write(SqlConnection connection, int productId, String deviceId, Long userId, JsonObject next) {
    return next.isEmpty()
        ? connection.preparedQuery(DEVICE_DELETE).execute(Tuple.of(deviceId, productId))
        : connection.preparedQuery(DEVICE_UPSERT).execute(Tuple.of(deviceId, productId, next, userId));
  }

  private static DeviceSettings deviceSettings(Row row) {
    Object own = row.getValue(1);
    return new DeviceSettings(row.getBoolean(0), own == null ? new JsonObject() : TrackerSettings.fromStored((JsonObject) own));
  }

  /** @param own the device's stored settings, empty when it has none */
  public record DeviceSettings(boolean development, JsonObject own) {
  }
}
