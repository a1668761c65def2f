package io.drover.hub.quotas;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;

/** Quota overrides ({@code event_quotas}) and the per-tenant day counts ({@code event_tenant_days}) as the API reads them. */
public final class QuotaRepository {

  /** Which tenants an override or a count is for: the {@code scope} of {@code event_tenant_days}. */
  public enum Scope {
    ACCOUNT("account", "user_id"), PRODUCT("product", "product_id");

    private final String column;
    private final String key;

    Scope(String column, String key) {
      this.column = column;
      this.key = key;
    }

    public String column() {
      return column;
    }

    public static Scope of(String column) {
      return column.equals("account") ? ACCOUNT : column.equals("product") ? PRODUCT : null;
    }
  }

  private static final String ALL = "SELECT user_id, product_id, events_per_second, events_burst, events_per_day FROM event_quotas";
  private static final String ONE = "SELECT events_per_second, events_burst, events_per_day FROM event_quotas WHERE ";
  private static final String PUT_ACCOUNT = """
      INSERT INTO event_quotas (user_id, events_per_second, events_burst, events_per_day) VALUES ($1, $2, $3, $4)
      ON CONFLICT (user_id) DO UPDATE SET events_per_second = excluded.events_per_second, events_burst = excluded.events_burst,
        events_per_day = excluded.events_per_day, updated_at = now()""";
  private static final String PUT_PRODUCT = """
      INSERT INTO event_quotas (product_id, events_per_second, events_burst, events_per_day) VALUES ($1, $2, $3, $4)
      ON CONFLICT (product_id) DO UPDATE SET events_per_second = excluded.events_per_second, events_burst = excluded.events_burst,
        events_per_day = excluded.events_per_day, updated_at = now()""";
  private static final String ACCOUNT_ID = "SELECT id FROM users WHERE username = $1";
  private static final String PRODUCT_ID = "SELECT id FROM products WHERE id = $1 OR slug = $2";
  private static final String DAYS = """
      SELECT day, accepted, refused_overloaded, refused_quota_per_second, refused_quota_per_day FROM event_tenant_days
      WHERE scope = $1 AND tenant_id = $2 AND day > $3 ORDER BY day DESC""";
  private static final String TENANTS_OF_DAY = """
      SELECT d.scope, d.tenant_id, u.username, p.slug, d.accepted, d.refused_overloaded, d.refused_quota_per_second, d.refused_quota_per_day
      FROM event_tenant_days d
      LEFT JOIN users u ON d.scope = 'account' AND u.id = d.tenant_id
      LEFT JOIN products p ON d.scope = 'product' AND p.id = d.tenant_id
      WHERE d.day = $1
      ORDER BY d.refused_overloaded + d.refused_quota_per_second + d.refused_quota_per_day DESC, d.accepted DESC, d.scope, d.tenant_id
      LIMIT $2""";

  private final Pool pool;

  public QuotaRepository(Pool pool) {
    this.pool = pool;
  }

  /** Every override, for the events verticle's start: accounts' and products' by their ID. */
  public Future<Overrides> all() {
    return pool.query(ALL).execute().map(rows -> {
      Map<Long, QuotaOverride> accounts = new HashMap<>();
      Map<Integer, QuotaOverride> products = new HashMap<>();
      for (Row row : rows) {
        QuotaOverride override = override(row);
        if (row.getLong("user_id") != null) {
          accounts.put(row.getLong("user_id"), override);
        } else {
          products.put(row.getInteger("product_id"), override);
        }
      }
      return new Overrides(accounts, products);
    });
  }

  /** @return the tenant's override, or null for none */
  public Future<QuotaOverride> override(Scope scope, long id) {
    return pool.preparedQuery(ONE + scope.key + " = $1").execute(Tuple.of(key(scope, id))).map(rows -> rows.size() == 0 ? null : override(rows.iterator().next()));
  }

  public Future<Void> put(Scope scope, long id, QuotaOverride override) {
    Tuple row = Tuple.tuple().addValue(key(scope, id))
        .addValue(override.perSecond() == null ? null : override.perSecond().intValue())
        .addValue(override.burst() == null ? null : override.burst().intValue())
        .addValue(override.perDay());
    return pool.preparedQuery(scope == Scope.ACCOUNT ? PUT_ACCOUNT : PUT_PRODUCT).execute(row).mapEmpty();
  }

  public Future<Void> remove(Scope scope, long id) {
    return pool.preparedQuery("DELETE FROM event_quotas WHERE " + scope.key + " = $1")
        .execute(Tuple.of(key(scope, id))).mapEmpty();
  }

  /** users.id is a bigint, products.id an integer. */
  private static Object key(Scope scope, long id) {
    return scope == Scope.ACCOUNT ? (Object) id : (Object) (int) id;
  }

  /** @return the account's ID, or null when no account has that username */
  public Future<Long> accountId(String username) {
    return pool.preparedQuery(ACCOUNT_ID).execute(Tuple.of(username.toLowerCase(java.util.Locale.ROOT)))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }

  /** @return the product's ID from its ID or slug, or null when there is no such product */
  public Future<Integer> productId(String idOrSlug) {
    Integer numeric = null;
    try {
      numeric = Integer.valueOf(idOrSlug);
    } catch (NumberFormatException slug) {
      // a slug
    }
    return pool.preparedQuery(PRODUCT_ID).execute(Tuple.of(numeric, numeric == null ? idOrSlug.toLowerCase(java.util.Locale.ROOT) : null))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getInteger(0));
  }

  /** The tenant's counts for each of the last {@code days} UTC days that has any, newest first. */
  public Future<JsonArray> days(Scope scope, long id, int days) {
    LocalDate after = LocalDate.now(java.time.ZoneOffset.UTC).minusDays(days);
    return pool.preparedQuery(DAYS).execute(Tuple.of(scope.column, id, after)).map(rows -> {
      JsonArray answer = new JsonArray();
      for (Row row : rows) {
        answer.add(counts(row).put("day", row.getLocalDate("day").toString()));
      }
      return answer;
    });
  }

  /** The tenants of one UTC day, those that lost the most events first. */
  public Future<JsonArray> tenantsOf(LocalDate day, int limit) {
    return pool.preparedQuery(TENANTS_OF_DAY).execute(Tuple.of(day, limit)).map(rows -> {
      JsonArray answer = new JsonArray();
      for (Row row : rows) {
        JsonObject tenant = new JsonObject().put("scope", row.getString("scope"));
        switch (row.getString("scope")) {
          case "account" -> tenant.put("account_id", row.getLong("tenant_id")).put("username", row.getString("username"));
          case "product" -> tenant.put("product_id", row.getLong("tenant_id")).put("slug", row.getString("slug"));
          default -> { }
        }
        answer.add(tenant.mergeIn(counts(row)));
      }
      return answer;
    });
  }

  private static JsonObject counts(Row row) {
    return new JsonObject()
        .put("accepted", row.getLong("accepted"))
        .put("refused_overloaded", row.getLong("refused_overloaded"))
        .put("refused_quota_per_second", row.getLong("refused_quota_per_second"))
        .put("refused_quota_per_day", row.getLong("refused_quota_per_day"));
  }

  private static QuotaOverride override(Row row) {
    Integer perSecond = row.getInteger("events_per_second");
    Integer burst = row.getInteger("events_burst");
    return new QuotaOverride(perSecond == null ? null : perSecond.longValue(), burst == null ? null : burst.longValue(),
        row.getLong("events_per_day"));
  }

  /** Every override, by account ID and by product ID. */
  public record Overrides(Map<Long, QuotaOverride> accounts, Map<Integer, QuotaOverride> products) {
  }
}
