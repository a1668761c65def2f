package io.drover.hub.quotas;

import io.vertx.core.json.JsonObject;

/**
 * The quota one tenant (an account or a product) is held to, for the whole cluster: events a second,
 * with bursts, and events stored a day (UTC). 0 is unlimited.
 *
 * @param perSecond events a second, sustained
 * @param burst events at once after a quiet spell (the token bucket's size); never below {@code perSecond}
 * @param perDay events accepted in one UTC day
 */
public record Quota(long perSecond, long burst, long perDay) {

  public static final Quota UNLIMITED = new Quota(0, 0, 0);

  /** A burst of 0 (or below the rate) means one second's worth. */
  public Quota {
    if (perSecond < 0 || burst < 0 || perDay < 0) {
      throw new IllegalArgumentException("a quota is 0 (unlimited) or more");
    }
    burst = perSecond == 0 ? 0 : Math.max(burst, perSecond);
  }

  public JsonObject toJson() {
    return new JsonObject().put("events_per_second", perSecond).put("events_burst", burst).put("events_per_day", perDay);
  }
}
