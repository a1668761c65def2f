package io.drover.hub.billing;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Billing's configuration, read once at start-up.
 *
 * @param plans by name, in the order the Console lists them
 * @param retryInterval {@code billing.retry-interval-hours}: the wait between a failed charge and the next
 * @param maxAttempts {@code billing.max-attempts}: failed charges of one invoice that lock its owner's account
 * @param chargeDelay {@code billing.charge-delay-days}: an invoice is charged this long after its period closed
 * @param tickInterval {@code billing.tick-seconds}: how often the leader's billing pass runs
 */
public record BillingSettings(Map<String, Plan> plans, Duration retryInterval, int maxAttempts, Duration chargeDelay,
    Duration tickInterval) {

  /** The guide's self-service ceiling: more devices than this need a plan a node administrator sets. */
  public static final int SELF_SERVICE_DEVICE_LIMIT = 250;
  /** The free tier's devices per product in the guide's time (today's Particle allows 100, counting sandbox devices too). */
  public static final int FREE_DEVICE_LIMIT = 25;
  /** What every product starts on (the products.plan column's default). */
  public static final String DEFAULT_PLAN = "free";

  public BillingSettings {
    plans = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(plans));
  }

  public Plan plan(String name) {
    return plans.get(name);
  }

  /**
   * The built-in plans, used when billing.plans-file is empty (docs/operations.md lists them). They follow
   * the Console guide and the pricing of its time, not today's Particle: the free Prototype tier holds up
   * to {@value #FREE_DEVICE_LIMIT} devices per product (paid tiers began past 25) and a team of 5; the
   * self-service plans go up to {@value #SELF_SERVICE_DEVICE_LIMIT} devices.
   */
  public static Map<String, Plan> defaultPlans() {
    Map<String, Plan> plans = new LinkedHashMap<>();
    for (Plan plan : List.of(
        new Plan("free", "Free", FREE_DEVICE_LIMIT, 5, 250_000, 0, 0, "USD", Plan.Period.MONTHLY, true),
        new Plan("growth", "Growth", 250, null, 2_500_000, 24_900, 10, "USD", Plan.Period.MONTHLY, true),
        new Plan("growth-yearly", "Growth, yearly", 250, null, 30_000_000, 249_000, 10, "USD", Plan.Period.YEARLY, true),
        new Plan("enterprise", "Enterprise", 10_000, null, 100_000_000, 99_900, 5, "USD", Plan.Period.MONTHLY, false))) {
      plans.put(plan.name(), plan);
    }
    return plans;
  }

  /**
   * Reads a plans file: {@code {"plans": [{name, label, device_limit, team_limit, included_events,
   * price_cents, overage_cents_per_1000_events, currency, period, self_service}]}}.
   *
   * @throws IllegalArgumentException naming the first bad field, for the launcher's config error
   */
  public static Map<String, Plan> readPlans(Path file) {
    JsonObject json;
    try {
      json = new JsonObject(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("billing.plans-file cannot be read: " + e.getMessage());
    } catch (DecodeException e) {
      throw new IllegalArgumentException("billing.plans-file is not a JSON object: " + e.getMessage());
    }
    JsonArray list = json.getJsonArray("plans");
    if (list == null || list.isEmpty()) {
      throw new IllegalArgumentException("billing.plans-file must hold {\"plans\": [...]} with at least one plan");
    }
    Map<String, Plan> plans = new LinkedHashMap<>();
    String currency = null;
    for (int i = 0; i < list.size(); i++) {
      Plan plan = plan(list.getJsonObject(i), i);
      if (plans.put(plan.name(), plan) != null) {
        throw new IllegalArgumentException("billing.plans-file names plan " + plan.name() + " twice");
      }
      if (currency != null && !currency.equals(plan.currency())) {
        throw new IllegalArgumentException("billing.plans-file: every plan must be in one currency (" + currency + ", then " + plan.currency() + ")");
      }
      currency = plan.currency();
    }
    if (!plans.containsKey(DEFAULT_PLAN)) {
      throw new IllegalArgumentException("billing.plans-file must have a plan named free: every product starts on it");
    }
    return plans;
  }

  private static Plan plan(JsonObject json, int index) {
    String where = "billing.plans-file plan " + (index + 1);
    try {
      String name = json.getString("name");
      if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,39}")) {
        throw new IllegalArgumentException(where + ": name must be lower case letters, digits and -, at most 40");
      }
      where = "billing.plans-file plan " + name;
      int devices = json.getInteger("device_limit", 0);
      Integer team = json.getInteger("team_limit");
      long events = json.getLong("included_events", -1L);
      long price = json.getLong("price_cents", -1L);
      long overage = json.getLong("overage_cents_per_1000_events", 0L);
      String currency = json.getString("currency", "USD");
      Plan.Period period = Plan.Period.parse(json.getString("period", "monthly"));
      boolean selfService = json.getBoolean("self_service", true);
      if (devices < 1) {
        throw new IllegalArgumentException(where + ": device_limit must be at least 1");
      }
      if (selfService && devices > SELF_SERVICE_DEVICE_LIMIT) {
        throw new IllegalArgumentException(where + ": a self-service plan covers at most " + SELF_SERVICE_DEVICE_LIMIT
            + " devices; make it \"self_service\": false");
      }
      if (team != null && team < 1) {
        throw new IllegalArgumentException(where + ": team_limit must be at least 1, or absent for no cap");
      }
      if (events < 0 || price < 0 || overage < 0) {
        throw new IllegalArgumentException(where + ": included_events and price_cents are required, and no amount may be negative");
      }
      if (!currency.matches("[A-Z]{3}")) {
        throw new IllegalArgumentException(where + ": currency must be an ISO 4217 code like USD");
      }
      if (period == null) {
        throw new IllegalArgumentException(where + ": period must be monthly or yearly");
      }
      return new Plan(name, json.getString("label", name), devices, team, events, price, overage, currency, period, selfService);
    } catch (ClassCastException e) {
      throw new IllegalArgumentException(where + ": a field has the wrong type (" + e.getMessage() + ")");
    }
  }
}
