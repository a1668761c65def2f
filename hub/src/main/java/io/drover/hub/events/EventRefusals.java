package io.drover.hub.events;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.products.ProductSeries;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every event the hub refuses passes here, whatever the reason: counted by reason
 * ({@code drover_events_dropped_total}), counted for its tenant (flushed to {@code event_tenant_days},
 * where an operator sees who lost events), answered to a publisher that waits (a device's QoS 1 or
 * confirmable CoAP, the API) with the failure for the reason, and logged: at most one line per reason
 * every {@value #LOG_EVERY_SECONDS} s, with the count since the last one, so that a flood of
 * refusals costs a counter each, not a log line each. Never throws. Used on the events verticle's event
 * loop only.
 */
final class EventRefusals {

  private static final Logger LOG = LoggerFactory.getLogger(EventRefusals.class);
  private static final int LOG_EVERY_SECONDS = 10;
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(LOG_EVERY_SECONDS);
  /** In the message of a per-day refusal: the API answers it with Retry-After up to midnight UTC. */
  static final String PER_DAY = "events per day (UTC)";

  private final EventMetrics metrics;
  private final ProductSeries products;
  private final long[] unlogged = new long[Refusal.values().length];
  private final long[] loggedAt = new long[Refusal.values().length];
  private final boolean[] everLogged = new boolean[Refusal.values().length];

  EventRefusals(EventMetrics metrics, ProductSeries products) {
    this.metrics = metrics;
    this.products = products;
  }

  /**
   * @param event the refused event, for the log; null for none
   * @param answer the publisher's: failed with the refusal when it waits for one
   * @param tenant the event's tenant, whose count of refusals grows; null for none
   * @param product the event's product ({@code drover_product_events_total{outcome="dropped"}}); null for none
   */
  void refuse(DeviceEvent event, EventAnswer answer, Refusal reason, Tenant tenant, Integer product, long nowNanos, long epochDay) {
    metrics.dropped[reason.ordinal()].increment();
    ProductSeries.Series series = products.of(product);
    if (series != null) {
      series.dropped();
    }
    if (tenant != null && reason.tenantCount() >= 0) {
      tenant.count(reason.tenantCount(), epochDay);
    }
    int i = reason.ordinal();
    unlogged[i]++;
    if (!everLogged[i] || nowNanos - loggedAt[i] >= LOG_EVERY_NANOS) {
      log(reason, tenant, event, unlogged[i]);
      everLogged[i] = true;
      loggedAt[i] = nowNanos;
      unlogged[i] = 0;
    }
    if (answer.awaited()) {
      answer.refused(reason.kind().busCode(), describe(reason, tenant));
    }
  }

  private static void log(Refusal reason, Tenant tenant, DeviceEvent event, long count) {
    String device = event == null ? null : event.deviceId();
    if (reason.kind() == DeviceFailure.Kind.QUOTA_EXCEEDED) {
      // a tenant's own policy, not the node's trouble
      LOG.info("events refused by a quota [reason: {}, tenant: {}, quota: {}, refused: {} in up to {} s, last device-id: {}]",
          reason.metricName(), tenant, tenant == null ? null : tenant.quota(), count, LOG_EVERY_SECONDS, device);
    } else {
      LOG.warn("events refused [reason: {}, last tenant: {}, refused: {} in up to {} s, last device-id: {}]",
          reason.metricName(), tenant, count, LOG_EVERY_SECONDS, device);
    }
  }

  /** The message a refused publisher reads (a device on c/err or in its MQTT 5 reason string, the API's error_description). */
  static String describe(Refusal reason, Tenant tenant) {
    return switch (reason) {
      case QUEUE_FULL -> "the hub's event queue is full; try again shortly";
      case FAIR_SHARE -> "the hub's event queue is busy and " + tenant + " holds its share of it; try again shortly";
      case NO_EVENT_ID -> "the hub has no event id reserved (its database does not answer); try again shortly";
      case QUOTA_PER_SECOND -> "the quota of " + tenant + " is used up: " + tenant.quota().perSecond() + " events per second (bursts of "
          + tenant.quota().burst() + ")";
      case QUOTA_PER_DAY -> "the quota of " + tenant + " is used up: " + tenant.quota().perDay() + " " + PER_DAY + ", until midnight UTC";
      case REFUSED_BY_DATABASE -> "the event store refuses this event";
    };
  }
}
