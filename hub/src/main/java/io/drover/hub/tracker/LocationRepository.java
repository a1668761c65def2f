package io.drover.hub.tracker;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

/**
 * The queries behind {@link LocationsApi}: a fleet's locations, one per device (its last known, or its
 * last within a time range), and one device's points in a range. Only devices in the product now are
 * answered (a device that left keeps its rows, but not for the product it left). Every filter of
 * {@link LocationQuery} is applied in SQL, so the paging counts what matches.
 */
final class LocationRepository {

  /** The devices' fields every answer carries; {@code d} is the device row. */
  private static final String DEVICE_FIELDS = "d.name, c.online, c.last_heard";
  /** The device's groups, read for a page's rows only (outside the LIMIT). */
  private static final String GROUPS = """
      ARRAY(SELECT g.group_name FROM device_group_members g WHERE g.product_id = p.product_id AND g.device_id = p.device_id
            ORDER BY g.group_name) AS groups""";
  /** $2 device ID prefix, $3 device name prefix (lower case), $4 groups (any of), $5 to $8 the box; each null when not asked. */
  private static final String FILTERS = "\n" + """
        AND ($2::text IS NULL OR starts_with(l.device_id, $2))
        AND ($3::text IS NULL OR starts_with(lower(d.name), $3))
        AND ($4::text[] IS NULL OR EXISTS (SELECT 1 FROM device_group_members g
              WHERE g.product_id = l.product_id AND g.device_id = l.device_id AND g.group_name = ANY ($4::text[])))""" + box(5);
  private static final String LAST_KNOWN = """
      SELECT l.device_id, l.product_id, l.at, l.lat, l.lon, l.loc, """ + DEVICE_FIELDS + """

      FROM tracker_last_locations l JOIN devices d ON d.id = l.device_id AND d.product_id = l.product_id
        JOIN device_connectivity c ON c.device_id = l.device_id
      WHERE l.product_id = $1""" + FILTERS;
  /** The last location of each device within [$11, $12), by the tracker_locations_by_product index. */
  private static final String LAST_IN_RANGE = """
      SELECT DISTINCT ON (l.device_id) l.device_id, l.product_id, l.at, l.lat, l.lon, l.loc, """ + DEVICE_FIELDS + """

      FROM tracker_locations l JOIN devices d ON d.id = l.device_id AND d.product_id = l.product_id
        JOIN device_connectivity c ON c.device_id = l.device_id
      WHERE l.product_id = $1 AND l.at >= $11 AND l.at < $12""" + FILTERS + """

      ORDER BY l.device_id, l.at DESC""";
  /** Columns: device_id, product_id, at, lat, lon, loc, name, online, last_heard, found, groups. */
  private static final String PAGE_START = "SELECT p.*, " + GROUPS + " FROM (SELECT s.*, count(*) OVER () AS found FROM (";
  private static final String PAGE_END = ") s ORDER BY s.device_id LIMIT $9 OFFSET $10) p ORDER BY p.device_id";
  private static final String FLEET_LAST_KNOWN = PAGE_START + LAST_KNOWN + PAGE_END;
  private static final String FLEET_IN_RANGE = PAGE_START + LAST_IN_RANGE + PAGE_END;

  /** Columns: device_id, product_id, name, online, last_heard, groups. */
  private static final String DEVICE = """
      SELECT p.id AS device_id, p.product_id, p.name, c.online, c.last_heard, """ + GROUPS.replace("p.device_id", "p.id") + """

      FROM devices p JOIN device_connectivity c ON c.device_id = p.id WHERE p.id = $1 AND p.product_id = $2""";
  /** Columns: at, lat, lon, loc, found; in [$3, $4) and the box, newest first, at most $9. */
  private static final String TRACK = """
      SELECT l.at, l.lat, l.lon, l.loc, count(*) OVER () AS found FROM tracker_locations l
      WHERE l.product_id = $1 AND l.device_id = $2 AND l.at >= $3 AND l.at < $4""" + box(5) + """

      ORDER BY l.at DESC LIMIT $9""";
  /** Columns: at, lat, lon, loc, found; the box is $3 to $6. */
  private static final String LAST_OF_DEVICE = """
      SELECT l.at, l.lat, l.lon, l.loc, 1 AS found FROM tracker_last_locations l
      WHERE l.product_id = $1 AND l.device_id = $2""" + box(3);

  private final Pool pool;

  LocationRepository(Pool pool) {
    this.pool = pool;
  }

  /** One location per device of the product that matches, a page of them by device ID. */
  Future<RowSet<Row>> fleet(int productId, LocationQuery query) {
    Tuple values = Tuple.tuple().addInteger(productId).addString(query.deviceIdPrefix()).addString(query.deviceNamePrefix())
        .addArrayOfString(query.groups());
    box(values, query.box()).addInteger(query.perPage()).addLong((long) (query.page() - 1) * query.perPage());
    if (query.from() == null) {
      return pool.preparedQuery(FLEET_LAST_KNOWN).execute(values);
    }
    return pool.preparedQuery(FLEET_IN_RANGE).execute(values.addOffsetDateTime(query.from()).addOffsetDateTime(query.to()));
  }

  /** The device, if it is in the product now: one row, or none. */
  Future<RowSet<Row>> device(int productId, String deviceId) {
    return pool.preparedQuery(DEVICE).execute(Tuple.of(deviceId, productId));
  }

  /** The device's points in the range and box, newest first, at most {@code max}; without a range, its last known one (if in the box). */
  Future<RowSet<Row>> track(int productId, String deviceId, LocationQuery query, int max) {
    Tuple values = Tuple.tuple().addInteger(productId).addString(deviceId);
    if (query.from() == null) {
      return pool.preparedQuery(LAST_OF_DEVICE).execute(box(values, query.box()));
    }
    values.addOffsetDateTime(query.from()).addOffsetDateTime(query.to());
    return pool.preparedQuery(TRACK).execute(box(values, query.box()).addInteger(max));
  }

  /** The box's four values, in the order {@link #box(int)} numbers them. */
  private static Tuple box(Tuple values, LocationQuery.Box box) {
    if (box == null) {
      return values.addValue(null).addValue(null).addValue(null).addValue(null);
    }
    return values.addDouble(box.bottomLat()).addDouble(box.leftLon()).addDouble(box.topLat()).addDouble(box.rightLon());
  }

  /**
   * The bounding box ({@code rect_bl}, {@code rect_tr}) as $first to $first+3: bottom latitude, left
   * longitude, top latitude, right longitude; all null when not asked. A box whose left edge is east of
   * its right edge crosses the antimeridian.
   */
  private static String box(int first) {
    String bottom = "$" + first + "::float8";
    String left = "$" + (first + 1) + "::float8";
    String top = "$" + (first + 2) + "::float8";
    String right = "$" + (first + 3) + "::float8";
    return "\n  AND (" + bottom + " IS NULL OR (l.lat BETWEEN " + bottom + " AND " + top
        + "\n    AND CASE WHEN " + left + " <= " + right + " THEN l.lon BETWEEN " + left + " AND " + right
        + " ELSE l.lon >= " + left + " OR l.lon <= " + right + " END))";
  }
}
