package io.drover.hub.tracker;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * A tracker fleet's sync state, decided when asked against each device's effective settings:
 * <ul>
 *   <li>{@code in_sync}: the device last reported (handshake or {@code cfg/ack}) the effective checksum;</li>
 *   <li>{@code pending}: the effective settings were sent to it and it has not acknowledged yet;</li>
 *   <li>{@code stale}: it runs other settings and nothing was sent (it is offline, or reports no checksum).</li>
 * </ul>
 * {@code since}: when the device last reported for in_sync, when they were sent for pending, and when
 * its effective settings last changed for stale (null: never saved, the defaults).
 *
 * <p>Reads the whole fleet's rows (one query) to count the states; fine to some 100,000 devices.
 */
final class ConfigSyncStatus {

  static final List<String> STATES = List.of("in_sync", "pending", "stale");

  private static final String FLEET = "SELECT settings, changed_at FROM tracker_fleet_config WHERE product_id = $1";
  private static final String DEVICES = """
      SELECT d.id, d.development, c.settings, c.changed_at, s.reported_checksum, s.reported_at, s.sent_checksum, s.sent_at
      FROM devices d
      LEFT JOIN tracker_device_config c ON c.device_id = d.id AND c.product_id = d.product_id
      LEFT JOIN tracker_config_sync s ON s.device_id = d.id
      WHERE d.product_id = $1 ORDER BY d.id""";

  private final Pool pool;

  ConfigSyncStatus(Pool pool) {
    this.pool = pool;
  }

  /**
   * @param state one of {@link #STATES} to list only those, or null for all
   * @param page from 1
   */
  Future<JsonObject> of(int productId, String state, int page, int perPage) {
    Future<io.vertx.sqlclient.RowSet<Row>> fleetRows = pool.preparedQuery(FLEET).execute(Tuple.of(productId));
    Future<io.vertx.sqlclient.RowSet<Row>> deviceRows = pool.preparedQuery(DEVICES).execute(Tuple.of(productId));
    return Future.all(fleetRows, deviceRows).map(all -> {
      Row fleetRow = fleetRows.result().size() == 0 ? null : fleetRows.result().iterator().next();
      JsonObject fleet = TrackerSettings.merged(TrackerSettings.defaults(),
          fleetRow == null ? null : TrackerSettings.fromStored((JsonObject) fleetRow.getValue(0)));
      String fleetChecksum = ConfigChecksum.of(fleet);
      OffsetDateTime fleetChanged = fleetRow == null ? null : fleetRow.getOffsetDateTime(1);
      int[] counts = new int[STATES.size()];
      List<JsonObject> listed = new ArrayList<>();
      for (Row row : deviceRows.result()) {
        JsonObject own = row.getValue(2) == null ? null : TrackerSettings.fromStored((JsonObject) row.getValue(2));
        boolean ownCounts = row.getBoolean(1) && own != null && !own.isEmpty();
        String effective = ownCounts ? ConfigChecksum.of(TrackerSettings.merged(fleet, own)) : fleetChecksum;
        OffsetDateTime changed = ownCounts ? later(fleetChanged, row.getOffsetDateTime(3)) : fleetChanged;
        String reported = row.getString(4);
        String deviceState;
        OffsetDateTime since;
        if (effective.equals(reported)) {
          deviceState = "in_sync";
          since = row.getOffsetDateTime(5);
        } else if (effective.equals(row.getString(6))) {
          deviceState = "pending";
          since = row.getOffsetDateTime(7);
        } else {
          deviceState = "stale";
          since = changed;
        }
        counts[STATES.indexOf(deviceState)]++;
        if (state == null || state.equals(deviceState)) {
          listed.add(new JsonObject().put("id", row.getString(0)).put("state", deviceState).put("since", text(since))
              .put("checksum", effective).put("reported_checksum", reported).put("reported_at", text(row.getOffsetDateTime(5)))
              .put("source", ownCounts ? "device" : "fleet"));
        }
      }
      JsonObject summary = new JsonObject();
      for (int i = 0; i < counts.length; i++) {
        summary.put(STATES.get(i), counts[i]);
      }
      int from = Math.min((page - 1) * perPage, listed.size());
      JsonArray devices = new JsonArray(new ArrayList<>(listed.subList(from, Math.min(from + perPage, listed.size()))));
      return new JsonObject().put("fleet_checksum", fleetChecksum).put("summary", summary).put("devices", devices)
          .put("meta", new JsonObject().put("page", page).put("per_page", perPage).put("total", listed.size())
              .put("total_pages", (listed.size() + perPage - 1) / perPage));
    });
  }

  private static OffsetDateTime later(OffsetDateTime a, OffsetDateTime b) {
    return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
  }

  private static String text(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }
}
