package io.drover.hub.billing;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Billing's SQL: plans, periods, usage, invoices, cards and locks (V20). */
public final class BillingRepository {

  private static final String SYNC_PLAN = """
      INSERT INTO billing_plans (name, label, device_limit, team_limit, included_events, price_cents, overage_cents_per_1000_events,
                                 currency, period, self_service)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
      ON CONFLICT (name) DO UPDATE SET label = excluded.label, device_limit = excluded.device_limit, team_limit = excluded.team_limit,
        included_events = excluded.included_events, price_cents = excluded.price_cents,
        overage_cents_per_1000_events = excluded.overage_cents_per_1000_events, currency = excluded.currency, period = excluded.period,
        self_service = excluded.self_service""";
  private static final String RECORD_DEVICES = """
      INSERT INTO product_device_days (product_id, day, devices)
      SELECT product_id, $1::date, devices FROM product_device_counts
      ON CONFLICT (product_id, day) DO UPDATE SET devices = GREATEST(product_device_days.devices, excluded.devices)""";
  /** A product's billing state and its current period's usage (outbound events by UTC day, the most devices a day). */
  static final String PRODUCT_STATE = """
      SELECT p.id, p.slug, p.name, p.plan, p.owner_id, o.username AS owner, b.anchor_at, b.period_number, b.period_start, b.period_end, b.period_plan,
             coalesce(c.devices, 0) AS devices,
             (SELECT count(*) FROM product_members m WHERE m.product_id = p.id) AS members,
             (SELECT coalesce(sum(u.delivered), 0) FROM product_event_usage u WHERE u.product_id = p.id
                AND u.day >= (b.period_start AT TIME ZONE 'UTC')::date AND u.day < (b.period_end AT TIME ZONE 'UTC')::date) AS events,
             (SELECT coalesce(max(d.devices), 0) FROM product_device_days d WHERE d.product_id = p.id
                AND d.day >= (b.period_start AT TIME ZONE 'UTC')::date AND d.day < (b.period_end AT TIME ZONE 'UTC')::date) AS peak_devices
      FROM products p JOIN product_billing b ON b.product_id = p.id JOIN users o ON o.id = p.owner_id
      LEFT JOIN product_device_counts c ON c.product_id = p.id""";
  private static final String INVOICE_COLUMNS = """
      id, product_id, product_name, owner_id, plan, period_start, period_end, currency, total_cents, issued_at, due_at, status, attempts,
      next_attempt_at, paid_at""";

  private final Pool pool;

  public BillingRepository(Pool pool) {
    this.pool = pool;
  }

  public Pool pool() {
    return pool;
  }

  /** Called at start-up by every hub node: SQL joins products.plan to these rows for the device limit. */
  public Future<Void> syncPlans(Collection<Plan> plans) {
    List<Tuple> rows = new ArrayList<>();
    for (Plan plan : plans) {
      rows.add(Tuple.of(plan.name(), plan.label(), plan.deviceLimit(), plan.teamLimit(), plan.includedEvents(), plan.priceCents())
          .addLong(plan.overageCentsPer1000Events()).addString(plan.currency()).addString(plan.period().wireName())
          .addBoolean(plan.selfService()));
    }
    return pool.preparedQuery(SYNC_PLAN).executeBatch(rows).mapEmpty();
  }

  /** Today's fleet sizes, kept as the day's most. */
  Future<Void> recordDevices(Instant now) {
    return pool.preparedQuery(RECORD_DEVICES).execute(Tuple.of(day(now))).mapEmpty();
  }

  /** Products whose period ended by {@code now}, at most {@code limit}. */
  Future<List<Integer>> productsDue(Instant now, int limit) {
    return pool.preparedQuery("SELECT product_id FROM product_billing WHERE period_end <= $1 ORDER BY period_end LIMIT $2")
        .execute(Tuple.of(at(now), limit))
        .map(rows -> {
          List<Integer> ids = new ArrayList<>();
          rows.forEach(row -> ids.add(row.getInteger(0)));
          return ids;
        });
  }

  /** The product's state, its billing row locked for the transaction. */
  static Future<Row> lockedState(SqlConnection connection, int productId) {
    return connection.preparedQuery("SELECT 1 FROM product_billing WHERE product_id = $1 FOR UPDATE").execute(Tuple.of(productId))
        .compose(locked -> connection.preparedQuery(PRODUCT_STATE + " WHERE p.id = $1").execute(Tuple.of(productId)))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** The products {@code ownerId} owns, with their period's usage. */
  Future<List<Row>> ownedProducts(long ownerId) {
    return pool.preparedQuery(PRODUCT_STATE + " WHERE p.owner_id = $1 ORDER BY p.name, p.id").execute(Tuple.of(ownerId)).map(BillingRepository::list);
  }

  Future<Row> product(int productId) {
    return pool.preparedQuery(PRODUCT_STATE + " WHERE p.id = $1").execute(Tuple.of(productId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** Invoices of a product, or of an owner (productId null), newest first, with their lines. */
  Future<JsonArray> invoices(Integer productId, Long ownerId, int limit) {
    String where = productId != null ? "product_id = $1" : "owner_id = $1";
    Object key = productId != null ? productId : ownerId;
    return pool.preparedQuery("SELECT " + INVOICE_COLUMNS + " FROM invoices WHERE " + where + " ORDER BY id DESC LIMIT $2")
        .execute(Tuple.of(key, limit))
        .compose(rows -> {
          List<Row> invoices = list(rows);
          Long[] ids = invoices.stream().map(row -> row.getLong("id")).toArray(Long[]::new);
          return pool.preparedQuery("SELECT invoice_id, kind, description, quantity, amount_cents FROM invoice_lines "
                  + "WHERE invoice_id = ANY($1) ORDER BY invoice_id, position")
              .execute(Tuple.of((Object) ids))
              .map(lines -> {
                JsonArray answer = new JsonArray();
                for (Row invoice : invoices) {
                  JsonArray items = new JsonArray();
                  for (Row line : lines) {
                    if (line.getLong("invoice_id").equals(invoice.getLong("id"))) {
                      items.add(new JsonObject().put("kind", line.getString("kind")).put("description", line.getString("description"))
                          .put("quantity", line.getLong("quantity")).put("amount_cents", line.getLong("amount_cents")));
                    }
                  }
                  answer.add(invoiceJson(invoice).put("lines", items));
                }
                return answer;
              });
        });
  }

  static JsonObject invoiceJson(Row row) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("product_id", row.getInteger("product_id"))
        .put("product_name", row.getString("product_name"))
        .put("plan", row.getString("plan"))
        .put("period_start", text(row.getOffsetDateTime("period_start")))
        .put("period_end", text(row.getOffsetDateTime("period_end")))
        .put("currency", row.getString("currency"))
        .put("total_cents", row.getLong("total_cents"))
        .put("issued_at", text(row.getOffsetDateTime("issued_at")))
        .put("due_at", text(row.getOffsetDateTime("due_at")))
        .put("status", row.getString("status"))
        .put("attempts", row.getInteger("attempts"))
        .put("next_attempt_at", text(row.getOffsetDateTime("next_attempt_at")))
        .put("paid_at", text(row.getOffsetDateTime("paid_at")));
  }

  /** Open invoices whose next attempt is due by {@code now}. */
  Future<List<Row>> dueInvoices(Instant now, int limit) {
    return pool.preparedQuery("SELECT " + INVOICE_COLUMNS + " FROM invoices WHERE status = 'open' AND next_attempt_at <= $1 "
            + "ORDER BY next_attempt_at LIMIT $2")
        .execute(Tuple.of(at(now), limit)).map(BillingRepository::list);
  }

  /** An owner's invoices that a charge failed for and that are not paid yet (the failed-payment banner's). */
  Future<List<Row>> unpaidAfterFailure(long ownerId) {
    return pool.preparedQuery("SELECT " + INVOICE_COLUMNS + " FROM invoices WHERE owner_id = $1 AND status <> 'paid' AND attempts > 0 ORDER BY id")
        .execute(Tuple.of(ownerId)).map(BillingRepository::list);
  }

  /**
   * The products {@code userId} administers (MANAGE_BILLING) but does not own whose owner has a failed
   * payment or a locked account: the team's side of the failed-payment banner.
   */
  Future<List<Row>> teamNotices(long userId) {
    return pool.preparedQuery("""
            SELECT p.id, p.slug, p.name, o.username AS owner, a.locked_at IS NOT NULL AS locked
            FROM product_members m JOIN products p ON p.id = m.product_id JOIN users o ON o.id = p.owner_id
            LEFT JOIN billing_accounts a ON a.user_id = p.owner_id
            WHERE m.user_id = $1 AND m.role = 'administrator' AND p.owner_id <> $1
              AND (a.locked_at IS NOT NULL
                   OR EXISTS (SELECT 1 FROM invoices i WHERE i.owner_id = p.owner_id AND i.status <> 'paid' AND i.attempts > 0))
            ORDER BY p.name, p.id LIMIT 20""")
        .execute(Tuple.of(userId)).map(BillingRepository::list);
  }

  Future<Row> account(long userId) {
    return pool.preparedQuery("SELECT * FROM billing_accounts WHERE user_id = $1").execute(Tuple.of(userId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  Future<Void> storeCard(long userId, PaymentGateway.Card card, Instant now) {
    return pool.preparedQuery("""
            INSERT INTO billing_accounts (user_id, card_brand, card_last4, card_exp_month, card_exp_year, card_token, card_updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (user_id) DO UPDATE SET card_brand = excluded.card_brand, card_last4 = excluded.card_last4,
              card_exp_month = excluded.card_exp_month, card_exp_year = excluded.card_exp_year, card_token = excluded.card_token,
              card_updated_at = excluded.card_updated_at""")
        .execute(Tuple.of(userId, card.brand(), card.last4(), card.expMonth(), card.expYear(), card.token()).addValue(at(now)))
        .mapEmpty();
  }

  /** @return whether the account was not locked before */
  Future<Boolean> lock(long userId, Instant now) {
    return pool.preparedQuery("""
            INSERT INTO billing_accounts (user_id, locked_at) VALUES ($1, $2)
            ON CONFLICT (user_id) DO UPDATE SET locked_at = excluded.locked_at WHERE billing_accounts.locked_at IS NULL
            RETURNING user_id""")
        .execute(Tuple.of(userId, at(now))).map(rows -> rows.size() == 1);
  }

  /** @return whether the account was locked before */
  Future<Boolean> unlock(long userId) {
    return pool.preparedQuery("UPDATE billing_accounts SET locked_at = NULL WHERE user_id = $1 AND locked_at IS NOT NULL RETURNING user_id")
        .execute(Tuple.of(userId)).map(rows -> rows.size() == 1);
  }

  Future<List<Long>> lockedAccounts() {
    return pool.query("SELECT user_id FROM billing_accounts WHERE locked_at IS NOT NULL").execute().map(rows -> {
      List<Long> ids = new ArrayList<>();
      rows.forEach(row -> ids.add(row.getLong(0)));
      return ids;
    });
  }

  /**
   * Records attempt number {@code attempt} of an invoice and the invoice's new payment state.
   *
   * @return false, changing nothing, when that attempt was recorded already (two card updates, or one and
   *     the scheduler, charged the same unpaid invoice at once: the first to record wins)
   */
  Future<Boolean> recordAttempt(long invoiceId, int attempt, Instant now, String outcome, String message, String reference,
      String status, Instant nextAttempt) {
    return pool.withTransaction(connection -> connection.preparedQuery("""
            INSERT INTO payment_attempts (invoice_id, attempt, at, outcome, message, reference) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (invoice_id, attempt) DO NOTHING RETURNING attempt""")
        .execute(Tuple.of(invoiceId, attempt, at(now), outcome, message, reference))
        .compose(inserted -> inserted.size() == 0 ? Future.succeededFuture(false) : connection.preparedQuery("""
                UPDATE invoices SET attempts = $2, status = $3, next_attempt_at = $4,
                  paid_at = CASE WHEN $3 = 'paid' THEN $5 ELSE paid_at END
                WHERE id = $1""")
            .execute(Tuple.of(invoiceId, attempt, status, at(nextAttempt), at(now))).map(true)));
  }

  Future<String> username(long userId) {
    return pool.preparedQuery("SELECT username FROM users WHERE id = $1").execute(Tuple.of(userId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  static List<Row> list(io.vertx.sqlclient.RowSet<Row> rows) {
    List<Row> list = new ArrayList<>();
    rows.forEach(list::add);
    return list;
  }

  static OffsetDateTime at(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  static LocalDate day(Instant instant) {
    return LocalDate.ofInstant(instant, ZoneOffset.UTC);
  }

  static String text(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }
}
