package io.drover.hub.products.fleet;

import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.FleetChanges;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A product's device groups (cloud-api.md, "Groups"): {@code {name, description, color, fw_version,
 * device_count}}. {@code fw_version} is the firmware released to the group, null until the firmware
 * feature releases some. Renaming a group carries its members (ON UPDATE CASCADE in V6); deleting it
 * ungroups them. VIEW reads; MANAGE_DEVICES changes.
 */
public final class GroupsApi implements ApiFeature {

  static final Pattern GROUP_NAME = Pattern.compile("^[a-z0-9_-]{1,64}$");
  private static final Pattern COLOR = Pattern.compile("^#[0-9a-fA-F]{6}$");
  private static final int MAX_DESCRIPTION = 500;
  private static final int MAX_NAMES = 100;
  private static final String BASE = "/v1/products/:" + ProductAccess.PATH_PARAM + "/groups";

  private static final String SELECT = """
      SELECT g.name, g.description, g.color,
             (SELECT count(*) FROM device_group_members m WHERE m.product_id = g.product_id AND m.group_name = g.name) AS device_count
      FROM device_groups g WHERE g.product_id = $1""";

  private final Pool pool;
  private final EventBus bus;
  private final AccessCheck access;
  private final ProductAccess products;

  public GroupsApi(Pool pool, EventBus bus, AccessCheck access, ProductAccess products) {
    this.pool = pool;
    this.bus = bus;
    this.access = access;
    this.products = products;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(BASE).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::list);
    router.post(BASE).handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_DEVICES))
        .handler(RequestBodies.handler()).handler(this::create);
    router.get(BASE + "/:group").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::get);
    router.put(BASE + "/:group").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_DEVICES)).handler(RequestBodies.handler()).handler(this::update);
    router.delete(BASE + "/:group").handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_DEVICES))
        .handler(this::delete);
    return Future.succeededFuture();
  }

  private void list(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    pool.preparedQuery(SELECT + " ORDER BY g.name").execute(Tuple.of(product.productId())).onSuccess(rows -> {
      JsonArray groups = new JsonArray();
      for (Row row : rows) {
        groups.add(json(row));
      }
      ctx.json(new JsonObject().put("groups", groups));
    }).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    one(product.productId(), ctx.pathParam("group")).onSuccess(group -> ctx.json(new JsonObject().put("group", group))).onFailure(ctx::fail);
  }

  /** {@code POST .../groups {name, description, color}} -> 201 {@code {group}}. */
  private void create(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    String name = groupName(body.getValue("name"), true);
    String description = description(body.getValue("description"));
    String color = color(body.getValue("color"));
    pool.preparedQuery("""
            INSERT INTO device_groups (product_id, name, description, color) VALUES ($1, $2, coalesce($3, ''), coalesce($4, '#6b7280'))""")
        .execute(Tuple.of(product.productId(), name, description, color))
        .recover(GroupsApi::nameTaken)
        .compose(ignored -> one(product.productId(), name))
        .onSuccess(group -> ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("group", group).encode()))
        .onFailure(ctx::fail);
  }

  /** {@code PUT .../groups/:name {name?, description?, color?}}: a new name renames it. */
  private void update(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    String current = ctx.pathParam("group");
    JsonObject body = RequestBodies.fields(ctx);
    String name = groupName(body.getValue("name"), false);
    String description = description(body.getValue("description"));
    String color = color(body.getValue("color"));
    pool.preparedQuery("""
            UPDATE device_groups SET name = coalesce($3, name), description = coalesce($4, description), color = coalesce($5, color)
            WHERE product_id = $1 AND name = $2 RETURNING name""")
        .execute(Tuple.of(product.productId(), current, name, description, color))
        .recover(GroupsApi::nameTaken)
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(notFound(current));
          }
          if (name != null && !name.equals(current)) {
            FleetChanges.productChanged(bus, product.productId());
          }
          return one(product.productId(), rows.iterator().next().getString(0));
        })
        .onSuccess(group -> ctx.json(new JsonObject().put("group", group)))
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    String name = ctx.pathParam("group");
    pool.preparedQuery("DELETE FROM device_groups WHERE product_id = $1 AND name = $2").execute(Tuple.of(product.productId(), name))
        .onSuccess(rows -> {
          if (rows.rowCount() == 0) {
            ctx.fail(notFound(name));
            return;
          }
          FleetChanges.productChanged(bus, product.productId());
          ctx.json(new JsonObject().put("ok", true));
        })
        .onFailure(ctx::fail);
  }

  private Future<JsonObject> one(int productId, String name) {
    return pool.preparedQuery(SELECT + " AND g.name = $2").execute(Tuple.of(productId, name)).compose(rows -> rows.size() == 1
        ? Future.succeededFuture(json(rows.iterator().next()))
        : Future.failedFuture(notFound(name)));
  }

  private static JsonObject json(Row row) {
    return new JsonObject()
        .put("name", row.getString("name"))
        .put("description", row.getString("description"))
        .put("color", row.getString("color"))
        .put("fw_version", null)
        .put("device_count", row.getLong("device_count"));
  }

  private static ApiException notFound(String name) {
    return new ApiException(404, "not_found", "No group " + name + " in this product");
  }

  private static <T> Future<T> nameTaken(Throwable cause) {
    return Future.failedFuture(cause instanceof PgException pg && "23505".equals(pg.getSqlState())
        ? new ApiException(400, "name_taken", "This product has a group of that name already")
        : cause);
  }

  private static String groupName(Object value, boolean required) {
    if (value == null && !required) {
      return null;
    }
    if (!(value instanceof String s) || !GROUP_NAME.matcher(s).matches()) {
      throw new ApiException(400, "invalid_request", "name must be 1 to 64 lower-case letters, digits, '-' or '_'");
    }
    return s;
  }

  private static String description(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s) || s.length() > MAX_DESCRIPTION) {
      throw new ApiException(400, "invalid_request", "description must be text of at most " + MAX_DESCRIPTION + " characters");
    }
    return s;
  }

  private static String color(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s) || !COLOR.matcher(s).matches()) {
      throw new ApiException(400, "invalid_request", "color must be a hex color like #1f77b4");
    }
    return s.toLowerCase(java.util.Locale.ROOT);
  }

  /** Group names as a JSON array or a comma-separated text, each checked, each once. */
  static List<String> names(Object value, String field) {
    List<Object> given = new ArrayList<>();
    if (value instanceof JsonArray array) {
      array.forEach(given::add);
    } else if (value instanceof String text) {
      for (String part : text.split(",")) {
        if (!part.isBlank()) {
          given.add(part.strip());
        }
      }
    } else {
      throw new ApiException(400, "invalid_request", field + " must be an array of group names");
    }
    if (given.size() > MAX_NAMES) {
      throw new ApiException(400, "invalid_request", field + " names more than " + MAX_NAMES + " groups");
    }
    Set<String> names = new LinkedHashSet<>();
    for (Object name : given) {
      if (!(name instanceof String s) || !GROUP_NAME.matcher(s).matches()) {
        throw new ApiException(400, "invalid_request", field + " holds " + name + ", which is no group name (1 to 64 of a-z, 0-9, '-', '_')");
      }
      names.add(s);
    }
    return List.copyOf(names);
  }
}
