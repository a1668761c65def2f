package io.drover.hub.products;

import io.drover.hub.auth.Principal;
import io.drover.hub.billing.AccountLocks;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Set;

/**
 * Whether the caller may do something to a product. Every product route runs
 * {@code access::requireUser} and then {@code products.require(PERMISSION)}; the handler resolves the
 * path parameter {@value #PATH_PARAM} (numeric ID or slug), finds the caller's role and leaves a
 * {@link ProductScope} on the context for the route.
 *
 * <p>Answers: an unknown product, and a product the caller is not a member of, are both 404, so that
 * product IDs cannot be probed; a member whose role lacks the permission gets 403 naming the role.
 * Node administrators act as a product administrator on every product (they run the node). A
 * product's API user acts in its own product only (any other is 404), with the permissions its token's
 * scopes grant ({@link ApiUserScopes}); its scope's role reads as view-only, {@link ProductScope#may} is
 * what to ask.
 *
 * <p>One indexed query per request: these are management routes, not the device hot path.
 */
public final class ProductAccess {

  public static final String PATH_PARAM = "productIdOrSlug";
  private static final String SCOPE = "drover.product";

  private static final String RESOLVE = """
      SELECT p.id, p.slug, p.name, p.platform_id, p.type, p.owner_id, m.role
      FROM products p LEFT JOIN product_members m ON m.product_id = p.id AND m.user_id = $2
      WHERE (p.id = $1 OR p.slug = $3)""";

  private final Pool pool;
  private final AccountLocks locks;

  /** @param locks a product whose owner's account is locked after failed payments takes no changes from anyone but the node's administrator */
  public ProductAccess(Pool pool, AccountLocks locks) {
    this.pool = pool;
    this.locks = locks;
  }

  /** A handler that passes callers whose role in the product grants {@code permission}. */
  public Handler<RoutingContext> require(ProductPermission permission) {
    return ctx -> {
      Principal caller = AccessCheck.principal(ctx);
      String given = ctx.pathParam(PATH_PARAM);
      if (caller == null || given == null) {
        ctx.fail(new IllegalStateException("product route without requireUser or :" + PATH_PARAM));
        return;
      }
      Integer numeric = parseId(given);
      pool.preparedQuery(RESOLVE)
          .execute(Tuple.of(numeric, caller.userId(), numeric == null ? given.toLowerCase(java.util.Locale.ROOT) : null))
          .onFailure(ctx::fail)
          .onSuccess(rows -> {
            Row row = rows.size() == 0 ? null : rows.iterator().next();
            boolean apiUser = caller.kind() == Principal.Kind.API_USER;
            ProductRole role = row == null ? null
                : apiUser ? (row.getInteger("id").equals(caller.productId()) ? ProductRole.VIEW_ONLY : null)
                : caller.admin() ? ProductRole.ADMINISTRATOR
                : ProductRole.parse(row.getString("role"));
            Set<ProductPermission> granted = role == null ? Set.of()
                : apiUser ? ApiUserScopes.permissions(caller.scope()) : role.permissions();
            if (role == null) {
              ctx.fail(new ApiException(404, "not_found", "Product " + given + " not found"));
            } else if (!granted.contains(permission)) {
              ctx.fail(new ApiException(403, "forbidden", apiUser
                  ? "This API user's scopes do not allow this in product " + row.getInteger("id")
                  : "The " + role.wireName() + " role may not do this in product " + row.getInteger("id")));
            } else if (!caller.admin() && AccessCheck.lockedRefusal(locks, ctx, row.getLong("owner_id"), "") != null) {
              ctx.fail(AccessCheck.lockedRefusal(locks, ctx, row.getLong("owner_id"), "account locked (the product owner's)"));
            } else {
              ctx.put(SCOPE, new ProductScope(row.getInteger("id"), row.getString("slug"), row.getString("name"),
                  row.getInteger("platform_id"), "tracker".equals(row.getString("type")), row.getLong("owner_id"), role, granted));
              ctx.next();
            }
          });
    };
  }

  /** The product and role a {@link #require} handler before this one established. */
  public static ProductScope scope(RoutingContext ctx) {
    return ctx.get(SCOPE);
  }

  private static Integer parseId(String given) {
    if (given.isEmpty() || given.length() > 9) {
      return null;
    }
    for (int i = 0; i < given.length(); i++) {
      if (given.charAt(i) < '0' || given.charAt(i) > '9') {
        return null;
      }
    }
    return Integer.parseInt(given);
  }

  /**
   * The product a route acts on and the caller's role in it.
   *
   * @param granted what the caller may do here: the role's permissions, or an API user's scopes' ones
   */
  public record ProductScope(int productId, String slug, String name, int platformId, boolean tracker, long ownerId,
      ProductRole role, Set<ProductPermission> granted) {

    public ProductScope(int productId, String slug, String name, int platformId, boolean tracker, long ownerId, ProductRole role) {
      this(productId, slug, name, platformId, tracker, ownerId, role, role.permissions());
    }

    /** Whether the caller may also do {@code permission} here (a route asks for one; a handler may ask for more). */
    public boolean may(ProductPermission permission) {
      return granted.contains(permission);
    }
  }
}
