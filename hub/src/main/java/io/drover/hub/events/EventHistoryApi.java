package io.drover.hub.events;

import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.auth.Principal;
import io.drover.hub.devices.DeviceDirectory;
import io.drover.hub.events.filter.EventFilter;
import io.drover.hub.events.filter.FilterSyntaxException;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * {@code GET /v1/history/events?limit&before&device&filter}: the caller's stored events, newest first,
 * as the Logs page loads them on open; {@code GET /v1/products/:productIdOrSlug/history/events} (same
 * parameters, the product team's VIEW) the product's: those its devices published while in it, and
 * those published as the product, chosen by the product stamped on each event when it was accepted,
 * as the product's stream and its replay choose them. Drover's own routes (Particle keeps no history). Paged by id:
 * {@code next_before} is the id to pass as {@code before} for the next page, null at the end. A filter
 * is applied to rows read in chunks, and a page reads at most {@link #MAX_SCANNED} rows, so a filter
 * that matches little answers a short page with a {@code next_before}, never a slow one.
 */
public final class EventHistoryApi implements ApiFeature {

  static final int MAX_LIMIT = 1000;
  private static final int CHUNK = 500;
  private static final int MAX_SCANNED = 5000;
  private static final DateTimeFormatter PUBLISHED_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
  private static final String COLUMNS = "SELECT id, device_id, name, data, published_at, ttl, owner_id, public FROM events\n";
  private static final String NEWEST_FIRST = " ORDER BY id DESC LIMIT ";

  private final Pool pool;
  private final AccessCheck access;
  private final DeviceDirectory directory;
  private final ProductAccess products;

  public EventHistoryApi(Pool pool, AccessCheck access, DeviceDirectory directory, ProductAccess products) {
    this.pool = pool;
    this.access = access;
    this.directory = directory;
    this.products = products;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get("/v1/history/events").handler(access::requireUser).handler(ctx -> page(ctx, null));
    router.get("/v1/products/:" + ProductAccess.PATH_PARAM + "/history/events").handler(access::requireUser)
        .handler(products.require(ProductPermission.VIEW)).handler(ctx -> page(ctx, ProductAccess.scope(ctx).productId()));
    return Future.succeededFuture();
  }

  /** @param productId the product whose history this is, or null for the caller's own */
  private void page(RoutingContext ctx, Integer productId) {
    Principal principal = AccessCheck.principal(ctx);
    int limit = number(ctx, "limit", 100, 1, MAX_LIMIT);
    long before = number(ctx, "before", Long.MAX_VALUE, 1, Long.MAX_VALUE);
    EventFilter filter;
    try {
      filter = EventFilter.parse(ctx.request().getParam("filter"));
    } catch (FilterSyntaxException e) {
      throw new ApiException(400, "invalid_filter", e.getMessage());
    }
    String device = ctx.request().getParam("device");
    String deviceId = device == null ? null : DeviceIds.normalize(device);
    if (productId == null && device != null && (deviceId == null || !principal.mayActFor(directory.ownerOf(deviceId)))) {
      throw new ApiException(404, "not_found", "No such device of yours");
    }
    if (productId != null && device != null && deviceId == null) {
      // the product's rows are all it can read: a device of another product only finds none
      throw new ApiException(404, "not_found", "No such device in this product");
    }
    Page page = productId == null ? Page.of(principal.userId() == null ? null : "owner_id", principal.userId(), deviceId, null)
        : Page.of("product_id", productId, deviceId, productId);
    JsonArray events = new JsonArray();
    scan(page, before, limit, filter, events, 0).onSuccess(next -> ctx.json(new JsonObject()
            .put("events", events)
            .put("next_before", next < 0 ? null : next)))
        .onFailure(ctx::fail);
  }

  /** Reads chunks until the page is full, the rows end, or MAX_SCANNED are read; answers next_before or -1. */
  private Future<Long> scan(Page page, long before, int limit, EventFilter filter, JsonArray events, int scanned) {
    int chunk = filter.isEmpty() ? limit - events.size() : CHUNK;
    return pool.preparedQuery(page.sql).execute(page.values(before, chunk)).compose(rows -> {
      long last = before;
      for (Row row : rows) {
        last = row.getLong(0);
        long publishedAt = row.getOffsetDateTime(4).toInstant().toEpochMilli();
        if (filter.matches(row.getString(2), row.getString(3), row.getString(1), directory.nameOf(row.getString(1)), publishedAt)) {
          JsonObject event = new JsonObject()
              .put("id", last)
              .put("name", row.getString(2))
              .put("data", row.getString(3))
              .put("ttl", row.getInteger(5))
              .put("published_at", PUBLISHED_AT.format(row.getOffsetDateTime(4).withOffsetSameInstant(ZoneOffset.UTC)))
              .put("coreid", row.getString(1));
          if (page.productId != null) {
            // the product stream's fields (SseFormat.productFrame), so the Logs page shows both alike
            Long owner = row.getLong(6);
            DeviceDirectory.ProductPlace place = directory.placeOf(row.getString(1));
            event.put("userid", owner == null ? null : owner.toString())
                .put("version", place != null && place.productId() == page.productId ? place.firmwareVersion() : null)
                .put("public", row.getBoolean(7))
                .put("productID", page.productId);
          }
          events.add(event);
          if (events.size() == limit) {
            return Future.succeededFuture(last);
          }
        }
      }
      if (rows.size() < chunk) {
        return Future.succeededFuture(-1L);
      }
      int read = scanned + rows.size();
      return read >= MAX_SCANNED ? Future.succeededFuture(last) : scan(page, last, limit, filter, events, read);
    });
  }

  /**
   * What a history reads: its statement, the values it binds ahead of the page's before and limit,
   * and the product, null for an account's history.
   *
   * <p>Each scope and device filter has a statement of its own, with only the conditions that apply:
   * the pool prepares statements once per connection, and PostgreSQL may then plan them generically,
   * without the values. A condition written {@code ($2 IS NULL OR device_id = $2)} leaves such a plan
   * no index on the device; it walked the primary key backwards and filtered every newer event of the
   * store. {@code device_id = $2} is read from events_by_device (device_id, id), a device's rows in id
   * order; {@code owner_id = $1} from events_by_owner (owner_id, id), {@code product_id = $1} from
   * events_by_product (product_id, id). The statements are six fixed texts, so the statement cache
   * keeps them.
   */
  private record Page(String sql, Tuple bound, Integer productId) {

    /**
     * @param scopeColumn owner_id or product_id, or null for an administrator's account history (every event)
     * @param deviceId the one device to read, or null for all
     */
    static Page of(String scopeColumn, Object scope, String deviceId, Integer productId) {
      StringBuilder sql = new StringBuilder(COLUMNS).append("WHERE ");
      Tuple bound = Tuple.tuple();
      if (scopeColumn != null) {
        bound.addValue(scope);
        sql.append(scopeColumn).append(" = $").append(bound.size()).append(" AND ");
      }
      if (deviceId != null) {
        bound.addValue(deviceId);
        sql.append("device_id = $").append(bound.size()).append(" AND ");
      }
      sql.append("id < $").append(bound.size() + 1).append(NEWEST_FIRST).append('$').append(bound.size() + 2);
      return new Page(sql.toString(), bound, productId);
    }

    /** The values to bind for a chunk of at most {@code chunk} rows older than {@code before}. */
    Tuple values(long before, int chunk) {
      Tuple values = Tuple.tuple();
      for (int i = 0; i < bound.size(); i++) {
        values.addValue(bound.getValue(i));
      }
      return values.addLong(before).addInteger(chunk);
    }
  }

  private static long number(RoutingContext ctx, String name, long fallback, long min, long max) {
    String text = ctx.request().getParam(name);
    if (text == null || text.isEmpty()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", name + " must be a whole number from " + min + " to " + max);
  }

  private static int number(RoutingContext ctx, String name, int fallback, int min, int max) {
    return (int) number(ctx, name, (long) fallback, min, (long) max);
  }
}
