package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertSame;

import io.drover.hub.quotas.Quota;
import io.drover.hub.quotas.QuotaSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A tenant as {@code event_tenant_days} names it is the one events count against. A product's name
 * once resolved to no tenant (overload resolution picked this very lookup again, with no scope, and it
 * threw), which failed every flush of the day's counts with a product in it after the counts were
 * stored: TenantCounts kept them and added them again at the next flush, so the stored usage of every
 * tenant in such a flush grew by its events again and again, and the node logged a warning per flush.
 */
class TenantsTest {

  private final Tenants tenants = new Tenants(new QuotaSettings(Quota.UNLIMITED, Quota.UNLIMITED, Duration.ofSeconds(1)));

  @Test
  void eachStoredNameIsTheTenantItsEventsCountAgainst() {
    assertSame(tenants.of(null, Integer.valueOf(1001)), tenants.of("product", 1001));
    assertSame(tenants.of(Long.valueOf(42), null), tenants.of("account", 42));
    assertSame(tenants.cloud(), tenants.of("cloud", 0));
  }
}
