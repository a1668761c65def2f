package io.drover.hub.firmware;

import io.drover.hub.firmware.TargetingIndex.DeviceState;
import io.drover.hub.storage.InOrder;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fills the {@link TargetingIndex} from the database: all of it at start, then a product or some of
 * its devices whenever a release, a lock or {@code FleetChanges} says they moved.
 */
public final class FirmwareIndexLoader {

  private static final String DEVICES = """
      SELECT d.id, d.product_id, coalesce(d.firmware_version, 0), coalesce(d.desired_firmware_version, 0), d.development,
             coalesce((SELECT array_agg(m.group_name ORDER BY m.group_name) FROM device_group_members m
                       WHERE m.device_id = d.id AND m.product_id = d.product_id), '{}')
      FROM devices d""";
  private static final String ALL_DEVICES = DEVICES + " WHERE d.product_id IS NOT NULL";
  private static final String PRODUCT_DEVICES = DEVICES + " WHERE d.product_id = $1";
  private static final String SOME_DEVICES = DEVICES + " WHERE d.id = ANY($1)";
  private static final String RELEASES = """
      SELECT product_id, version, NULL FROM product_firmware WHERE product_default AND ($1::int IS NULL OR product_id = $1)
      UNION ALL
      SELECT product_id, version, group_name FROM firmware_group_releases WHERE ($1::int IS NULL OR product_id = $1)""";

  private static final String ROLLOUTS = """
      SELECT product_id, id, version, admitted_percent, state, coalesce(previous_default, 0), previous_groups::text,
             batch_percent, failure_threshold_percent
      FROM firmware_rollouts WHERE NOT superseded AND state <> 'completed' AND ($1::int IS NULL OR product_id = $1)""";

  private final Pool pool;
  private final TargetingIndex index;
  /** Reloads, one at a time (see inOrder). */
  private final InOrder queue = new InOrder();

  public FirmwareIndexLoader(Pool pool, TargetingIndex index) {
    this.pool = pool;
    this.index = index;
  }

  /** Blocks: the launcher calls it once, before traffic. */
  public static TargetingIndex loadAtStart(Pool pool) {
    TargetingIndex index = new TargetingIndex();
    FirmwareIndexLoader loader = new FirmwareIndexLoader(pool, index);
    RowSet<Row> devices = pool.query(ALL_DEVICES).execute().await();
    for (Row row : devices) {
      index.putDevice(row.getInteger(1), row.getString(0), state(row));
    }
    Map<Integer, Releases> releases = loader.releasesByProduct(pool.preparedQuery(RELEASES).execute(Tuple.of((Integer) null)).await());
    withRollouts(releases, pool.preparedQuery(ROLLOUTS).execute(Tuple.of((Integer) null)).await());
    releases.forEach(index::setReleases);
    return index;
  }

  /**
   * Reloads run one after another, in the order they were asked for. Each reads the database after the
   * change that asked for it, so the last one applied holds the newest state; two running at once could
   * land an older read last (a release's product reload finishing after a lock's device reload undid
   * the lock in the index until the next reload; FirmwareApiTest caught it once in three runs).
   */
  private Future<Void> inOrder(java.util.function.Supplier<Future<Void>> reload) {
    return queue.run(reload);
  }

  /** Reloads a whole product: its devices and its releases. */
  public Future<Void> reloadProduct(int productId) {
    return inOrder(() -> readProduct(productId));
  }

  /** Reloads some devices, wherever they now belong: a device that left its product leaves the index. */
  public Future<Void> reloadDevices(List<String> deviceIds) {
    return inOrder(() -> readDevices(deviceIds));
  }

  private Future<Void> readProduct(int productId) {
    Future<RowSet<Row>> devices = pool.preparedQuery(PRODUCT_DEVICES).execute(Tuple.of(productId));
    Future<RowSet<Row>> releases = pool.preparedQuery(RELEASES).execute(Tuple.of(productId));
    Future<RowSet<Row>> rollouts = pool.preparedQuery(ROLLOUTS).execute(Tuple.of(productId));
    return Future.all(devices, releases, rollouts).map(all -> {
      Map<String, DeviceState> members = new HashMap<>();
      for (Row row : devices.result()) {
        members.put(row.getString(0), state(row));
      }
      Map<Integer, Releases> byProduct = releasesByProduct(releases.result());
      withRollouts(byProduct, rollouts.result());
      Releases current = byProduct.getOrDefault(productId, Releases.NONE);
      index.replaceProduct(productId, members, current);
      return null;
    });
  }

  private Future<Void> readDevices(List<String> deviceIds) {
    return pool.preparedQuery(SOME_DEVICES).execute(Tuple.tuple().addArrayOfString(deviceIds.toArray(new String[0]))).map(rows -> {
      Set<String> seen = new HashSet<>();
      for (Row row : rows) {
        String id = row.getString(0);
        seen.add(id);
        Integer productId = row.getInteger(1);
        index.removeDevice(id, productId == null ? 0 : productId);
        if (productId != null) {
          index.putDevice(productId, id, state(row));
        }
      }
      for (String id : deviceIds) {
        if (!seen.contains(id)) {
          index.removeDevice(id, 0);
        }
      }
      return null;
    });
  }

  private Map<Integer, Releases> releasesByProduct(RowSet<Row> rows) {
    Map<Integer, Integer> defaults = new HashMap<>();
    Map<Integer, Map<String, Integer>> groups = new HashMap<>();
    for (Row row : rows) {
      int productId = row.getInteger(0);
      String group = row.getString(2);
      groups.computeIfAbsent(productId, id -> new HashMap<>());
      if (group == null) {
        defaults.put(productId, row.getInteger(1));
      } else {
        groups.get(productId).put(group, row.getInteger(1));
      }
    }
    Map<Integer, Releases> releases = new HashMap<>();
    groups.forEach((productId, byGroup) -> releases.put(productId, new Releases(defaults.getOrDefault(productId, 0), byGroup)));
    return releases;
  }

  /** Attaches each product's gating rollout to its releases. */
  private static void withRollouts(Map<Integer, Releases> releases, RowSet<Row> rows) {
    for (Row row : rows) {
      int productId = row.getInteger(0);
      Map<String, Integer> previousGroups = new HashMap<>();
      new io.vertx.core.json.JsonObject(row.getString(6)).forEach(entry -> previousGroups.put(entry.getKey(), ((Number) entry.getValue()).intValue()));
      Releases current = releases.getOrDefault(productId, Releases.NONE);
      Rollout rollout = new Rollout(row.getLong(1), row.getInteger(2), row.getInteger(7), row.getInteger(8), row.getInteger(3),
          "running".equals(row.getString(4)),
          new Releases(row.getInteger(5), previousGroups));
      releases.put(productId, new Releases(current.productDefault(), current.byGroup(), rollout));
    }
  }

  private static DeviceState state(Row row) {
    String[] groups = row.getArrayOfStrings(5);
    return new DeviceState(row.getInteger(2), row.getInteger(3), row.getBoolean(4),
        groups == null || groups.length == 0 ? DeviceState.NO_GROUPS : groups);
  }

  static List<String> ids(io.vertx.core.json.JsonArray array) {
    List<String> ids = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      ids.add(array.getString(i));
    }
    return ids;
  }
}
