package io.drover.hub.billing;

import io.drover.hub.http.ApiException;
import io.drover.hub.mail.Mail;
import io.drover.hub.mail.MailOutbox;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Billing's rules (docs/architecture.md, "Billing"): a billing pass closes the periods that ended and
 * issues their invoices, then charges the invoices that are due; a failed charge is retried every
 * {@code billing.retry-interval-hours} and, after {@code billing.max-attempts} failures, locks the
 * owner's account. Plan changes take effect at once for the price (prorated) and the limits; a closed
 * period's events are priced with the plan the period began on (its {@code period_plan}). A card update
 * charges what a failure left unpaid and unlocks the account when all of it is paid. Every time is the caller's {@code now}, from the
 * scheduler's clock, so tests drive whole cycles without waiting.
 */
public final class Billing {

  private static final Logger LOG = LoggerFactory.getLogger(Billing.class);
  private static final int BATCH = 100;
  /** Where a billing notice is published as an event on the owner's stream. */
  public static final String PAYMENT_FAILED_EVENT = "drover/billing/payment_failed";
  public static final String PAYMENT_SUCCEEDED_EVENT = "drover/billing/payment_succeeded";
  public static final String ACCOUNT_LOCKED_EVENT = "drover/billing/account_locked";

  private final BillingRepository repository;
  private final BillingSettings settings;
  private final PaymentGateway gateway;
  private final AccountLocks locks;
  private final BillingNotices notices;

  public Billing(BillingRepository repository, BillingSettings settings, PaymentGateway gateway, AccountLocks locks, EventBus bus,
      MailOutbox mail) {
    this.repository = repository;
    this.settings = settings;
    this.gateway = gateway;
    this.locks = locks;
    this.notices = new BillingNotices(bus, mail);
  }

  public BillingSettings settings() {
    return settings;
  }

  public PaymentGateway gateway() {
    return gateway;
  }

  AccountLocks locks() {
    return locks;
  }

  BillingRepository repository() {
    return repository;
  }

  /** One billing pass at {@code now}: the day's fleet sizes, periods closed, due invoices charged. Safe to repeat. */
  public Future<PassResult> runOnce(Instant now) {
    PassResult result = new PassResult();
    return repository.recordDevices(now)
        .compose(recorded -> closePeriods(now, result))
        .compose(closed -> chargeDue(now, result))
        .map(result);
  }

  /** What one pass did, for the log and tests. */
  public static final class PassResult {
    public int invoicesIssued;
    public int charged;
    public int failed;
    public int locked;

    @Override
    public String toString() {
      return "issued " + invoicesIssued + ", charged " + charged + ", failed " + failed + ", locked " + locked;
    }
  }

  private Future<Void> closePeriods(Instant now, PassResult result) {
    return repository.productsDue(now, BATCH).compose(due -> {
      if (due.isEmpty()) {
        return Future.succeededFuture();
      }
      Future<Void> chain = Future.succeededFuture();
      boolean[] failed = {false};
      for (Integer productId : due) {
        // one product's failure (logged) does not hold the others back
        chain = chain.compose(done -> closePeriod(productId, now).<Void>map(issued -> {
          if (issued) {
            result.invoicesIssued++;
          }
          return null;
        }).recover(cause -> {
          failed[0] = true;
          LOG.warn("billing period not closed, tried again at the next pass [product: {}, cause: {}]", productId, cause.getMessage());
          return Future.succeededFuture();
        }));
      }
      // a product several periods behind (a node stopped for months) closes one period per round; after a
      // failure the next pass goes on, so that a product that keeps failing is not tried in a loop
      return chain.compose(done -> failed[0] ? Future.succeededFuture() : closePeriods(now, result));
    });
  }

  /** Issues the invoice of the product's period that ended and opens the next; false when it had not ended. */
  Future<Boolean> closePeriod(int productId, Instant now) {
    return repository.pool().withTransaction(connection -> BillingRepository.lockedState(connection, productId).compose(state -> {
      if (state == null || state.getOffsetDateTime("period_end").toInstant().isAfter(now)) {
        return Future.succeededFuture(false);
      }
      // the next period's price is the plan the product is on now; the closed period's events are priced
      // with the plan that period began on, not one chosen since (a change takes effect at the next period)
      Plan plan = planOf(state.getString("plan"));
      String began = state.getString("period_plan");
      Plan periodPlan = began == null ? plan : planOf(began);
      return connection.preparedQuery("SELECT id, description, amount_cents FROM billing_adjustments WHERE product_id = $1 AND invoice_id IS NULL ORDER BY id")
          .execute(Tuple.of(productId))
          .compose(adjustments -> issue(connection, state, plan, periodPlan, BillingRepository.list(adjustments)))
          .compose(invoiceId -> advance(connection, state, plan))
          .map(true);
    }));
  }

  private Future<Long> issue(SqlConnection connection, Row state, Plan plan, Plan periodPlan, List<Row> adjustments) {
    Instant periodEnd = state.getOffsetDateTime("period_end").toInstant();
    long events = state.getLong("events");
    long devices = Math.max(state.getLong("peak_devices"), state.getLong("devices"));
    long members = state.getLong("members");
    List<Object[]> lines = new ArrayList<>();
    lines.add(new Object[] {"plan", plan.label() + " plan, the next " + (plan.period() == Plan.Period.YEARLY ? "year" : "month"), 1L, plan.priceCents()});
    lines.add(new Object[] {"devices", "Devices in the fleet (most in the period; up to " + periodPlan.deviceLimit() + ")", devices, 0L});
    long overEvents = Math.max(0, events - periodPlan.includedEvents());
    long overage = (overEvents + 999) / 1000 * periodPlan.overageCentsPer1000Events();
    lines.add(new Object[] {"events", "Outbound events (" + periodPlan.includedEvents() + " included on plan " + periodPlan.name()
        + (overEvents > 0 ? ", " + overEvents + " over" : "") + ")", events, overage});
    lines.add(new Object[] {"team", "Team members" + (plan.teamLimit() == null ? "" : " (up to " + plan.teamLimit() + ")"), members, 0L});
    for (Row adjustment : adjustments) {
      lines.add(new Object[] {"proration", adjustment.getString("description"), 1L, adjustment.getLong("amount_cents")});
    }
    long total = 0;
    for (Object[] line : lines) {
      total += (Long) line[3];
    }
    long carried = 0;
    if (total < 0) {
      // credits beyond what is owed wait for the next invoice
      carried = total;
      lines.add(new Object[] {"proration", "Credit carried to the next invoice", 1L, -total});
      total = 0;
    }
    boolean nothingOwed = total == 0;
    Instant due = periodEnd.plus(settings.chargeDelay());
    long owed = total;
    long carry = carried;
    return connection.preparedQuery("""
            INSERT INTO invoices (product_id, product_name, owner_id, plan, period_start, period_end, currency, total_cents, issued_at, due_at,
                                  status, next_attempt_at, paid_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $6, $9, $10, $11, $12)
            ON CONFLICT (product_id, period_start) DO NOTHING RETURNING id""")
        .execute(Tuple.of(state.getInteger("id"), state.getString("name"), state.getLong("owner_id"), plan.name(),
                state.getOffsetDateTime("period_start"), state.getOffsetDateTime("period_end"), plan.currency(), owed)
            .addValue(BillingRepository.at(due)).addString(nothingOwed ? "paid" : "open")
            .addValue(nothingOwed ? null : BillingRepository.at(due)).addValue(nothingOwed ? BillingRepository.at(periodEnd) : null))
        .compose(rows -> {
          if (rows.size() == 0) {
            // issued by an earlier leader that stopped before advancing the period
            return Future.succeededFuture(null);
          }
          long invoiceId = rows.iterator().next().getLong(0);
          List<Tuple> batch = new ArrayList<>();
          for (int i = 0; i < lines.size(); i++) {
            Object[] line = lines.get(i);
            batch.add(Tuple.of(invoiceId, i + 1, line[0], line[1], line[2], line[3]));
          }
          Long[] adjustmentIds = adjustments.stream().map(row -> row.getLong("id")).toArray(Long[]::new);
          return connection.preparedQuery("INSERT INTO invoice_lines (invoice_id, position, kind, description, quantity, amount_cents) "
                  + "VALUES ($1, $2, $3, $4, $5, $6)").executeBatch(batch)
              .compose(inserted -> connection.preparedQuery("UPDATE billing_adjustments SET invoice_id = $1 WHERE id = ANY($2)")
                  .execute(Tuple.of(invoiceId, (Object) adjustmentIds)))
              .compose(marked -> carry == 0 ? Future.succeededFuture() : connection.preparedQuery(
                      "INSERT INTO billing_adjustments (product_id, description, amount_cents, currency, created_at) VALUES ($1, $2, $3, $4, $5)")
                  .execute(Tuple.of(state.getInteger("id"), "Credit carried from invoice " + invoiceId, carry, plan.currency(),
                      BillingRepository.at(periodEnd))))
              .map(done -> {
                LOG.info("invoice issued [invoice: {}, product: {}, period-end: {}, total-cents: {}, status: {}]", invoiceId,
                    state.getInteger("id"), periodEnd, owed, nothingOwed ? "paid" : "open");
                return invoiceId;
              });
        });
  }

  private static Future<Void> advance(SqlConnection connection, Row state, Plan plan) {
    int next = state.getInteger("period_number") + 1;
    Instant anchor = state.getOffsetDateTime("anchor_at").toInstant();
    Instant start = state.getOffsetDateTime("period_end").toInstant();
    Instant end = plan.period().end(anchor, next);
    return connection.preparedQuery("UPDATE product_billing SET period_number = $2, period_start = $3, period_end = $4, period_plan = $5 "
            + "WHERE product_id = $1")
        .execute(Tuple.of(state.getInteger("id"), next, BillingRepository.at(start), BillingRepository.at(end), plan.name()))
        .mapEmpty();
  }

  private Future<Void> chargeDue(Instant now, PassResult result) {
    return repository.dueInvoices(now, BATCH).compose(due -> {
      Future<Void> chain = Future.succeededFuture();
      boolean[] failed = {false};
      for (Row invoice : due) {
        chain = chain.compose(done -> charge(invoice, now, result).<Void>mapEmpty().recover(cause -> {
          failed[0] = true;
          LOG.warn("invoice not charged, tried again at the next pass [invoice: {}, cause: {}]", invoice.getLong("id"), cause.getMessage());
          return Future.succeededFuture();
        }));
      }
      return chain.compose(done -> due.size() == BATCH && !failed[0] ? chargeDue(now, result) : Future.succeededFuture());
    });
  }

  /** One attempt at an invoice; @return whether it was paid */
  private Future<Boolean> charge(Row invoice, Instant now, PassResult result) {
    long invoiceId = invoice.getLong("id");
    long ownerId = invoice.getLong("owner_id");
    int attempt = invoice.getInteger("attempts") + 1;
    return repository.account(ownerId)
        .compose(account -> {
          String token = account == null ? null : account.getString("card_token");
          if (token == null) {
            return Future.succeededFuture(new PaymentGateway.Charge(null, "No card on file", null));
          }
          return gateway.charge(token, invoice.getLong("total_cents"), invoice.getString("currency"), invoiceId + "-" + attempt)
              .recover(cause -> Future.succeededFuture(new PaymentGateway.Charge(PaymentGateway.Outcome.FAILED,
                  "The payment gateway did not answer: " + cause.getMessage(), null)));
        })
        .compose(charge -> {
          boolean paid = charge.outcome() == PaymentGateway.Outcome.SUCCEEDED;
          String outcome = charge.outcome() == null ? "no_card" : charge.outcome().wireName();
          boolean exhausted = !paid && attempt >= settings.maxAttempts();
          String status = paid ? "paid" : exhausted ? "failed" : "open";
          Instant next = paid || exhausted ? null : now.plus(settings.retryInterval());
          return repository.recordAttempt(invoiceId, attempt, now, outcome, charge.message(), charge.reference(), status, next)
              .compose(recorded -> {
                if (!recorded) {
                  // another request (a second card update, the scheduler) recorded this attempt first, with the
                  // same idempotency key: its outcome stands, this one is not counted twice
                  LOG.info("charge attempt recorded by a concurrent request [invoice: {}, attempt: {}]", invoiceId, attempt);
                  return unlockIfSettled(ownerId).map(false);
                }
                if (paid) {
                  result.charged++;
                  LOG.info("invoice paid [invoice: {}, attempt: {}, owner: {}]", invoiceId, attempt, ownerId);
                  notices.paid(ownerId, invoice);
                  return unlockIfSettled(ownerId).map(true);
                }
                result.failed++;
                LOG.info("charge failed [invoice: {}, attempt: {} of {}, owner: {}, reason: {}]", invoiceId, attempt, settings.maxAttempts(),
                    ownerId, charge.message());
                Future<Boolean> locking = exhausted ? repository.lock(ownerId, now) : Future.succeededFuture(false);
                return locking.compose(newlyLocked -> {
                  if (newlyLocked) {
                    result.locked++;
                    LOG.warn("account locked after failed payments [owner: {}, invoice: {}]", ownerId, invoiceId);
                    AccountLocks.publish(notices.bus(), locks, ownerId, true);
                  }
                  return repository.username(ownerId).map(email -> {
                    notices.failed(ownerId, email, invoice, attempt, settings.maxAttempts(), charge.message(), next, exhausted);
                    return false;
                  });
                });
              });
        });
  }

  /** Unlocks the owner's account once nothing a failure left is unpaid. */
  private Future<Void> unlockIfSettled(long ownerId) {
    return repository.unpaidAfterFailure(ownerId).compose(unpaid -> {
      if (!unpaid.isEmpty()) {
        return Future.succeededFuture();
      }
      return repository.unlock(ownerId).compose(wasLocked -> {
        if (wasLocked) {
          LOG.info("account unlocked [owner: {}]", ownerId);
          return AccountLocks.publish(notices.bus(), locks, ownerId, false);
        }
        return Future.succeededFuture();
      });
    });
  }

  /**
   * Stores the card a gateway token stands for, then charges at once every invoice a failure left
   * unpaid; the account is unlocked when they are all paid.
   *
   * @return the card and what the charges did
   */
  public Future<JsonObject> updateCard(long userId, String token, Instant now) {
    if (token == null || token.isBlank() || token.length() > 200) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "token is required: the card token the payment gateway gave"));
    }
    return gateway.describe(token, userId)
        .recover(cause -> Future.failedFuture(cause instanceof PaymentGateway.GatewayException refused
            ? new ApiException(400, "invalid_card", refused.getMessage())
            : new ApiException(502, "gateway_unavailable", "The payment gateway did not answer; try again")))
        .compose(card -> {
          if (CardCheck.expired(card.expMonth(), card.expYear(), java.time.YearMonth.from(now.atZone(java.time.ZoneOffset.UTC)))) {
            return Future.failedFuture(new ApiException(400, "invalid_card", "The card has expired"));
          }
          return repository.storeCard(userId, card, now).map(card);
        })
        .compose(card -> repository.unpaidAfterFailure(userId).compose(unpaid -> {
          PassResult result = new PassResult();
          Future<Void> chain = Future.succeededFuture();
          for (Row invoice : unpaid) {
            chain = chain.compose(done -> charge(invoice, now, result).mapEmpty());
          }
          return chain.compose(done -> unlockIfSettled(userId)).map(done -> {
            LOG.info("card updated [user: {}, brand: {}, last4: {}, retried: {}, paid: {}]", userId, card.brand(), card.last4(), unpaid.size(),
                result.charged);
            return new JsonObject().put("card", cardJson(card)).put("retried", unpaid.size()).put("paid", result.charged)
                .put("locked", locks.isLocked(userId));
          });
        }));
  }

  static JsonObject cardJson(PaymentGateway.Card card) {
    return new JsonObject().put("brand", card.brand()).put("last4", card.last4()).put("exp_month", card.expMonth()).put("exp_year", card.expYear());
  }

  /**
   * Moves a product to another plan at once. The rest of the current period is prorated: the new plan's
   * price for the time left, less the old one's, is a line of the period's invoice. Refused, with nothing
   * changed, when the product holds more devices or team members than the new plan allows.
   *
   * @param administrator a node administrator may also set plans that are not self-service
   */
  public Future<JsonObject> changePlan(int productId, String planName, boolean administrator, Instant now) {
    Plan wanted = planName == null ? null : settings.plan(planName);
    if (wanted == null) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "plan must be one of " + String.join(", ", settings.plans().keySet())));
    }
    if (!wanted.selfService() && !administrator) {
      return Future.failedFuture(new ApiException(403, "forbidden", "Plan " + wanted.name() + " is set by the node's administrator (more than "
          + BillingSettings.SELF_SERVICE_DEVICE_LIMIT + " devices: contact sales)"));
    }
    // a period that ended but that no pass closed yet is closed first, with the plan it had: the change
    // belongs to the period running now
    return closePeriod(productId, now).compose(closed -> repository.pool().withTransaction(connection -> connection.preparedQuery(
            "SELECT plan FROM products WHERE id = $1 FOR UPDATE")
        .execute(Tuple.of(productId))
        .compose(locked -> BillingRepository.lockedState(connection, productId))
        .compose(state -> connection.preparedQuery("SELECT count(*) FROM product_invitations WHERE product_id = $1").execute(Tuple.of(productId))
            .map(invitations -> new Object[] {state, invitations.iterator().next().getLong(0)}))
        .compose(both -> {
          Row state = (Row) both[0];
          long invitations = (Long) both[1];
          Plan current = planOf(state.getString("plan"));
          if (current.name().equals(wanted.name())) {
            return Future.failedFuture(new ApiException(400, "invalid_request", "The product is on plan " + wanted.name() + " already"));
          }
          long devices = state.getLong("devices");
          if (devices > wanted.deviceLimit()) {
            return Future.failedFuture(new ApiException(409, "plan_limit", "Product " + state.getString("name") + " has " + devices
                + " devices; plan " + wanted.name() + " allows at most " + wanted.deviceLimit() + ". Remove devices first"));
          }
          long team = state.getLong("members") + invitations;
          if (wanted.teamLimit() != null && team > wanted.teamLimit()) {
            return Future.failedFuture(new ApiException(409, "plan_limit", "Product " + state.getString("name") + " has " + team
                + " team members and invitations; plan " + wanted.name() + " allows at most " + wanted.teamLimit() + ". Remove members first"));
          }
          Instant start = state.getOffsetDateTime("period_start").toInstant();
          Instant end = state.getOffsetDateTime("period_end").toInstant();
          long left = Math.max(0, Duration.between(now, end).toSeconds());
          long oldPart = prorate(current.priceCents(), left, current.period().end(start, 0).getEpochSecond() - start.getEpochSecond());
          long newPart = prorate(wanted.priceCents(), left, wanted.period().end(start, 0).getEpochSecond() - start.getEpochSecond());
          long amount = newPart - oldPart;
          Future<?> adjusted = amount == 0 ? Future.succeededFuture() : connection.preparedQuery(
                  "INSERT INTO billing_adjustments (product_id, description, amount_cents, currency, created_at) VALUES ($1, $2, $3, $4, $5)")
              .execute(Tuple.of(productId, "Plan " + current.name() + " to " + wanted.name() + " on " + now + ", prorated for the "
                  + Duration.ofSeconds(left).toDays() + " days left of the period", amount, wanted.currency(), BillingRepository.at(now)));
          // a change between a monthly and a yearly plan re-anchors the periods at this period's end
          Future<?> reanchored = current.period() == wanted.period() ? Future.succeededFuture() : connection.preparedQuery(
                  "UPDATE product_billing SET anchor_at = period_end, period_number = -1 WHERE product_id = $1").execute(Tuple.of(productId));
          return adjusted.compose(done -> reanchored)
              .compose(done -> connection.preparedQuery("UPDATE products SET plan = $2 WHERE id = $1").execute(Tuple.of(productId, wanted.name())))
              .map(done -> {
                LOG.info("plan changed [product: {}, from: {}, to: {}, prorated-cents: {}]", productId, current.name(), wanted.name(), amount);
                return new JsonObject().put("from", current.name()).put("to", wanted.name()).put("prorated_cents", amount)
                    .put("currency", wanted.currency());
              });
        })));
  }

  /** {@code price} for {@code left} seconds of a period of {@code length} seconds, rounded to the cent. */
  static long prorate(long price, long left, long length) {
    if (length <= 0) {
      return 0;
    }
    return Math.round((double) price * left / length);
  }

  /** The plan a product is on; one no longer configured is billed as the free plan, and said so in the log. */
  Plan planOf(String name) {
    Plan plan = settings.plan(name);
    if (plan == null) {
      LOG.warn("product on a plan that is no longer configured, billed as {} [plan: {}]", BillingSettings.DEFAULT_PLAN, name);
      return settings.plan(BillingSettings.DEFAULT_PLAN);
    }
    return plan;
  }

  /** A product's billing view: plan, period, usage, renewal, invoices. */
  public Future<JsonObject> product(int productId) {
    return repository.product(productId).compose(state -> repository.invoices(productId, null, 24)
        .map(invoices -> productJson(state).put("invoices", invoices)));
  }

  JsonObject productJson(Row state) {
    Plan plan = planOf(state.getString("plan"));
    return new JsonObject()
        .put("product_id", state.getInteger("id"))
        .put("slug", state.getString("slug"))
        .put("name", state.getString("name"))
        .put("owner", state.getString("owner"))
        .put("plan", plan.toJson())
        .put("period_start", BillingRepository.text(state.getOffsetDateTime("period_start")))
        .put("period_end", BillingRepository.text(state.getOffsetDateTime("period_end")))
        .put("renews_at", BillingRepository.text(state.getOffsetDateTime("period_end")))
        .put("usage", new JsonObject()
            .put("events", state.getLong("events"))
            .put("devices", state.getLong("devices"))
            .put("team_members", state.getLong("members")));
  }

  /** The billing page of a person: their card, lock, failed-payment notice and every product they own. */
  public Future<JsonObject> status(long userId) {
    return Future.all(repository.account(userId), repository.ownedProducts(userId), repository.unpaidAfterFailure(userId),
            repository.invoices(null, userId, 50))
        .map(all -> {
          Row account = all.resultAt(0);
          List<Row> products = all.resultAt(1);
          List<Row> unpaid = all.resultAt(2);
          JsonArray list = new JsonArray();
          products.forEach(row -> list.add(productJson(row)));
          JsonArray failed = new JsonArray();
          unpaid.forEach(row -> failed.add(BillingRepository.invoiceJson(row)));
          return new JsonObject()
              .put("ok", true)
              .put("card", cardJson(account))
              .put("locked", locks.isLocked(userId))
              .put("failed_payments", failed)
              .put("products", list)
              .put("invoices", all.<JsonArray>resultAt(3))
              .put("gateway", new JsonObject().put("name", gateway.name()).put("tokenize_url", gateway.tokenizeUrl()))
              .put("retry_interval_hours", settings.retryInterval().toHours())
              .put("max_attempts", settings.maxAttempts());
        });
  }

  static JsonObject cardJson(Row account) {
    if (account == null || account.getString("card_token") == null) {
      return null;
    }
    return new JsonObject().put("brand", account.getString("card_brand")).put("last4", account.getString("card_last4"))
        .put("exp_month", account.getInteger("card_exp_month")).put("exp_year", account.getInteger("card_exp_year"));
  }

  /**
   * The failed-payment banner the Console shows on every page: the caller's own failed payments (or
   * lock), which the caller can settle by updating the card, and the products the caller administers
   * whose owner's payment failed (their changes are refused once the owner is locked).
   */
  public Future<JsonObject> notices(long userId) {
    return Future.all(repository.unpaidAfterFailure(userId), repository.teamNotices(userId)).map(all -> {
      List<Row> unpaid = all.resultAt(0);
      List<Row> team = all.resultAt(1);
      boolean locked = locks.isLocked(userId);
      JsonObject own = null;
      if (locked || !unpaid.isEmpty()) {
        Row first = unpaid.isEmpty() ? null : unpaid.get(0);
        own = new JsonObject().put("locked", locked).put("failed_payments", unpaid.size()).put("max_attempts", settings.maxAttempts());
        if (first != null) {
          own.put("product_name", first.getString("product_name")).put("total_cents", first.getLong("total_cents"))
              .put("currency", first.getString("currency")).put("attempts", first.getInteger("attempts"))
              .put("next_attempt_at", BillingRepository.text(first.getOffsetDateTime("next_attempt_at")));
        }
      }
      JsonArray products = new JsonArray();
      for (Row row : team) {
        products.add(new JsonObject().put("product_id", row.getInteger("id")).put("slug", row.getString("slug")).put("name", row.getString("name"))
            .put("owner", row.getString("owner")).put("locked", row.getBoolean("locked")));
      }
      return new JsonObject().put("ok", true).put("own", own).put("products", products);
    });
  }

  /** The card on file as Particle's legacy {@code GET /v1/card} shows it. */
  public Future<JsonObject> card(long userId) {
    return repository.account(userId).map(Billing::cardJson);
  }

  /** Notices of billing events: an event on the owner's stream, and a mail when a mail transport is configured. */
  static final class BillingNotices {
    private final EventBus bus;
    private final MailOutbox mail;

    BillingNotices(EventBus bus, MailOutbox mail) {
      this.bus = bus;
      this.mail = mail;
    }

    EventBus bus() {
      return bus;
    }

    void paid(long ownerId, Row invoice) {
      OwnerEvents.publish(bus, ownerId, PAYMENT_SUCCEEDED_EVENT, new JsonObject().put("invoice", invoice.getLong("id"))
          .put("product_id", invoice.getInteger("product_id")).put("total_cents", invoice.getLong("total_cents"))
          .put("currency", invoice.getString("currency")));
    }

    void failed(long ownerId, String email, Row invoice, int attempt, int maxAttempts, String reason, Instant next, boolean locked) {
      JsonObject data = new JsonObject().put("invoice", invoice.getLong("id")).put("product_id", invoice.getInteger("product_id"))
          .put("attempt", attempt).put("max_attempts", maxAttempts).put("reason", reason)
          .put("next_attempt_at", next == null ? null : next.toString()).put("locked", locked);
      OwnerEvents.publish(bus, ownerId, locked ? ACCOUNT_LOCKED_EVENT : PAYMENT_FAILED_EVENT, data);
      if (mail != null && email != null) {
        String text = "We could not charge your card for invoice " + invoice.getLong("id") + " (" + invoice.getString("product_name") + ", "
            + invoice.getLong("total_cents") + " cents " + invoice.getString("currency") + "): " + reason + ".\n\n"
            + (locked ? "This was attempt " + attempt + " of " + maxAttempts + ": your account is now locked. Nothing is deleted; update your card "
                + "on the Billing page to unlock it.\n"
                : "This was attempt " + attempt + " of " + maxAttempts + ". We will try again on " + next + ". Update your card on the Billing "
                    + "page to avoid an interruption.\n");
        mail.send(new Mail(email, locked ? "Your account is locked: update your card" : "Payment failed: update your card", text, "/billing"))
            .onFailure(cause -> LOG.warn("billing mail not sent [owner: {}, cause: {}]", ownerId, cause.getMessage()));
      }
    }
  }
}
