package io.drover.hub.events;

import io.drover.hub.quotas.Quota;
import io.drover.hub.quotas.QuotaOverride;
import io.drover.hub.quotas.QuotaSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The tenants this hub node has seen events of, with the quota each is held to: the node's default
 * for its kind, or an administrator's override. A tenant idle for a whole UTC day is forgotten; so the
 * maps hold the accounts and products active lately, no more. Used on the events verticle's event
 * loop only.
 */
final class Tenants {

  private final QuotaSettings defaults;
  private final Map<Long, Tenant> accounts = new HashMap<>();
  private final Map<Integer, Tenant> products = new HashMap<>();
  private final Tenant cloud = new Tenant(Tenant.Scope.CLOUD, 0, Quota.UNLIMITED);
  private final Map<Long, QuotaOverride> accountOverrides = new HashMap<>();
  private final Map<Integer, QuotaOverride> productOverrides = new HashMap<>();

  Tenants(QuotaSettings defaults) {
    this.defaults = defaults;
  }

  /**
   * The tenant of an event: its product, else its account, else the cloud's shared bucket. Called per
   * event with the boxed IDs stamped on it, so a lookup allocates nothing.
   */
  Tenant of(Long ownerId, Integer productId) {
    if (productId != null) {
      Tenant tenant = products.get(productId);
      if (tenant == null) {
        tenant = new Tenant(Tenant.Scope.PRODUCT, productId, quotaOfProduct(productId));
        products.put(productId, tenant);
      }
      return tenant;
    }
    if (ownerId != null) {
      Tenant tenant = accounts.get(ownerId);
      if (tenant == null) {
        tenant = new Tenant(Tenant.Scope.ACCOUNT, ownerId, quotaOfAccount(ownerId));
        accounts.put(ownerId, tenant);
      }
      return tenant;
    }
    return cloud;
  }

  /** The shared bucket: the cloud's own events (spark/status, firmware events) and unowned devices'. */
  Tenant cloud() {
    return cloud;
  }

  /** A tenant as {@code event_tenant_days} names it. */
  Tenant of(String scope, long id) {
    return switch (scope) {
      // boxed on purpose: of(null, (int) id) would pick of(String, long), this method, with no scope
      case "account" -> of(Long.valueOf(id), null);
      case "product" -> of(null, Integer.valueOf((int) id));
      default -> cloud;
    };
  }

  /** An administrator's override for an account, or null for none: applied at once to the tenant. */
  void overrideAccount(long accountId, QuotaOverride override) {
    if (override == null) {
      accountOverrides.remove(accountId);
    } else {
      accountOverrides.put(accountId, override);
    }
    Tenant tenant = accounts.get(accountId);
    if (tenant != null) {
      tenant.quota(quotaOfAccount(accountId));
    }
  }

  void overrideProduct(int productId, QuotaOverride override) {
    if (override == null) {
      productOverrides.remove(productId);
    } else {
      productOverrides.put(productId, override);
    }
    Tenant tenant = products.get(productId);
    if (tenant != null) {
      tenant.quota(quotaOfProduct(productId));
    }
  }

  /** Every tenant known, the cloud's included: for the flush, which walks them every few seconds. */
  List<Tenant> all() {
    List<Tenant> all = new ArrayList<>(accounts.size() + products.size() + 1);
    all.addAll(accounts.values());
    all.addAll(products.values());
    all.add(cloud);
    return all;
  }

  /**
   * A new UTC day: every day count starts again, and tenants with no event since before
   * {@code yesterday}, nothing queued and nothing left to flush are forgotten.
   */
  void newDay(long yesterday) {
    cloud.dayStored = 0;
    forgetIdle(accounts.values().iterator(), yesterday);
    forgetIdle(products.values().iterator(), yesterday);
  }

  private static void forgetIdle(Iterator<Tenant> tenants, long yesterday) {
    while (tenants.hasNext()) {
      Tenant tenant = tenants.next();
      tenant.dayStored = 0;
      if (tenant.lastActiveDay < yesterday && tenant.queued == 0 && !tenant.hasPending() && !tenant.isFlushing()) {
        tenants.remove();
      }
    }
  }

  private Quota quotaOfAccount(long accountId) {
    QuotaOverride override = accountOverrides.get(accountId);
    return override == null ? defaults.account() : override.over(defaults.account());
  }

  private Quota quotaOfProduct(int productId) {
    QuotaOverride override = productOverrides.get(productId);
    return override == null ? defaults.product() : override.over(defaults.product());
  }
}
