package io.drover.hub.customers;

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
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Private beta: {@code POST /v1/products/:pid/activation_codes {quantity}} makes that many new
 * 4-character codes, {@code GET} lists them (unused first, then used, with who used each on which
 * device). A customer's claim of a device of a product in private beta spends one ({@link CustomerClaims}).
 * A product holds at most {@code customers.max-unused-activation-codes} unused codes: each unused code
 * is one more a guesser may hit, so the team keeps no more out than it is handing out.
 */
public final class ActivationCodesApi implements ApiFeature {

  static final int MAX_QUANTITY = 1000;
  /** No 0/O or 1/I: codes are read off paper and typed in. 32 symbols, so 4 characters make 1,048,576 codes. */
  private static final String ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String CODES = "/v1/products/:" + ProductAccess.PATH_PARAM + "/activation_codes";
  /** Taken before counting, so that two requests at once cannot both fit under the cap. */
  private static final String LOCK_PRODUCT = "SELECT 1 FROM products WHERE id = $1 FOR UPDATE";
  private static final String UNUSED = "SELECT count(*) FROM activation_codes WHERE product_id = $1 AND used_at IS NULL";
  private static final String INSERT = """
      INSERT INTO activation_codes (product_id, code) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING code""";
  private static final String PAGE = """
      SELECT c.code, c.created_at, c.used_at, u.username, c.device_id
      FROM activation_codes c LEFT JOIN users u ON u.id = c.used_by
      WHERE c.product_id = $1 AND ($2::boolean IS NULL OR (c.used_at IS NOT NULL) = $2)
      ORDER BY c.used_at IS NOT NULL, c.created_at DESC, c.code LIMIT $3 OFFSET $4""";
  private static final String COUNTS = """
      SELECT count(c.code), count(c.code) FILTER (WHERE c.used_at IS NULL), coalesce(p.settings->'private_beta' = 'true'::jsonb, false)
      FROM products p LEFT JOIN activation_codes c ON c.product_id = p.id WHERE p.id = $1 GROUP BY p.id""";

  private final Pool pool;
  private final AccessCheck access;
  private final ProductAccess products;
  private final int maxUnused;

  /** @param maxUnused the most unused codes a product may hold ({@code customers.max-unused-activation-codes}) */
  public ActivationCodesApi(Pool pool, AccessCheck access, ProductAccess products, int maxUnused) {
    this.pool = pool;
    this.access = access;
    this.products = products;
    this.maxUnused = maxUnused;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(CODES).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::list);
    router.post(CODES).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_CUSTOMERS)).handler(RequestBodies.handler()).handler(this::create);
    return Future.succeededFuture();
  }

  private void create(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    Object given = RequestBodies.fields(ctx).getValue("quantity");
    int quantity;
    try {
      quantity = given == null ? 1 : Integer.parseInt(String.valueOf(given).trim());
    } catch (NumberFormatException e) {
      quantity = 0;
    }
    if (quantity < 1 || quantity > MAX_QUANTITY) {
      throw new ApiException(400, "invalid_request", "quantity must be a whole number from 1 to " + MAX_QUANTITY);
    }
    JsonArray made = new JsonArray();
    int wanted = quantity;
    pool.withTransaction(connection -> connection.preparedQuery(LOCK_PRODUCT).execute(Tuple.of(productId))
            .compose(locked -> connection.preparedQuery(UNUSED).execute(Tuple.of(productId)))
            .compose(counted -> {
              long unused = counted.iterator().next().getLong(0);
              if (unused + wanted > maxUnused) {
                return Future.failedFuture(new ApiException(409, "activation_code_limit", "Product " + productId + " holds " + unused
                    + " unused activation codes; at most " + maxUnused + " may be unused at once, so at most " + Math.max(0, maxUnused - unused)
                    + " more can be made now"));
              }
              return make(connection, productId, wanted, made, 0);
            }))
        .onSuccess(done -> {
          ctx.response().setStatusCode(201);
          ctx.json(new JsonObject().put("ok", true).put("codes", made));
        })
        .onFailure(ctx::fail);
  }

  /** Draws codes and inserts them; a code the product has already is skipped, and the shortfall drawn again. */
  private Future<Void> make(SqlConnection connection, int productId, int quantity, JsonArray made, int round) {
    if (made.size() >= quantity) {
      return Future.succeededFuture();
    }
    if (round == 8) {
      return Future.failedFuture(new ApiException(409, "codes_exhausted", "Product " + productId + " has nearly every possible code already"));
    }
    List<String> drawn = new ArrayList<>();
    for (int i = made.size(); i < quantity; i++) {
      drawn.add(draw());
    }
    return connection.preparedQuery(INSERT).execute(Tuple.of(productId).addArrayOfString(drawn.toArray(new String[0])))
        .compose(inserted -> {
          for (Row row : inserted) {
            made.add(row.getString(0));
          }
          return make(connection, productId, quantity, made, round + 1);
        });
  }

  private static String draw() {
    char[] code = new char[4];
    for (int i = 0; i < code.length; i++) {
      code[i] = ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length()));
    }
    return new String(code);
  }

  private void list(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    int perPage = CustomersApi.number(ctx, "per_page", 100, 1, MAX_QUANTITY);
    int page = CustomersApi.number(ctx, "page", 1, 1, 1_000_000);
    String status = ctx.request().getParam("status");
    Boolean used = status == null || status.isEmpty() ? null : switch (status) {
      case "used" -> Boolean.TRUE;
      case "unused" -> Boolean.FALSE;
      default -> throw new ApiException(400, "invalid_request", "status must be used or unused");
    };
    Future.all(
            pool.preparedQuery(PAGE).execute(Tuple.of(productId, used, perPage, (page - 1) * perPage)),
            pool.preparedQuery(COUNTS).execute(Tuple.of(productId)))
        .onSuccess(both -> {
          JsonArray codes = new JsonArray();
          for (Row row : both.<RowSet<Row>>resultAt(0)) {
            codes.add(new JsonObject()
                .put("code", row.getString(0))
                .put("created_at", row.getOffsetDateTime(1).toInstant().toString())
                .put("used", row.getOffsetDateTime(2) != null)
                .put("used_at", row.getOffsetDateTime(2) == null ? null : row.getOffsetDateTime(2).toInstant().toString())
                .put("used_by", row.getString(3))
                .put("device_id", row.getString(4)));
          }
          Row counts = both.<RowSet<Row>>resultAt(1).iterator().next();
          long total = counts.getLong(0);
          ctx.json(new JsonObject().put("private_beta", counts.getBoolean(2)).put("codes", codes)
              .put("meta", new JsonObject().put("total", total).put("unused", counts.getLong(1)).put("page", page)
                  .put("per_page", perPage).put("total_pages", Math.max(1, (total + perPage - 1) / perPage))));
        })
        .onFailure(ctx::fail);
  }
}
