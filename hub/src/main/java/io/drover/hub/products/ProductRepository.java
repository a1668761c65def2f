package io.drover.hub.products;

import io.drover.hub.storage.DeviceBatchLock;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;

/** Products as rows: create with the owner as first member, list a member's, read, edit, delete. */
public final class ProductRepository {

  private static final String COLUMNS = """
      p.id, p.slug, p.name, p.description, p.platform_id, p.type, p.plan, p.settings, p.created_at, o.username AS owner""";

  private static final String INSERT = """
      INSERT INTO products (slug, name, description, platform_id, type, owner_id)
      VALUES ($1, $2, $3, $4, $5, $6) RETURNING id""";

  private static final String INSERT_OWNER = """
      INSERT INTO product_members (product_id, user_id, role, is_owner) VALUES ($1, $2, 'administrator', true)""";

  private static final String TAKEN_SLUGS = """
      SELECT slug FROM products WHERE slug = $1 OR (slug LIKE $1 || '-%' AND substr(slug, length($1) + 2) ~ '^[0-9]+$')""";

  private static final String LIST_FOR_MEMBER = """
      SELECT %s, m.role FROM products p JOIN product_members m ON m.product_id = p.id AND m.user_id = $1
      JOIN users o ON o.id = p.owner_id ORDER BY lower(p.name), p.id""".formatted(COLUMNS);

  private static final String ONE = """
      SELECT %s FROM products p JOIN users o ON o.id = p.owner_id WHERE p.id = $1""".formatted(COLUMNS);

  private final Pool pool;

  public ProductRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Creates a product and makes {@code ownerId} its owner. With no {@code slug} given, one is made from
   * the name and numbered ({@code -2}, {@code -3}, ...) past those taken.
   *
   * @return the new product's ID; fails with a PgException 23505 when a given slug is taken
   */
  public Future<Integer> create(NewProduct product, long ownerId) {
    Future<String> slug = product.slug() != null
        ? Future.succeededFuture(product.slug())
        : freeSlug(Slugs.fromName(product.name()));
    return slug.compose(chosen -> pool.withTransaction(connection -> connection.preparedQuery(INSERT)
            .execute(Tuple.of(chosen, product.name(), product.description(), product.platformId(),
                ProductPlatforms.productType(product.platformId()), ownerId))
            .compose(rows -> {
              int id = rows.iterator().next().getInteger(0);
              return connection.preparedQuery(INSERT_OWNER).execute(Tuple.of(id, ownerId)).map(id);
            })))
        // two products made from the same name at once: the loser takes the next number
        .recover(failure -> product.slug() == null && failure instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? create(product, ownerId) : Future.failedFuture(failure));
  }

  private Future<String> freeSlug(String base) {
    return pool.preparedQuery(TAKEN_SLUGS).execute(Tuple.of(base)).map(rows -> {
      Set<String> taken = new HashSet<>();
      for (Row row : rows) {
        taken.add(row.getString(0));
      }
      if (!taken.contains(base)) {
        return base;
      }
      for (int n = 2; ; n++) {
        if (!taken.contains(base + "-" + n)) {
          return base + "-" + n;
        }
      }
    });
  }

  /** The products {@code userId} is a member of, each with the member's role. */
  public Future<JsonArray> listForMember(long userId) {
    return pool.preparedQuery(LIST_FOR_MEMBER).execute(Tuple.of(userId)).map(rows -> {
      JsonArray products = new JsonArray();
      for (Row row : rows) {
        products.add(toJson(row).put("role", row.getString("role")));
      }
      return products;
    });
  }

  /** @return the product in the API's shape, or null */
  public Future<JsonObject> find(int productId) {
    return pool.preparedQuery(ONE).execute(Tuple.of(productId))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  /** Sets the fields given (null leaves one as it is). */
  public Future<Void> update(int productId, String name, String description) {
    return pool.preparedQuery("""
            UPDATE products SET name = coalesce($2, name), description = coalesce($3, description) WHERE id = $1""")
        .execute(Tuple.of(productId, name, description)).mapEmpty();
  }

  /**
   * Deletes the product; its devices leave it, its members, groups, API users and customers go with it,
   * and so do its SIMs and their daily usage (V21 cascades): an ICCID may be imported again afterwards,
   * by anyone, with none of the old usage.
   *
   * <p>Under {@link DeviceBatchLock}: ON DELETE SET NULL moves all the product's devices out of it at
   * once, and through the trigger that keeps device_connectivity's copy of product_id locks their
   * connectivity rows in its own order, which the connectivity and last_heard batches must not meet.
   *
   * @return the devices whose SIM, gone with the product, was not active: no longer refused at connect
   */
  public Future<java.util.List<String>> delete(int productId) {
    return DeviceBatchLock.holding(pool, connection -> connection.preparedQuery("""
            WITH freed AS (SELECT device_id FROM sims WHERE product_id = $1 AND device_id IS NOT NULL AND status <> 'active'),
                 gone AS (DELETE FROM products WHERE id = $1)
            SELECT device_id FROM freed""")
        .execute(Tuple.of(productId)))
        .map(rows -> {
          java.util.List<String> freed = new java.util.ArrayList<>();
          rows.forEach(row -> freed.add(row.getString(0)));
          return freed;
        });
  }

  /** Merges answers into the settings (a null value removes an answer) and returns the stored answers. */
  public Future<JsonObject> changeSettings(int productId, JsonObject change) {
    JsonObject set = new JsonObject();
    JsonArray cleared = new JsonArray();
    change.forEach(entry -> {
      if (entry.getValue() == null) {
        cleared.add(entry.getKey());
      } else {
        set.put(entry.getKey(), entry.getValue());
      }
    });
    return pool.preparedQuery("""
            UPDATE products SET settings = (settings || $2::jsonb) - $3::text[] WHERE id = $1 RETURNING settings""")
        .execute(Tuple.of(productId, set, cleared.getList().toArray(new String[0])))
        .map(rows -> (JsonObject) rows.iterator().next().getValue(0));
  }

  /** The answers stored, without defaults. */
  public Future<JsonObject> storedSettings(int productId) {
    return pool.preparedQuery("SELECT settings FROM products WHERE id = $1").execute(Tuple.of(productId))
        .map(rows -> rows.size() == 0 ? new JsonObject() : (JsonObject) rows.iterator().next().getValue(0));
  }

  /**
   * Particle's product object, plus Drover's own {@code platform}, {@code plan}, {@code owner} and
   * {@code created_at}. {@code organization} is always null: there are no organizations here.
   */
  static JsonObject toJson(Row row) {
    int platformId = row.getInteger("platform_id");
    return new JsonObject()
        .put("id", row.getInteger("id"))
        .put("slug", row.getString("slug"))
        .put("name", row.getString("name"))
        .put("description", row.getString("description"))
        .put("platform_id", platformId)
        .put("platform", ProductPlatforms.name(platformId))
        .put("type", row.getString("type"))
        .put("organization", null)
        .put("plan", row.getString("plan"))
        .put("owner", row.getString("owner"))
        .put("settings", ProductSettings.withDefaults((JsonObject) row.getValue("settings")))
        .put("created_at", row.getOffsetDateTime("created_at").withOffsetSameInstant(ZoneOffset.UTC).toString());
  }

  /** What creating a product takes, validated. */
  public record NewProduct(String name, String description, int platformId, String slug) {
  }
}
