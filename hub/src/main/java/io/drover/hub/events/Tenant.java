package io.drover.hub.events;

import io.drover.hub.quotas.Quota;

/**
 * Whose events these are, for fairness and quotas: a product (its devices' events), an account (the
 * events of its devices in no product, and those it publishes through the API) or the cloud (its own
 * events, and those of devices nobody owns). One object per tenant, looked up once per event; it holds
 * what the write path needs of the tenant, so that every decision about an event is O(1): its events
 * in the write queue, its quota's token bucket and day count, and its counts not yet flushed to
 * {@code event_tenant_days}. Used on the events verticle's event loop only.
 */
final class Tenant {

  enum Scope {
    ACCOUNT("account"), PRODUCT("product"), CLOUD("cloud");

    final String column;

    Scope(String column) {
      this.column = column;
    }
  }

  /** Indexes of {@link #pending} and {@link #flushing}: the columns of {@code event_tenant_days}. */
  static final int ACCEPTED = 0;
  static final int OVERLOADED = 1;
  static final int QUOTA_PER_SECOND = 2;
  static final int QUOTA_PER_DAY = 3;
  static final int COUNTS = 4;

  final Scope scope;
  final long id;
  /** Events of this tenant offered to the writer and not yet settled (written or dropped); see {@link EventWriter}. */
  int queued;
  private Quota quota;
  private double tokens = -1;
  private long refilledNanos;
  /** The cluster's accepted count for the current day, as read back at the last flush. */
  long dayStored;
  /** Counts since the last flush began, by column. */
  final long[] pending = new long[COUNTS];
  /** Counts of the flush under way, added back if it fails. */
  final long[] flushing = new long[COUNTS];
  /** The day (epoch day, UTC) this tenant last had an event: an idle tenant is forgotten the day after. */
  long lastActiveDay;

  Tenant(Scope scope, long id, Quota quota) {
    this.scope = scope;
    this.id = id;
    this.quota = quota;
  }

  Quota quota() {
    return quota;
  }

  void quota(Quota quota) {
    this.quota = quota;
  }

  /**
   * Checks the event against the quota, taking a token of the per-second quota when it passes. The
   * per-second quota is shared by the hub nodes: each holds a tenant to its part of it.
   *
   * @param hubs hub nodes in the cluster, at least 1
   * @return null when the event is within the quota, else the quota it breaks
   */
  Refusal takeQuota(long nowNanos, int hubs) {
    if (quota.perDay() > 0 && acceptedToday() >= quota.perDay()) {
      return Refusal.QUOTA_PER_DAY;
    }
    if (quota.perSecond() == 0) {
      return null;
    }
    double rate = (double) quota.perSecond() / hubs;
    double burst = Math.max(1, (double) quota.burst() / hubs);
    if (tokens < 0) {
      tokens = burst;
    } else {
      tokens = Math.min(burst, tokens + (nowNanos - refilledNanos) * rate / 1e9);
    }
    refilledNanos = nowNanos;
    if (tokens < 1) {
      return Refusal.QUOTA_PER_SECOND;
    }
    tokens -= 1;
    return null;
  }

  /** Gives back the token {@link #takeQuota} took, for an event refused after it (the queue was full). */
  void returnQuota() {
    if (quota.perSecond() > 0) {
      tokens += 1;
    }
  }

  /** The day's accepted events across the cluster, as far as this node knows. */
  long acceptedToday() {
    return dayStored + flushing[ACCEPTED] + pending[ACCEPTED];
  }

  void count(int column, long epochDay) {
    pending[column]++;
    lastActiveDay = epochDay;
  }

  boolean hasPending() {
    for (int i = 0; i < COUNTS; i++) {
      if (pending[i] != 0) {
        return true;
      }
    }
    return false;
  }

  boolean isFlushing() {
    for (int i = 0; i < COUNTS; i++) {
      if (flushing[i] != 0) {
        return true;
      }
    }
    return false;
  }

  /** For logs and quota messages: {@code account 42}, {@code product 1001}, {@code the cloud}. */
  @Override
  public String toString() {
    return scope == Scope.CLOUD ? "the cloud" : scope.column + " " + id;
  }
}
