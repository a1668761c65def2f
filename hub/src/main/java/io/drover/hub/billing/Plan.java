package io.drover.hub.billing;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * A billing plan, as configuration (billing.plans-file): a product on it may hold {@code deviceLimit}
 * devices and {@code teamLimit} team members (null: no cap), and pays {@code priceCents} per period
 * for {@code includedEvents} outbound events a period, each thousand more costing
 * {@code overageCentsPer1000Events}.
 *
 * @param selfService whether a product's owner may choose it; the others only a node administrator sets
 */
public record Plan(String name, String label, int deviceLimit, Integer teamLimit, long includedEvents, long priceCents,
    long overageCentsPer1000Events, String currency, Period period, boolean selfService) {

  /** How long one billing period of a plan is. */
  public enum Period {
    MONTHLY("monthly", 1), YEARLY("yearly", 12);

    private final String wireName;
    private final int months;

    Period(String wireName, int months) {
      this.wireName = wireName;
      this.months = months;
    }

    public String wireName() {
      return wireName;
    }

    /** The end of period {@code number} counted from {@code anchor} (UTC calendar months, clamped to the month's end). */
    public Instant end(Instant anchor, int number) {
      return ZonedDateTime.ofInstant(anchor, ZoneOffset.UTC).plusMonths((long) months * (number + 1)).toInstant();
    }

    public static Period parse(String text) {
      for (Period period : values()) {
        if (period.wireName.equals(text)) {
          return period;
        }
      }
      return null;
    }
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("label", label)
        .put("device_limit", deviceLimit)
        .put("team_limit", teamLimit)
        .put("included_events", includedEvents)
        .put("price_cents", priceCents)
        .put("overage_cents_per_1000_events", overageCentsPer1000Events)
        .put("currency", currency)
        .put("period", period.wireName())
        .put("self_service", selfService);
  }
}
