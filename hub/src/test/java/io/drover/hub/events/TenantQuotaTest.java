package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.drover.hub.quotas.Quota;
import org.junit.jupiter.api.Test;

/**
 * A tenant's quota as one hub node holds it: its part of the per-second quota (the quota divided by
 * the cluster's hub nodes, so that the nodes together allow about the quota), and the day's total
 * across the cluster. Time is given, so nothing here depends on the machine's speed.
 */
class TenantQuotaTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void eachOfTwoHubNodesAllowsHalfTheRateAndHalfTheBurst() {
    Tenant tenant = new Tenant(Tenant.Scope.ACCOUNT, 7, new Quota(10, 20, 0));

    assertEquals(10, taken(tenant, 100, 0, 2), "half the burst at once");
    assertEquals(5, taken(tenant, 100, SECOND, 2), "half the rate a second later");
    assertEquals(Refusal.QUOTA_PER_SECOND, tenant.takeQuota(SECOND, 2));
  }

  @Test
  void aRefusalAfterTheQuotaGivesItsTokenBack() {
    Tenant tenant = new Tenant(Tenant.Scope.PRODUCT, 1001, new Quota(1, 1, 0));

    assertNull(tenant.takeQuota(0, 1));
    tenant.returnQuota();

    assertNull(tenant.takeQuota(0, 1), "the event refused for the full queue did not use the quota up");
    assertEquals(Refusal.QUOTA_PER_SECOND, tenant.takeQuota(0, 1));
  }

  @Test
  void theDailyQuotaCountsWhatTheClusterStoredAndWhatThisNodeHasNotFlushedYet() {
    Tenant tenant = new Tenant(Tenant.Scope.ACCOUNT, 7, new Quota(0, 0, 5));
    tenant.dayStored = 3;
    tenant.flushing[Tenant.ACCEPTED] = 1;

    assertNull(tenant.takeQuota(0, 3));
    tenant.count(Tenant.ACCEPTED, 0);

    assertEquals(Refusal.QUOTA_PER_DAY, tenant.takeQuota(0, 3));
  }

  @Test
  void anUnlimitedQuotaRefusesNothing() {
    Tenant tenant = new Tenant(Tenant.Scope.ACCOUNT, 7, Quota.UNLIMITED);

    assertEquals(1000, taken(tenant, 1000, 0, 1));
  }

  private static int taken(Tenant tenant, int tries, long nowNanos, int hubs) {
    int taken = 0;
    for (int i = 0; i < tries; i++) {
      if (tenant.takeQuota(nowNanos, hubs) == null) {
        taken++;
      }
    }
    return taken;
  }
}
