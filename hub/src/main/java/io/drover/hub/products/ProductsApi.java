package io.drover.hub.products;

import io.drover.hub.HubAddresses;
import io.drover.hub.auth.Principal;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.drover.hub.products.ProductRepository.NewProduct;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Products: {@code POST/GET /v1/products} (also {@code /v1/user/products}, Particle's path),
 * {@code GET/PUT/DELETE /v1/products/:productIdOrSlug}, and the Configuration page's answers,
 * {@code GET/PUT /v1/products/:productIdOrSlug/settings} (Drover's own route).
 */
public final class ProductsApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(ProductsApi.class);
  private static final String PRODUCT = "/v1/products/:" + ProductAccess.PATH_PARAM;
  private static final Set<String> CREATE_FIELDS = Set.of("name", "description", "platform_id", "platform", "slug", "access_token");
  private static final int MAX_DESCRIPTION = 2000;

  private final EventBus bus;
  private final AccessCheck access;
  private final ProductAccess products;
  private final ProductRepository repository;

  public ProductsApi(EventBus bus, AccessCheck access, ProductAccess products, ProductRepository repository) {
    this.bus = bus;
    this.access = access;
    this.products = products;
    this.repository = repository;
  }

  @Override
  public Future<Void> mount(Router router) {
    for (String list : new String[] {"/v1/products", "/v1/user/products"}) {
      router.post(list).handler(access::requireUser).handler(RequestBodies.handler()).handler(this::create);
      router.get(list).handler(access::requireUser).handler(this::list);
    }
    router.get(PRODUCT).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::get);
    router.put(PRODUCT).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_SETTINGS)).handler(RequestBodies.handler()).handler(this::edit);
    // the owner or a node administrator, checked in the handler: no role grants it
    router.delete(PRODUCT).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::delete);
    router.get(PRODUCT + "/settings").handler(access::requireUser).handler(products.require(ProductPermission.VIEW))
        .handler(this::settings);
    router.put(PRODUCT + "/settings").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_SETTINGS)).handler(RequestBodies.handler()).handler(this::changeSettings);
    return Future.succeededFuture();
  }

  private void create(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.userId() == null || caller.kind() != Principal.Kind.PERSON) {
      throw new ApiException(403, "forbidden", "Only a person's account can create a product");
    }
    JsonObject body = RequestBodies.fields(ctx);
    // Particle's clients nest the fields as product[...] / {"product": {...}}
    if (body.getValue("product") instanceof JsonObject nested) {
      body = nested;
    }
    NewProduct product = validNewProduct(body);
    repository.create(product, caller.userId())
        .compose(repository::find)
        .onSuccess(created -> {
          LOG.info("product created [id: {}, slug: {}, owner: {}]", created.getInteger("id"), created.getString("slug"), caller.username());
          ctx.response().setStatusCode(201);
          ctx.json(new JsonObject().put("ok", true).put("product", created.put("role", ProductRole.ADMINISTRATOR.wireName())));
        })
        .onFailure(failure -> ctx.fail(failure instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? new ApiException(400, "slug_taken", "slug " + product.slug() + " is taken by another product")
            : failure));
  }

  private static NewProduct validNewProduct(JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!CREATE_FIELDS.contains(field)) {
        throw new ApiException(400, "invalid_request", "Unknown field " + field + "; a product takes name, platform_id, description and slug");
      }
    }
    String name = text(body, "name");
    if (name == null || name.isBlank() || name.trim().length() > 100) {
      throw new ApiException(400, "invalid_request", "name is required (1 to 100 characters)");
    }
    Object platformGiven = body.getValue("platform_id") != null ? body.getValue("platform_id") : body.getValue("platform");
    if (platformGiven == null) {
      throw new ApiException(400, "invalid_request", "platform_id is required: the device type of the product, as an ID (13) or a name (boron)");
    }
    Integer platformId = ProductPlatforms.parse(platformGiven);
    if (platformId == null) {
      throw new ApiException(400, "invalid_request", "platform_id " + platformGiven + " is not a known device type; known: "
          + ProductPlatforms.all().entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")").collect(java.util.stream.Collectors.joining(", ")));
    }
    String description = text(body, "description");
    if (description != null && description.length() > MAX_DESCRIPTION) {
      throw new ApiException(400, "invalid_request", "description is at most " + MAX_DESCRIPTION + " characters");
    }
    String slug = text(body, "slug");
    if (slug != null) {
      slug = slug.trim().toLowerCase(Locale.ROOT);
      if (!Slugs.isValid(slug)) {
        throw new ApiException(400, "invalid_request",
            "slug must be 1 to 63 lower-case letters, digits and dashes, start with a letter or digit, and not be all digits");
      }
    }
    return new NewProduct(name.trim(), description == null ? "" : description.trim(), platformId, slug);
  }

  private void list(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    Future<JsonArray> listed;
    if (caller.userId() == null || caller.kind() == Principal.Kind.CUSTOMER) {
      listed = Future.succeededFuture(new JsonArray());
    } else if (caller.kind() == Principal.Kind.API_USER) {
      // an API user belongs to one product, and sees it if any of its scopes lets it read
      listed = ApiUserScopes.permissions(caller.scope()).contains(ProductPermission.VIEW) && caller.productId() != null
          ? repository.find(caller.productId()).map(product -> product == null ? new JsonArray() : new JsonArray().add(product))
          : Future.succeededFuture(new JsonArray());
    } else {
      listed = repository.listForMember(caller.userId());
    }
    listed.onSuccess(found -> ctx.json(new JsonObject().put("ok", true).put("products", found))).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    ProductScope scope = ProductAccess.scope(ctx);
    found(scope)
        .onSuccess(product -> ctx.json(new JsonObject().put("ok", true).put("product", withCaller(product, scope))))
        .onFailure(ctx::fail);
  }

  /** The product the access check found; deleted since, it is 404 like any unknown product. */
  private Future<JsonObject> found(ProductScope scope) {
    return repository.find(scope.productId()).compose(product -> product == null
        ? Future.failedFuture(new ApiException(404, "not_found", "Product " + scope.productId() + " not found"))
        : Future.succeededFuture(product));
  }

  private void edit(RoutingContext ctx) {
    ProductScope scope = ProductAccess.scope(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    if (body.getValue("product") instanceof JsonObject nested) {
      body = nested;
    }
    String name = null;
    String description = null;
    for (String field : body.fieldNames()) {
      switch (field) {
        case "name" -> {
          name = text(body, "name");
          if (name == null || name.isBlank() || name.trim().length() > 100) {
            throw new ApiException(400, "invalid_request", "name must be 1 to 100 characters");
          }
          name = name.trim();
        }
        case "description" -> {
          description = text(body, "description");
          if (description == null || description.length() > MAX_DESCRIPTION) {
            throw new ApiException(400, "invalid_request", "description must be text of at most " + MAX_DESCRIPTION + " characters");
          }
          description = description.trim();
        }
        case "access_token" -> {
          // Particle's clients may send the token as a field
        }
        case "platform_id", "platform", "type" -> throw new ApiException(400, "invalid_request",
            field + " cannot be changed: a product holds one device type for its life");
        case "slug", "id" -> throw new ApiException(400, "invalid_request", field + " cannot be changed");
        default -> throw new ApiException(400, "invalid_request", "Unknown field " + field + "; name and description can be changed");
      }
    }
    if (name == null && description == null) {
      throw new ApiException(400, "invalid_request", "Nothing to change: give name or description");
    }
    repository.update(scope.productId(), name, description)
        .compose(updated -> found(scope))
        .onSuccess(product -> ctx.json(new JsonObject().put("ok", true).put("product", withCaller(product, scope))))
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    ProductScope scope = ProductAccess.scope(ctx);
    Principal caller = AccessCheck.principal(ctx);
    boolean owner = caller.kind() == Principal.Kind.PERSON && caller.userId() != null && caller.userId() == scope.ownerId();
    if (!owner && !(caller.admin() && caller.kind() == Principal.Kind.PERSON)) {
      throw new ApiException(403, "forbidden", "Only the product's owner or a node administrator can delete product " + scope.productId());
    }
    repository.delete(scope.productId())
        .onSuccess(freed -> {
          LOG.info("product deleted [id: {}, by: {}, devices-freed-from-sims: {}]", scope.productId(), caller.username(), freed.size());
          // its SIMs went with it: a device a paused or deactivated one held back is no longer refused, on every node
          freed.forEach(deviceId -> io.drover.hub.sims.SimBlocks.publish(bus, deviceId, false));
          FleetChanges.productChanged(bus, scope.productId());
          // its integrations went with it (ON DELETE CASCADE): every hub node's delivery index drops them
          bus.publish(HubAddresses.INTEGRATIONS_CHANGED, new JsonObject().put("product_id", scope.productId()));
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  private void settings(RoutingContext ctx) {
    ProductScope scope = ProductAccess.scope(ctx);
    repository.storedSettings(scope.productId())
        .onSuccess(stored -> ctx.json(settingsJson(stored)))
        .onFailure(ctx::fail);
  }

  private void changeSettings(RoutingContext ctx) {
    ProductScope scope = ProductAccess.scope(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    body.remove("access_token");
    JsonObject given = body.getValue("settings") instanceof JsonObject nested ? nested : body;
    if (!isJson(ctx)) {
      // a form carries every value as text
      for (String key : given.fieldNames()) {
        if ("true".equals(given.getValue(key)) || "false".equals(given.getValue(key))) {
          given.put(key, Boolean.valueOf(given.getString(key)));
        }
      }
    }
    JsonObject change = ProductSettings.validChange(given);
    repository.changeSettings(scope.productId(), change)
        .onSuccess(stored -> {
          JsonObject answer = settingsJson(stored);
          bus.publish(ProductSettings.CHANGED_ADDRESS, new JsonObject().put("product_id", scope.productId())
              .put("settings", answer.getJsonObject("settings")));
          ctx.json(answer);
        })
        .onFailure(ctx::fail);
  }

  /** {@code settings} with defaults filled in; {@code answered}, the questions that have a saved answer. */
  private static JsonObject settingsJson(JsonObject stored) {
    return new JsonObject().put("ok", true)
        .put("settings", ProductSettings.withDefaults(stored))
        .put("answered", new JsonArray(stored.fieldNames().stream().sorted().toList()));
  }

  /** The product with what the caller may do in it, for pages that hide what the role may not do. */
  private static JsonObject withCaller(JsonObject product, ProductScope scope) {
    JsonArray permissions = new JsonArray();
    for (ProductPermission permission : ProductPermission.values()) {
      if (scope.may(permission)) {
        permissions.add(permission.name().toLowerCase(Locale.ROOT));
      }
    }
    return product.put("role", scope.role().wireName()).put("permissions", permissions);
  }

  private static boolean isJson(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    return contentType != null && contentType.startsWith("application/json");
  }

  private static String text(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw new ApiException(400, "invalid_request", field + " must be text");
    }
    return s;
  }
}
