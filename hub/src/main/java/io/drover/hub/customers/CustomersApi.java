package io.drover.hub.customers;

import io.drover.hub.auth.AttemptLimits;
import io.drover.hub.auth.OAuthApi;
import io.drover.hub.auth.Passwords;
import io.drover.hub.customers.CustomerSettings.Method;
import io.drover.hub.devices.DeviceDirectory;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A product's customers.
 * <ul>
 *   <li>{@code POST /v1/products/:pid/customers}: authenticated by the product's OAuth client (not by a
 *       token): {@code {email, password}} under simple auth, {@code {email, no_password: true}} under
 *       two-legged auth; answers the new customer's token.</li>
 *   <li>{@code GET /v1/products/:pid/customers?page&per_page&search}: the team's view, each customer
 *       with the devices it claimed, paged in email order.</li>
 *   <li>{@code PUT .../customers/:email {password}} and {@code DELETE .../customers/:email} (which
 *       unclaims the customer's devices first).</li>
 * </ul>
 */
public final class CustomersApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(CustomersApi.class);
  private static final String CUSTOMERS = "/v1/products/:" + ProductAccess.PATH_PARAM + "/customers";
  private static final int MAX_PER_PAGE = 100;
  private static final String PAGE = """
      SELECT u.id, u.username, u.created_at, u.password_hash <> 'none',
             ARRAY(SELECT d.id FROM devices d WHERE d.owner_id = u.id ORDER BY d.id)
      FROM users u
      WHERE u.kind = 'customer' AND u.product_id = $1 AND ($2::text IS NULL OR starts_with(u.username, $2))
      ORDER BY u.username LIMIT $3 OFFSET $4""";
  private static final String COUNT = """
      SELECT count(*) FROM users u WHERE u.kind = 'customer' AND u.product_id = $1 AND ($2::text IS NULL OR starts_with(u.username, $2))""";

  private final Pool pool;
  private final AccessCheck access;
  private final ProductAccess products;
  private final CustomerAccounts customers;
  private final DeviceDirectory directory;

  public CustomersApi(Pool pool, AccessCheck access, ProductAccess products, CustomerAccounts customers, DeviceDirectory directory) {
    this.pool = pool;
    this.access = access;
    this.products = products;
    this.customers = customers;
    this.directory = directory;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post(CUSTOMERS).handler(RequestBodies.handler()).handler(this::create);
    router.get(CUSTOMERS).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::list);
    router.put(CUSTOMERS + "/:email").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_CUSTOMERS)).handler(RequestBodies.handler()).handler(this::update);
    router.delete(CUSTOMERS + "/:email").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_CUSTOMERS)).handler(this::delete);
    return Future.succeededFuture();
  }

  private void create(RoutingContext ctx) {
    JsonObject body = RequestBodies.fields(ctx);
    String[] credentials = OAuthApi.clientCredentials(ctx, body);
    boolean noPassword = "true".equals(String.valueOf(body.getValue("no_password")));
    String password = body.getValue("password") instanceof String s ? s : null;
    String given = ctx.pathParam(ProductAccess.PATH_PARAM);
    ProductClient.authenticate(pool, credentials[0], credentials[1])
        .compose(client -> productId(given).compose(productId -> {
          if (productId == null || productId != client.productId()) {
            return Future.failedFuture(new ApiException(403, "forbidden",
                "Client " + client.id() + " is not a client of product " + given));
          }
          return CustomerSettings.load(pool, productId);
        }).compose(settings -> {
          String email = CustomerAccounts.email(body.getValue("email"), "email");
          if (noPassword) {
            if (password != null) {
              throw new ApiException(400, "invalid_request", "password and no_password=true exclude each other");
            }
            ApiException refused = settings.refusalUnless(Method.TWO_LEGGED, 403, "forbidden", "a customer without a password (no_password)");
            if (refused != null) {
              throw refused;
            }
          } else {
            ApiException refused = settings.refusalUnless(Method.SIMPLE, 403, "forbidden", "a customer with a password");
            if (refused != null) {
              throw refused;
            }
            String problem = Passwords.problemWith(password);
            if (problem != null) {
              throw new ApiException(400, "invalid_request", problem + " (or send no_password=true for two-legged auth)");
            }
          }
          return customers.create(settings.productId(), email, noPassword ? null : password, AttemptLimits.addressOf(ctx.request().remoteAddress()))
              .compose(customer -> {
                LOG.info("customer created [product: {}, customer: {}, client: {}]", settings.productId(), email, client.id());
                return customers.issueToken(customer, client.id(), 0);
              })
              .map(grant -> grant.toJson().put("scope", "customer=" + email));
        }))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  private Future<Integer> productId(String given) {
    return pool.preparedQuery("SELECT id FROM products WHERE id::text = $1 OR slug = lower($1)").execute(Tuple.of(given))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getInteger(0));
  }

  private void list(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    int perPage = number(ctx, "per_page", 25, 1, MAX_PER_PAGE);
    int page = number(ctx, "page", 1, 1, 1_000_000);
    String search = ctx.request().getParam("search");
    String prefix = search == null || search.isBlank() ? null : search.trim().toLowerCase(Locale.ROOT);
    Future.all(
            pool.preparedQuery(PAGE).execute(Tuple.of(productId, prefix, perPage, (page - 1) * perPage)),
            pool.preparedQuery(COUNT).execute(Tuple.of(productId, prefix)))
        .onSuccess(both -> {
          JsonArray list = new JsonArray();
          for (Row row : both.<io.vertx.sqlclient.RowSet<Row>>resultAt(0)) {
            JsonArray devices = new JsonArray();
            for (String id : row.getArrayOfStrings(4)) {
              devices.add(id);
            }
            list.add(new JsonObject()
                .put("id", row.getLong(0).toString())
                .put("username", row.getString(1))
                .put("created_at", row.getOffsetDateTime(2).toInstant().toString())
                .put("has_password", row.getBoolean(3))
                .put("devices", devices));
          }
          long total = both.<io.vertx.sqlclient.RowSet<Row>>resultAt(1).iterator().next().getLong(0);
          ctx.json(new JsonObject().put("customers", list)
              .put("meta", new JsonObject().put("total", total).put("page", page).put("per_page", perPage)
                  .put("total_pages", Math.max(1, (total + perPage - 1) / perPage))));
        })
        .onFailure(ctx::fail);
  }

  private void update(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    JsonObject body = RequestBodies.fields(ctx);
    String password = body.getValue("password") instanceof String s ? s : null;
    String problem = Passwords.problemWith(password);
    if (problem != null) {
      throw new ApiException(400, "invalid_request", "password: " + problem);
    }
    String email = CustomerAccounts.email(ctx.pathParam("email"), "The customer's email in the path");
    customers.find(productId, email)
        .compose(customer -> customer == null ? Future.failedFuture(noSuchCustomer(productId, email)) : customers.setPassword(customer, password))
        .onSuccess(revoked -> {
          LOG.info("customer password reset [product: {}, customer: {}, tokens-revoked: {}]", productId, email, revoked);
          ctx.json(new JsonObject().put("ok", true));
        })
        .onFailure(ctx::fail);
  }

  /** Unclaims the customer's devices (forgetting their names and notes, as an unclaim does), then removes the customer and its tokens. */
  private void delete(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    String email = CustomerAccounts.email(ctx.pathParam("email"), "The customer's email in the path");
    pool.withTransaction(connection -> connection.preparedQuery("""
                UPDATE devices d SET owner_id = NULL, name = NULL, notes = NULL
                FROM users u WHERE u.kind = 'customer' AND u.product_id = $1 AND u.username = $2 AND d.owner_id = u.id
                RETURNING d.id""")
            .execute(Tuple.of(productId, email))
            .compose(unclaimed -> connection.preparedQuery("DELETE FROM users WHERE kind = 'customer' AND product_id = $1 AND username = $2")
                .execute(Tuple.of(productId, email))
                .map(deleted -> {
                  if (deleted.rowCount() == 0) {
                    throw noSuchCustomer(productId, email);
                  }
                  List<String> ids = new ArrayList<>();
                  for (Row row : unclaimed) {
                    ids.add(row.getString(0));
                  }
                  return ids;
                })))
        .onSuccess(ids -> {
          ids.forEach(directory::released);
          LOG.info("customer removed [product: {}, customer: {}, devices-unclaimed: {}]", productId, email, ids.size());
          ctx.json(new JsonObject().put("ok", true).put("unclaimed_device_ids", new JsonArray(List.copyOf(ids))));
        })
        .onFailure(ctx::fail);
  }

  private static ApiException noSuchCustomer(int productId, String email) {
    return new ApiException(404, "not_found", "Product " + productId + " has no customer " + email);
  }

  static int number(RoutingContext ctx, String name, int fallback, int min, int max) {
    String text = ctx.request().getParam(name);
    if (text == null || text.isEmpty()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", name + " must be a whole number from " + min + " to " + max);
  }
}
