package io.drover.hub.products.fleet;

import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.auth.Principal;
import io.drover.hub.devices.DeviceDirectory;
import io.drover.hub.devices.DeviceNotices;
import io.drover.hub.firmware.TargetingIndex;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.FleetChanges;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devices of a product (cloud-api.md, "Products"): the searchable list, import, one device's view
 * and changes (name, notes, development flag, groups), removal with denial, and the batch change of
 * groups. Who may: VIEW lists and reads, OPERATE_DEVICES renames and writes notes, MANAGE_DEVICES
 * changes the fleet's make-up (import, remove, development, groups).
 */
public final class ProductDevicesApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(ProductDevicesApi.class);
  private static final String BASE = "/v1/products/:" + ProductAccess.PATH_PARAM + "/devices";
  private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9_\\-]{1,63}$");
  private static final int MAX_NOTES = 2000;
  /** JSON of 10,000 IDs is about 270 KB; the multipart form adds little to the file's 512 KB. */
  private static final long MAX_IMPORT_BODY = DeviceIdList.MAX_FILE_BYTES + 64 * 1024;

  private static final String ONE_DEVICE = "SELECT " + ProductDeviceJson.COLUMNS + " FROM " + ProductDeviceJson.FROM
      + " WHERE d.id = $1 AND d.product_id = $2";
  private static final String PAGE_ROWS = "SELECT " + ProductDeviceJson.COLUMNS + " FROM " + ProductDeviceJson.FROM
      + " WHERE d.id = ANY($1) AND d.product_id = $2";
  private static final String PRODUCT_COUNT = "SELECT devices FROM product_device_counts WHERE product_id = $1";
  /** Removal keeps the device on the node with its owner; what belonged to the product goes. */
  private static final String REMOVE = """
      WITH removed AS (
        UPDATE devices SET product_id = NULL, development = false WHERE id = $1 AND product_id = $2 RETURNING id),
      ungrouped AS (
        DELETE FROM device_group_members m USING removed r WHERE m.product_id = $2 AND m.device_id = r.id),
      denied AS (
        INSERT INTO product_device_denials (product_id, device_id, denied_by) SELECT $2, r.id, $3 FROM removed r
        ON CONFLICT (product_id, device_id) DO UPDATE SET denied_at = now(), denied_by = excluded.denied_by)
      SELECT id FROM removed""";

  private final Pool pool;
  private final EventBus bus;
  private final AccessCheck access;
  private final ProductAccess products;
  private final FleetImport fleetImport;
  private final DeviceGroupChanges groupChanges;
  private final Path uploads;
  private final DeviceDirectory directory;

  public ProductDevicesApi(Vertx vertx, Pool pool, AccessCheck access, ProductAccess products, DeviceDirectory directory, Path uploads,
      TargetingIndex firmwareTargets) {
    this.firmwareTargets = firmwareTargets;
    this.pool = pool;
    this.bus = vertx.eventBus();
    this.access = access;
    this.products = products;
    this.fleetImport = new FleetImport(pool);
    this.groupChanges = new DeviceGroupChanges(pool);
    this.uploads = uploads;
    this.directory = directory;
  }

  private final TargetingIndex firmwareTargets;

  @Override
  public Future<Void> mount(Router router) {
    router.get(BASE).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::list);
    // the caller's checks before the body's first byte is read: nothing of an anonymous import is buffered or stored
    RequestBodies.withUploads(router.post(BASE).handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_DEVICES)),
        uploads, MAX_IMPORT_BODY).handler(this::importDevices);
    router.put(BASE).handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_DEVICES))
        .handler(RequestBodies.handler(MAX_IMPORT_BODY)).handler(this::batch);
    router.get(BASE + "/:deviceId").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::get);
    router.put(BASE + "/:deviceId").handler(access::requireUser)
        .handler(products.require(ProductPermission.OPERATE_DEVICES)).handler(RequestBodies.handler()).handler(this::update);
    router.delete(BASE + "/:deviceId").handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_DEVICES))
        .handler(this::remove);
    return Future.succeededFuture();
  }

  /** {@code GET .../devices}: one page, its customers, and the total (see ProductDeviceQuery). */
  private void list(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    ProductDeviceQuery query = ProductDeviceQuery.from(product.productId(), ctx.queryParams());
    Future<Long> total;
    Future<RowSet<Row>> page;
    if (query.filtered) {
      // the count first: it tells which of the two page queries suits this search (see ProductDeviceQuery)
      total = pool.preparedQuery(query.cappedCount().sql()).execute(query.cappedCount().values()).map(rows -> rows.iterator().next().getLong(0));
      page = total.compose(count -> {
        ProductDeviceQuery.Statement ids = count > ProductDeviceQuery.COUNT_CAP ? query.pageIds() : query.pageIdsAmongFewMatches();
        return pool.preparedQuery(ids.sql()).execute(ids.values());
      });
    } else {
      total = pool.preparedQuery(PRODUCT_COUNT).execute(Tuple.of(product.productId()))
          .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
      page = pool.preparedQuery(query.pageIds().sql()).execute(query.pageIds().values());
    }
    Future.all(total, page).compose(both -> {
      List<String> order = new ArrayList<>();
      String nextKey = null;
      String nextId = null;
      for (Row row : page.result()) {
        if (order.size() == query.perPage) {
          break;
        }
        order.add(row.getString("id"));
        nextKey = row.getString("sort_key");
        nextId = row.getString("id");
      }
      boolean more = page.result().size() > query.perPage;
      String nextCursor = more ? new ProductDeviceQuery.Cursor(query.sort, query.descending, nextKey, nextId).encode() : null;
      return pool.preparedQuery(PAGE_ROWS).execute(Tuple.of(order.toArray(new String[0]), product.productId()))
          .map(rows -> answer(order, rows, total.result(), query, nextCursor));
    }).recover(ProductDevicesApi::badCursor).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private JsonObject answer(List<String> order, RowSet<Row> rows, long total, ProductDeviceQuery query, String nextCursor) {
    Map<String, JsonObject> byId = new HashMap<>();
    Map<String, JsonObject> customers = new LinkedHashMap<>();
    for (Row row : rows) {
      JsonObject device = ProductDeviceJson.listView(row, firmwareTargets);
      byId.put(device.getString("id"), device);
      if (device.getString("customer") != null) {
        customers.putIfAbsent(device.getString("customer"), new JsonObject()
            .put("id", device.getString("user_id")).put("username", device.getString("customer")));
      }
    }
    JsonArray devices = new JsonArray();
    for (String id : order) {
      JsonObject device = byId.get(id);
      if (device != null) {
        devices.add(device);
      }
    }
    boolean capped = query.filtered && total > ProductDeviceQuery.COUNT_CAP;
    long shownTotal = capped ? ProductDeviceQuery.COUNT_CAP : total;
    return new JsonObject()
        .put("devices", devices)
        .put("customers", new JsonArray(new ArrayList<>(customers.values())))
        .put("meta", new JsonObject()
            .put("total_pages", (shownTotal + query.perPage - 1) / query.perPage)
            .put("total", shownTotal)
            .put("total_is_lower_bound", capped)
            .put("page", query.cursor == null ? query.page : null)
            .put("per_page", query.perPage)
            .put("next_cursor", nextCursor));
  }

  /** A tampered cursor's key reaches SQL as a value of the wrong type: that is the caller's error. */
  private static <T> Future<T> badCursor(Throwable cause) {
    if (cause instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("22")) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "cursor is not one this API gave out"));
    }
    return Future.failedFuture(cause);
  }

  /** {@code POST .../devices}: {@code {id}}, {@code {ids:[...]}} or a multipart {@code file} of IDs. */
  private void importDevices(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    readImport(ctx)
        .compose(ids -> fleetImport.run(product.productId(), ids, AccessCheck.principal(ctx).admin()))
        .onSuccess(outcome -> {
          FleetChanges.devicesChanged(bus, product.productId(), outcome.updated());
          DeviceNotices.addedToProduct(bus, product.productId(), outcome.updated());
          LOG.info("devices imported [product: {}, added: {}, existing: {}, nonmember: {}, invalid: {}, by: {}]", product.productId(),
              outcome.updated().size(), outcome.existing().size(), outcome.nonmember().size(), outcome.invalid().size(),
              AccessCheck.principal(ctx).username());
          ctx.json(outcome.toJson());
        })
        .onFailure(ctx::fail);
  }

  private Future<DeviceIdList> readImport(RoutingContext ctx) {
    List<FileUpload> files = ctx.fileUploads();
    if (!files.isEmpty()) {
      FileUpload file = files.stream().filter(f -> f.name().equals("file")).findFirst().orElse(null);
      if (file == null || files.size() > 1) {
        return Future.failedFuture(new ApiException(400, "invalid_request", "Upload one file, in the form field named file"));
      }
      if (file.size() > DeviceIdList.MAX_FILE_BYTES) {
        return Future.failedFuture(new ApiException(400, "invalid_request",
            "file must be at most " + DeviceIdList.MAX_FILE_BYTES / 1024 + " KB (" + DeviceIdList.MAX_IDS + " device IDs)"));
      }
      return ctx.vertx().fileSystem().readFile(file.uploadedFileName()).map(buffer -> {
        try {
          String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(buffer.getBytes())).toString();
          return DeviceIdList.fromText(text.startsWith("\uFEFF") ? text.substring(1) : text, "file");
        } catch (CharacterCodingException e) {
          throw new ApiException(400, "invalid_request", "file must be UTF-8 text, one device ID per line");
        }
      });
    }
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType != null && contentType.startsWith("multipart/")) {
      if (ctx.request().getFormAttribute("id") == null) {
        return Future.failedFuture(new ApiException(400, "invalid_request", "Upload one file, in the form field named file"));
      }
    }
    JsonObject body = RequestBodies.fields(ctx);
    Object ids = body.getValue("ids");
    Object id = body.getValue("id");
    if (ids instanceof JsonArray array) {
      return Future.succeededFuture(DeviceIdList.fromJson(array, "ids"));
    }
    if (ids != null) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "ids must be an array of device IDs"));
    }
    if (id instanceof String single) {
      return Future.succeededFuture(DeviceIdList.of(List.of(single.strip()), "id"));
    }
    return Future.failedFuture(new ApiException(400, "invalid_request", "Give id, ids (an array) or a file of device IDs"));
  }

  private void get(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    find(product, ctx.pathParam("deviceId")).onSuccess(row -> ctx.json(ProductDeviceJson.fullView(row, firmwareTargets))).onFailure(ctx::fail);
  }

  /**
   * {@code PUT .../devices/:id}: {@code name}, {@code notes} (OPERATE_DEVICES), {@code development}
   * and {@code groups} (MANAGE_DEVICES; the device's whole set of groups), each optional.
   */
  private void update(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    Object name = body.getValue("name");
    Object notes = body.getValue("notes");
    Object development = body.getValue("development");
    Object groups = body.getValue("groups");
    if (name != null && !(name instanceof String s && NAME.matcher(s).matches())) {
      throw new ApiException(400, "invalid_request", "name must be 1 to 63 letters, digits, '_' or '-'");
    }
    if (notes != null && !(notes instanceof String n && n.length() <= MAX_NOTES)) {
      throw new ApiException(400, "invalid_request", "notes must be text of at most " + MAX_NOTES + " characters");
    }
    Boolean developmentValue = development == null ? null : switch (String.valueOf(development)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw new ApiException(400, "invalid_request", "development must be true or false");
    };
    List<String> groupNames = groups == null ? null : GroupsApi.names(groups, "groups");
    if ((developmentValue != null || groupNames != null) && !product.role().may(ProductPermission.MANAGE_DEVICES)) {
      throw new ApiException(403, "forbidden", "The " + product.role().wireName() + " role may not change development or groups");
    }
    find(product, ctx.pathParam("deviceId")).compose(row -> {
      String id = row.getString("id");
      return pool.withTransaction(connection -> {
        Future<?> fields = name == null && notes == null && developmentValue == null ? Future.succeededFuture()
            : connection.preparedQuery("""
                UPDATE devices SET name = coalesce($3, name), notes = CASE WHEN $5 THEN $4 ELSE notes END,
                                   development = coalesce($6, development)
                WHERE id = $1 AND product_id = $2""")
                .execute(Tuple.of(id, product.productId(), name, notes, notes != null, developmentValue))
                .recover(cause -> Future.failedFuture(cause instanceof PgException pg && "23505".equals(pg.getSqlState())
                    ? new ApiException(400, "name_taken", "The device's owner has another device with this name already")
                    : cause));
        return fields.compose(ignored -> groupNames == null ? Future.succeededFuture()
                : groupChanges.replace(connection, product.productId(), id, groupNames))
            .compose(ignored -> connection.preparedQuery(ONE_DEVICE).execute(Tuple.of(id, product.productId())));
      }).map(rows -> {
        Row updated = rows.iterator().next();
        if (name != null && updated.getLong("owner_id") != null) {
          directory.renamed(id, (String) name); // event filters match an owned device by its name
        }
        if (name != null) {
          DeviceNotices.toProduct(bus, product.productId(), DeviceNotices.RENAMED, id, (String) name);
        }
        if (developmentValue != null || groupNames != null) {
          FleetChanges.devicesChanged(bus, product.productId(), List.of(id));
        }
        return ProductDeviceJson.fullView(updated, firmwareTargets).put("updated_at", ProductDeviceJson.time(java.time.OffsetDateTime.now()));
      });
    }).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  /** {@code DELETE .../devices/:id}: the device leaves the product and is denied (see ProductDenials). */
  private void remove(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    Principal caller = AccessCheck.principal(ctx);
    String id = DeviceIds.normalize(ctx.pathParam("deviceId"));
    if (id == null) {
      throw new ApiException(404, "not_found", "No device " + ctx.pathParam("deviceId") + " in this product");
    }
    pool.preparedQuery(REMOVE).execute(Tuple.of(id, product.productId(), caller.userId()))
        .onSuccess(rows -> {
          if (rows.size() == 0) {
            ctx.fail(new ApiException(404, "not_found", "No device " + id + " in this product"));
            return;
          }
          FleetChanges.devicesChanged(bus, product.productId(), List.of(id));
          DeviceNotices.toProduct(bus, product.productId(), DeviceNotices.REMOVED, id, null);
          LOG.info("device removed from product [product: {}, device-id: {}, by: {}]", product.productId(), id, caller.username());
          ctx.json(new JsonObject().put("ok", true));
        })
        .onFailure(ctx::fail);
  }

  /** {@code PUT .../devices {action:"groups", devices:[...], metadata:{add:[...], remove:[...]}}}. */
  private void batch(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    if (!"groups".equals(body.getValue("action"))) {
      throw new ApiException(400, "invalid_request", "action must be groups");
    }
    if (!(body.getValue("devices") instanceof JsonArray devices)) {
      throw new ApiException(400, "invalid_request", "devices must be an array of device IDs");
    }
    DeviceIdList ids = DeviceIdList.fromJson(devices, "devices");
    if (!(body.getValue("metadata") instanceof JsonObject metadata)) {
      throw new ApiException(400, "invalid_request", "metadata must be an object with add and remove, arrays of group names");
    }
    List<String> add = metadata.getValue("add") == null ? List.of() : GroupsApi.names(metadata.getValue("add"), "metadata.add");
    List<String> remove = metadata.getValue("remove") == null ? List.of() : GroupsApi.names(metadata.getValue("remove"), "metadata.remove");
    if (add.isEmpty() && remove.isEmpty()) {
      throw new ApiException(400, "invalid_request", "metadata names no group to add or remove");
    }
    groupChanges.batch(product.productId(), ids, add, remove)
        .onSuccess(changed -> {
          FleetChanges.devicesChanged(bus, product.productId(), changed.updated());
          ctx.json(new JsonObject()
              .put("ok", true)
              .put("updated", changed.updated().size())
              .put("updatedDeviceIds", new JsonArray(changed.updated()))
              .put("invalidDeviceIds", new JsonArray(changed.invalid())));
        })
        .onFailure(ctx::fail);
  }

  private Future<Row> find(ProductScope product, String given) {
    String id = DeviceIds.normalize(given);
    if (id == null) {
      return Future.failedFuture(new ApiException(404, "not_found", "No device " + given + " in this product"));
    }
    return pool.preparedQuery(ONE_DEVICE).execute(Tuple.of(id, product.productId())).compose(rows -> rows.size() == 1
        ? Future.succeededFuture(rows.iterator().next())
        : Future.failedFuture(new ApiException(404, "not_found", "No device " + id + " in this product")));
  }
}
