package io.drover.hub.tracker;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Fills the {@link ConfigIndex}: everything at start, then a product or some devices when they change. */
public final class ConfigIndexLoader {

  private static final String FLEETS = """
      SELECT p.id, f.settings FROM products p LEFT JOIN tracker_fleet_config f ON f.product_id = p.id
      WHERE p.type = 'tracker' AND ($1::int IS NULL OR p.id = $1)""";
  private static final String DEVICES = """
      SELECT d.id, d.product_id, d.development, c.settings
      FROM devices d JOIN products p ON p.id = d.product_id AND p.type = 'tracker'
      LEFT JOIN tracker_device_config c ON c.device_id = d.id AND c.product_id = d.product_id""";
  private static final String PRODUCT_DEVICES = DEVICES + " WHERE ($1::int IS NULL OR d.product_id = $1)";
  private static final String SOME_DEVICES = DEVICES + " WHERE d.id = ANY($1)";

  private final Pool pool;
  private final ConfigIndex index;

  public ConfigIndexLoader(Pool pool, ConfigIndex index) {
    this.pool = pool;
    this.index = index;
  }

  /** Blocks: the launcher calls it once, before traffic. */
  public static ConfigIndex loadAtStart(Pool pool) {
    ConfigIndex index = new ConfigIndex();
    new ConfigIndexLoader(pool, index).reloadProduct(null).await();
    return index;
  }

  public ConfigIndex index() {
    return index;
  }

  /** Reloads one tracker product (null: all of them), its fleet settings first, then its devices. */
  public Future<Void> reloadProduct(Integer productId) {
    Future<RowSet<Row>> fleets = pool.preparedQuery(FLEETS).execute(Tuple.of(productId));
    Future<RowSet<Row>> devices = pool.preparedQuery(PRODUCT_DEVICES).execute(Tuple.of(productId));
    return Future.all(fleets, devices).map(all -> {
      if (productId != null && fleets.result().size() == 0) {
        index.removeProduct(productId);
        return null;
      }
      for (Row row : fleets.result()) {
        index.putFleet(row.getInteger(0), TrackerSettings.fromStored((JsonObject) row.getValue(1)));
      }
      Set<String> seen = new HashSet<>();
      for (Row row : devices.result()) {
        seen.add(row.getString(0));
        putDevice(row);
      }
      if (productId != null) {
        // new entries first, then the leavers: a handshake meanwhile never finds its device missing
        index.retainDevices(productId, seen);
      }
      return null;
    });
  }

  /** Reloads a product's fleet settings only: what a fleet settings write changes (its devices stay). */
  public Future<Void> reloadFleet(int productId) {
    return pool.preparedQuery(FLEETS).execute(Tuple.of(productId)).map(rows -> {
      for (Row row : rows) {
        index.putFleet(row.getInteger(0), TrackerSettings.fromStored((JsonObject) row.getValue(1)));
      }
      return null;
    });
  }

  /** Reloads some devices wherever they now belong: one that left its tracker product leaves the index. */
  public Future<Void> reloadDevices(List<String> deviceIds) {
    return pool.preparedQuery(SOME_DEVICES).execute(Tuple.tuple().addArrayOfString(deviceIds.toArray(new String[0]))).map(rows -> {
      Set<String> seen = new HashSet<>();
      for (Row row : rows) {
        seen.add(row.getString(0));
        putDevice(row);
      }
      for (String id : deviceIds) {
        if (!seen.contains(id)) {
          index.removeDevice(id);
        }
      }
      return null;
    });
  }

  private void putDevice(Row row) {
    Object overrides = row.getValue(3);
    index.putDevice(row.getString(0), row.getInteger(1), row.getBoolean(2),
        overrides == null ? null : TrackerSettings.fromStored((JsonObject) overrides));
  }
}
