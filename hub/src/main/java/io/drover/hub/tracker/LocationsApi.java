package io.drover.hub.tracker;

import io.drover.gateway.contract.DeviceIds;
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
import io.vertx.sqlclient.RowSet;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Tracker locations in Particle's shape (cloud-api.md, "Tracker"; particle-api-js
 * {@code getProductLocations}, {@code getProductDeviceLocations}):
 *
 * <ul>
 *   <li>{@code GET /v1/products/:pid/locations}: one entry per device, its last known location, or
 *       with {@code date_range} its last one within the range, as a GeoJSON {@code Point}
 *       {@code [lon, lat, alt]}, with the device's {@code device_name}, {@code groups}, {@code online},
 *       {@code last_heard}, {@code gps_lock} and the fix's {@code timestamps}; paged by device ID,
 *       {@code meta {page, per_page, total_pages, devices_found}}</li>
 *   <li>{@code GET .../locations/:deviceId}: {@code {location, meta}}, the device's points in the
 *       range as a {@code LineString} (a {@code Point} when there is one; its last known location
 *       without a range), oldest first, with one timestamp per point</li>
 * </ul>
 *
 * Filters ({@link LocationQuery}): {@code date_range}, {@code rect_bl}/{@code rect_tr},
 * {@code device_id}, {@code device_name}, {@code groups}, {@code page}, {@code per_page}. Drover adds
 * {@code loc} (the tracker's whole {@code loc} object of the latest point) for the Console's Map.
 * VIEW; tracker products only.
 */
public final class LocationsApi implements ApiFeature {

  /** The most points one device's answer carries: the latest of its range. */
  static final int MAX_TRACK_POINTS = 10_000;
  private static final String BASE = "/v1/products/:" + ProductAccess.PATH_PARAM + "/locations";
  /** As Particle writes times: 2020-05-06T18:25:42.345Z. */
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

  private final LocationRepository locations;
  private final AccessCheck access;
  private final ProductAccess products;

  public LocationsApi(Pool pool, AccessCheck access, ProductAccess products) {
    this.locations = new LocationRepository(pool);
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
    LocationQuery query = LocationQuery.parse(ctx.queryParams());
    locations.fleet(product.productId(), query).onSuccess(rows -> {
      JsonArray found = new JsonArray();
      long total = 0;
      for (Row row : rows) {
        total = row.getLong("found");
        OffsetDateTime at = row.getOffsetDateTime("at");
        JsonObject loc = loc(row);
        found.add(device(row)
            .put("gps_lock", gpsLock(loc))
            .put("timestamps", new JsonArray().add(time(at)))
            .put("geometry", new JsonObject().put("type", "Point").put("coordinates", coordinates(row, loc)))
            .put("loc", loc));
      }
      ctx.json(new JsonObject().put("locations", found).put("meta", new JsonObject()
          .put("page", query.page())
          .put("per_page", query.perPage())
          .put("total_pages", (total + query.perPage() - 1) / query.perPage())
          .put("devices_found", total)));
    }).onFailure(ctx::fail);
  }

  private void device(RoutingContext ctx) {
    ProductScope product = tracker(ctx);
    LocationQuery query = LocationQuery.parse(ctx.queryParams());
    String given = ctx.pathParam("deviceId");
    String deviceId = DeviceIds.normalize(given);
    if (deviceId == null) {
      throw notInProduct(given, product);
    }
    locations.device(product.productId(), deviceId).compose(devices -> {
      if (devices.size() == 0) {
        return Future.failedFuture(notInProduct(deviceId, product));
      }
      Row device = devices.iterator().next();
      return locations.track(product.productId(), deviceId, query, MAX_TRACK_POINTS).map(points -> answer(device, points));
    }).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  /** The device's points, newest first from the database, answered oldest first. */
  private static JsonObject answer(Row device, RowSet<Row> rows) {
    List<Row> points = new ArrayList<>(rows.size());
    rows.forEach(points::add);
    Collections.reverse(points);
    JsonArray timestamps = new JsonArray();
    JsonArray coordinates = new JsonArray();
    JsonObject latest = null;
    long found = 0;
    for (Row point : points) {
      found = point.getLong("found");
      latest = loc(point);
      timestamps.add(time(point.getOffsetDateTime("at")));
      coordinates.add(coordinates(point, latest));
    }
    JsonObject geometry = points.isEmpty() ? null
        : points.size() == 1 ? new JsonObject().put("type", "Point").put("coordinates", coordinates.getJsonArray(0))
        : new JsonObject().put("type", "LineString").put("coordinates", coordinates);
    JsonObject location = device(device)
        .put("gps_lock", latest != null && gpsLock(latest))
        .put("timestamps", timestamps)
        .put("geometry", geometry)
        .put("loc", latest);
    // Drover's: how many points the range holds (the answer carries the latest MAX_TRACK_POINTS of them)
    return new JsonObject().put("location", location).put("meta", new JsonObject().put("points_found", found));
  }

  /** The device's own fields, from a row with device_id, product_id, name, online, last_heard, groups. */
  private static JsonObject device(Row row) {
    OffsetDateTime lastHeard = row.getOffsetDateTime("last_heard");
    String[] groups = row.getArrayOfStrings("groups");
    return new JsonObject()
        .put("device_id", row.getString("device_id"))
        .put("product_id", row.getInteger("product_id"))
        .put("device_name", row.getString("name"))
        .put("groups", groups == null ? new JsonArray() : new JsonArray(List.of((Object[]) groups)))
        .put("online", Boolean.TRUE.equals(row.getBoolean("online")))
        .put("last_heard", lastHeard == null ? null : time(lastHeard));
  }

  /** GeoJSON's order (RFC 7946 section 3.1.1): longitude, latitude, then the altitude when the tracker sent one. */
  private static JsonArray coordinates(Row row, JsonObject loc) {
    JsonArray coordinates = new JsonArray().add(row.getDouble("lon")).add(row.getDouble("lat"));
    if (loc != null && loc.getValue("alt") instanceof Number alt) {
      coordinates.add(alt.doubleValue());
    }
    return coordinates;
  }

  private static JsonObject loc(Row row) {
    Object loc = row.getValue("loc");
    return loc instanceof JsonObject json ? json : null;
  }

  /** The tracker's {@code lck}: non-zero when its GNSS receiver had a lock for this fix. */
  private static boolean gpsLock(JsonObject loc) {
    return loc != null && loc.getValue("lck") instanceof Number lock && lock.doubleValue() != 0;
  }

  private static String time(OffsetDateTime at) {
    return TIME.format(at.withOffsetSameInstant(ZoneOffset.UTC));
  }

  private static ApiException notInProduct(String deviceId, ProductScope product) {
    return new ApiException(404, "not_found", "Device " + deviceId + " is not in product " + product.productId());
  }

  private static ProductScope tracker(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    if (!product.tracker()) {
      throw new ApiException(400, "not_tracker", "Product " + product.productId() + " is not an Asset Tracker product: locations are for tracker products");
    }
    return product;
  }
}
