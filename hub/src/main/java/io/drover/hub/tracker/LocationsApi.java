package io.drover.hub.tracker;

import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Tracker locations (cloud-api.md, "Tracker"): {@code GET /v1/products/:pid/locations} answers each
 * device's last known location, or with {@code date_range} its last one within the range;
 * {@code GET .../locations/:deviceId} the device's history in the range (newest first). Both page with
 * {@code page} and {@code per_page}. VIEW; tracker products only.
 */
public final class LocationsApi implements ApiFeature {

  static final int MAX_PER_PAGE = 1000;
  private static final String BASE = "/v1/products/:" + ProductAccess.PATH_PARAM + "/locations";

  private static final String LAST_KNOWN = """
      SELECT device_id, at, received_at, lat, lon, loc, trig, req_id, count(*) OVER () FROM tracker_last_locations
      WHERE product_id = $1 AND ($2::text IS NULL OR device_id = $2)
      ORDER BY device_id LIMIT $3 OFFSET $4""";
  private static final String LAST_IN_RANGE = """
      SELECT device_id, at, received_at, lat, lon, loc, trig, req_id, count(*) OVER () FROM (
        SELECT DISTINCT ON (device_id) * FROM tracker_locations
        WHERE product_id = $1 AND ($2::text IS NULL OR device_id = $2) AND at >= $5 AND at < $6
        ORDER BY device_id, at DESC) latest
      ORDER BY device_id LIMIT $3 OFFSET $4""";
  private static final String HISTORY = """
      SELECT device_id, at, received_at, lat, lon, loc, trig, req_id, count(*) OVER () FROM tracker_locations
      WHERE product_id = $1 AND device_id = $2 AND at >= $5 AND at < $6
      ORDER BY at DESC LIMIT $3 OFFSET $4""";
  private static final String IN_PRODUCT = "SELECT 1 FROM devices WHERE id = $1 AND product_id = $2";

  private final Pool pool;
  private final AccessCheck access;
  private final ProductAccess products;

  public LocationsApi(Pool pool, AccessCheck access, ProductAccess products) {
    this.pool = pool;
    this.access = access;
    this.products = products;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(BASE).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::fleet);
    router.get(BASE + "/:deviceId").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::device);
    return Future.succeededFuture();
  }

  private void fleet(RoutingContext ctx) {
    ProductScope product = tracker(ctx);
    Query query = Query.of(ctx, false);
    String deviceId = ctx.request().getParam("device_id");
    Tuple values = Tuple.of(product.productId(), deviceId == null ? null : deviceId.toLowerCase(Locale.ROOT), query.perPage,
        (long) (query.page - 1) * query.perPage);
    Future<io.vertx.sqlclient.RowSet<Row>> rows = query.from == null
        ? pool.preparedQuery(LAST_KNOWN).execute(values)
        : pool.preparedQuery(LAST_IN_RANGE).execute(values.addOffsetDateTime(query.from).addOffsetDateTime(query.to));
    rows.onSuccess(found -> ctx.json(page(found, query))).onFailure(ctx::fail);
  }

  private void device(RoutingContext ctx) {
    ProductScope product = tracker(ctx);
    Query query = Query.of(ctx, true);
    String deviceId = ctx.pathParam("deviceId").toLowerCase(Locale.ROOT);
    pool.preparedQuery(IN_PRODUCT).execute(Tuple.of(deviceId, product.productId())).compose(member -> {
      if (member.size() == 0) {
        return Future.failedFuture(new ApiException(404, "not_found", "Device " + deviceId + " is not in product " + product.productId()));
      }
      return pool.preparedQuery(HISTORY).execute(Tuple.of(product.productId(), deviceId, query.perPage, (long) (query.page - 1) * query.perPage)
          .addOffsetDateTime(query.from).addOffsetDateTime(query.to));
    }).onSuccess(found -> ctx.json(page(found, query).put("device_id", deviceId))).onFailure(ctx::fail);
  }

  private static JsonObject page(io.vertx.sqlclient.RowSet<Row> rows, Query query) {
    JsonArray locations = new JsonArray();
    long total = 0;
    for (Row row : rows) {
      total = row.getLong(8);
      locations.add(new JsonObject()
          .put("device_id", row.getString(0))
          .put("time", row.getOffsetDateTime(1).toInstant().toString())
          .put("received_at", row.getOffsetDateTime(2).toInstant().toString())
          .put("lat", row.getDouble(3))
          .put("lon", row.getDouble(4))
          .put("loc", row.getValue(5))
          .put("trig", row.getValue(6))
          .put("req_id", row.getLong(7)));
    }
    JsonObject meta = new JsonObject().put("page", query.page).put("per_page", query.perPage).put("total", total)
        .put("total_pages", (total + query.perPage - 1) / query.perPage);
    if (query.from != null) {
      meta.put("date_range", query.from.toInstant() + "," + query.to.toInstant());
    }
    return new JsonObject().put("locations", locations).put("meta", meta);
  }

  private static ProductScope tracker(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    if (!product.tracker()) {
      throw new ApiException(400, "not_tracker", "Product " + product.productId() + " is not an Asset Tracker product: locations are for tracker products");
    }
    return product;
  }

  /** Paging and the time range: {@code date_range=<ISO-8601>,<ISO-8601>} (from inclusive, to exclusive). */
  private record Query(int page, int perPage, OffsetDateTime from, OffsetDateTime to) {

    /** @param rangeRequired a history without a range is the last 24 hours */
    static Query of(RoutingContext ctx, boolean rangeRequired) {
      int page = positive(ctx, "page", 1, Integer.MAX_VALUE / MAX_PER_PAGE);
      int perPage = positive(ctx, "per_page", 100, MAX_PER_PAGE);
      String range = ctx.request().getParam("date_range");
      if (range == null) {
        if (!rangeRequired) {
          return new Query(page, perPage, null, null);
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return new Query(page, perPage, now.minusDays(1), now.plusMinutes(1));
      }
      String[] ends = range.split(",", -1);
      if (ends.length != 2) {
        throw badRange();
      }
      try {
        OffsetDateTime from = Instant.parse(ends[0].trim()).atOffset(ZoneOffset.UTC);
        OffsetDateTime to = Instant.parse(ends[1].trim()).atOffset(ZoneOffset.UTC);
        if (!from.isBefore(to)) {
          throw new ApiException(400, "invalid_request", "date_range must start before it ends");
        }
        return new Query(page, perPage, from, to);
      } catch (DateTimeParseException e) {
        throw badRange();
      }
    }

    private static ApiException badRange() {
      return new ApiException(400, "invalid_request", "date_range must be two ISO-8601 instants, from,to (e.g. 2026-11-27T00:00:00Z,2026-11-28T00:00:00Z)");
    }

    private static int positive(RoutingContext ctx, String name, int fallback, int max) {
      String given = ctx.request().getParam(name);
      if (given == null) {
        return fallback;
      }
      try {
        int value = Integer.parseInt(given);
        if (value >= 1 && value <= max) {
          return value;
        }
      } catch (NumberFormatException e) {
        // answered below
      }
      throw new ApiException(400, "invalid_request", name + " must be an integer from 1 to " + max);
    }
  }
}
