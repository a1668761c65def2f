package io.drover.hub.quotas;

import io.vertx.core.json.JsonObject;

/**
 * An administrator's quota for one account or product, field by field over the node's default: a
 * null field takes the default, 0 is unlimited.
 */
public record QuotaOverride(Long perSecond, Long burst, Long perDay) {

  public Quota over(Quota defaults) {
    long rate = perSecond != null ? perSecond : defaults.perSecond();
    // a burst left to the default follows an overridden rate: a default burst below it would be raised anyway
    long bucket = burst != null ? burst : perSecond != null ? 0 : defaults.burst();
    return new Quota(rate, bucket, perDay != null ? perDay : defaults.perDay());
  }

  public JsonObject toJson() {
    return new JsonObject().put("events_per_second", perSecond).put("events_burst", burst).put("events_per_day", perDay);
  }
}
