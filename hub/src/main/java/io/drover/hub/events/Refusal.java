package io.drover.hub.events;

import io.drover.gateway.contract.DeviceFailure;

/**
 * Why the hub refused an event: the value of the {@code reason} tag of
 * {@code drover_events_dropped_total}, the failure the publisher is answered with, and the column of
 * {@code event_tenant_days} it is counted in for its tenant.
 */
enum Refusal {
  /** The write queue holds {@code events.queue-capacity} events. */
  QUEUE_FULL("queue_full", DeviceFailure.Kind.OVERLOADED, Tenant.OVERLOADED),
  /** The write queue is more than half full and the event's tenant holds its share of it. */
  FAIR_SHARE("fair_share", DeviceFailure.Kind.OVERLOADED, Tenant.OVERLOADED),
  /** No event ID was reserved in time (the database does not answer): see {@link EventIds}. */
  NO_EVENT_ID("no_event_id", DeviceFailure.Kind.OVERLOADED, Tenant.OVERLOADED),
  QUOTA_PER_SECOND("quota_per_second", DeviceFailure.Kind.QUOTA_EXCEEDED, Tenant.QUOTA_PER_SECOND),
  QUOTA_PER_DAY("quota_per_day", DeviceFailure.Kind.QUOTA_EXCEEDED, Tenant.QUOTA_PER_DAY),
  /** The database refuses the event itself (class 22 or 23), so that it cannot hold up the rest. */
  REFUSED_BY_DATABASE("refused_by_database", DeviceFailure.Kind.MALFORMED_PAYLOAD, -1);

  private final String metricName;
  private final DeviceFailure.Kind kind;
  private final int tenantCount;

  Refusal(String metricName, DeviceFailure.Kind kind, int tenantCount) {
    this.metricName = metricName;
    this.kind = kind;
    this.tenantCount = tenantCount;
  }

  String metricName() {
    return metricName;
  }

  DeviceFailure.Kind kind() {
    return kind;
  }

  /** The index of the tenant's count this refusal adds to ({@link Tenant#OVERLOADED}, ...); -1: none. */
  int tenantCount() {
    return tenantCount;
  }
}
