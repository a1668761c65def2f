package io.drover.hub.quotas;

import io.drover.hub.HubAddresses;
import io.drover.hub.auth.Principal;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quotas and who lost events (Drover only):
 * <ul>
 *   <li>{@code GET/PUT/DELETE /v1/admin/quotas/accounts/:username} and
 *       {@code .../products/:productIdOrSlug}: an administrator reads, sets or removes one tenant's
 *       override of the node's default quota, and reads its recent counts;</li>
 *   <li>{@code GET /v1/admin/event_usage?day=&limit=}: the tenants of a UTC day, those that lost the
 *       most events first;</li>
 *   <li>{@code GET /v1/user/event_usage?days=} and {@code GET /v1/products/:productIdOrSlug/event_usage}:
 *       an account's or a product's own quota and counts.</li>
 * </ul>
 * A change is stored, applied by this node's events verticle before the answer, and published to every
 * hub node ({@link HubAddresses#QUOTAS_CHANGED}).
 */
public final class QuotasApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(QuotasApi.class);
  private static final String ACCOUNT = "/v1/admin/quotas/accounts/:username";
  private static final String PRODUCT = "/v1/admin/quotas/products/:" + ProductAccess.PATH_PARAM;
  private static final DeliveryOptions THIS_NODE = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);
  private static final int MAX_DAYS = 90;

  private final EventBus bus;
  private final AccessCheck access;
  private final ProductAccess products;
  private final QuotaRepository repository;
  private final QuotaSettings defaults;

  public QuotasApi(EventBus bus, AccessCheck access, ProductAccess products, QuotaRepository repository, QuotaSettings defaults) {
    this.bus = bus;
    this.access = access;
    this.products = products;
    this.repository = repository;
    this.defaults = defaults;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(ACCOUNT).handler(access::requireAdmin).handler(ctx -> read(ctx, QuotaRepository.Scope.ACCOUNT));
    router.put(ACCOUNT).handler(RequestBodies.handler()).handler(access::requireAdmin).handler(ctx -> put(ctx, QuotaRepository.Scope.ACCOUNT));
    router.delete(ACCOUNT).handler(access::requireAdmin).handler(ctx -> remove(ctx, QuotaRepository.Scope.ACCOUNT));
    router.get(PRODUCT).handler(access::requireAdmin).handler(ctx -> read(ctx, QuotaRepository.Scope.PRODUCT));
    router.put(PRODUCT).handler(RequestBodies.handler()).handler(access::requireAdmin).handler(ctx -> put(ctx, QuotaRepository.Scope.PRODUCT));
    router.delete(PRODUCT).handler(access::requireAdmin).handler(ctx -> remove(ctx, QuotaRepository.Scope.PRODUCT));
    router.get("/v1/admin/event_usage").handler(access::requireAdmin).handler(this::tenantsOfDay);
    router.get("/v1/user/event_usage").handler(access::requireUser).handler(this::ownUsage);
    router.get("/v1/products/:" + ProductAccess.PATH_PARAM + "/event_usage").handler(access::requireUser)
        .handler(products.require(ProductPermission.VIEW)).handler(this::productUsage);
    return Future.succeededFuture();
  }

  private void read(RoutingContext ctx, QuotaRepository.Scope scope) {
    int days = days(ctx);
    tenant(ctx, scope)
        .compose(tenant -> repository.override(scope, tenant.id()).compose(override -> repository.days(scope, tenant.id(), days)
            .map(usage -> answer(scope, tenant, override, usage))))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  private void put(RoutingContext ctx, QuotaRepository.Scope scope) {
    QuotaOverride override = override(RequestBodies.fields(ctx));
    int days = days(ctx);
    tenant(ctx, scope)
        .compose(tenant -> repository.put(scope, tenant.id(), override)
            .compose(stored -> changed(scope, tenant.id()))
            .compose(applied -> repository.days(scope, tenant.id(), days))
            .map(usage -> {
              LOG.info("event quota set [{}: {}, quota: {}, by: {}]", scope.column(), tenant.name(), override, AccessCheck.principal(ctx).username());
              return answer(scope, tenant, override, usage);
            }))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  private void remove(RoutingContext ctx, QuotaRepository.Scope scope) {
    int days = days(ctx);
    tenant(ctx, scope)
        .compose(tenant -> repository.remove(scope, tenant.id())
            .compose(removed -> changed(scope, tenant.id()))
            .compose(applied -> repository.days(scope, tenant.id(), days))
            .map(usage -> {
              LOG.info("event quota override removed [{}: {}, by: {}]", scope.column(), tenant.name(), AccessCheck.principal(ctx).username());
              return answer(scope, tenant, null, usage);
            }))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  private void tenantsOfDay(RoutingContext ctx) {
    LocalDate day;
    String given = ctx.request().getParam("day");
    try {
      day = given == null ? LocalDate.now(ZoneOffset.UTC) : LocalDate.parse(given);
    } catch (DateTimeParseException e) {
      throw new ApiException(400, "invalid_request", "day must be a date as YYYY-MM-DD (UTC)");
    }
    int limit = whole(ctx.request().getParam("limit"), "limit", 1, 1000, 100);
    repository.tenantsOf(day, limit)
        .onSuccess(tenants -> ctx.json(new JsonObject().put("ok", true).put("day", day.toString()).put("tenants", tenants)))
        .onFailure(ctx::fail);
  }

  /** An account's own: its quota and counts. The bootstrap admin token belongs to no account, so has none. */
  private void ownUsage(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.userId() == null) {
      ctx.json(new JsonObject().put("ok", true).put("quota", null).put("usage", new JsonArray()));
      return;
    }
    int days = days(ctx);
    repository.override(QuotaRepository.Scope.ACCOUNT, caller.userId())
        .compose(override -> repository.days(QuotaRepository.Scope.ACCOUNT, caller.userId(), days)
            .map(usage -> new JsonObject().put("ok", true)
                .put("quota", effective(QuotaRepository.Scope.ACCOUNT, override).toJson())
                .put("usage", usage)))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  private void productUsage(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    int days = days(ctx);
    repository.override(QuotaRepository.Scope.PRODUCT, productId)
        .compose(override -> repository.days(QuotaRepository.Scope.PRODUCT, productId, days)
            .map(usage -> new JsonObject().put("ok", true)
                .put("quota", effective(QuotaRepository.Scope.PRODUCT, override).toJson())
                .put("usage", usage)))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  /**
   * This node's events verticle applies the change before the answer (a request, node-local); then
   * every hub node is told, this one again (it reloads the same row).
   */
  private Future<Void> changed(QuotaRepository.Scope scope, long id) {
    JsonObject change = new JsonObject().put("scope", scope.column()).put("id", id);
    return bus.request(HubAddresses.QUOTAS_CHANGED, change, THIS_NODE)
        .onFailure(cause -> LOG.warn("quota change not applied on this node before the answer [{}: {}, cause: {}]",
            scope.column(), id, cause.getMessage()))
        .otherwiseEmpty()
        .map(applied -> {
          bus.publish(HubAddresses.QUOTAS_CHANGED, change);
          return null;
        });
  }

  private Future<Tenant> tenant(RoutingContext ctx, QuotaRepository.Scope scope) {
    if (scope == QuotaRepository.Scope.ACCOUNT) {
      String username = ctx.pathParam("username");
      return repository.accountId(username).map(id -> {
        if (id == null) {
          throw new ApiException(404, "not_found", "No account " + username);
        }
        return new Tenant(id, username.toLowerCase(java.util.Locale.ROOT));
      });
    }
    String product = ctx.pathParam(ProductAccess.PATH_PARAM);
    return repository.productId(product).map(id -> {
      if (id == null) {
        throw new ApiException(404, "not_found", "Product " + product + " not found");
      }
      return new Tenant(id, product);
    });
  }

  private JsonObject answer(QuotaRepository.Scope scope, Tenant tenant, QuotaOverride override, JsonArray usage) {
    JsonObject who = scope == QuotaRepository.Scope.ACCOUNT
        ? new JsonObject().put("account", new JsonObject().put("id", tenant.id()).put("username", tenant.name()))
        : new JsonObject().put("product", new JsonObject().put("id", tenant.id()));
    return new JsonObject().put("ok", true).mergeIn(who)
        .put("quota", effective(scope, override).toJson())
        .put("override", override == null ? null : override.toJson())
        .put("default", (scope == QuotaRepository.Scope.ACCOUNT ? defaults.account() : defaults.product()).toJson())
        .put("usage", usage);
  }

  private Quota effective(QuotaRepository.Scope scope, QuotaOverride override) {
    Quota base = scope == QuotaRepository.Scope.ACCOUNT ? defaults.account() : defaults.product();
    return override == null ? base : override.over(base);
  }

  /** The body of a PUT: each field a whole number (0: unlimited), or null or absent for the node's default. */
  private static QuotaOverride override(JsonObject body) {
    body.remove("access_token");
    for (String field : body.fieldNames()) {
      if (!field.equals("events_per_second") && !field.equals("events_burst") && !field.equals("events_per_day")) {
        throw new ApiException(400, "invalid_request", "Unknown field " + field + ": a quota has events_per_second, events_burst and events_per_day");
      }
    }
    return new QuotaOverride(
        field(body, "events_per_second", 10_000_000L),
        field(body, "events_burst", 100_000_000L),
        field(body, "events_per_day", 1_000_000_000_000L));
  }

  private static Long field(JsonObject body, String name, long max) {
    Object value = body.getValue(name);
    if (value == null) {
      return null;
    }
    long number;
    if (value instanceof Integer || value instanceof Long) {
      number = ((Number) value).longValue();
    } else if (value instanceof String text && text.matches("\\d{1,13}")) {
      number = Long.parseLong(text);
    } else {
      number = -1;
    }
    if (number < 0 || number > max) {
      throw new ApiException(400, "invalid_request", name + " must be a whole number from 0 (unlimited) to " + max + ", or null for the default");
    }
    return number;
  }

  private static int days(RoutingContext ctx) {
    return whole(ctx.request().getParam("days"), "days", 1, MAX_DAYS, 7);
  }

  private static int whole(String given, String name, int min, int max, int absent) {
    if (given == null) {
      return absent;
    }
    try {
      int value = Integer.parseInt(given);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", name + " must be a whole number from " + min + " to " + max);
  }

  private record Tenant(long id, String name) {
  }
}
