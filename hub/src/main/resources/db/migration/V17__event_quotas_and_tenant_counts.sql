-- Issue 16: no device, account or overload can hurt the fleet. The hub's event write path under
-- overload, and quotas per account and per product.

-- An administrator's quota for one account or one product (PUT /v1/admin/quotas/...), over the node's
-- defaults (quotas.account-* and quotas.product-*) field by field: a null field takes the default,
-- 0 is unlimited. Every hub node keeps these rows in memory and reloads one when it is told
-- (hub.quotas.changed).
CREATE TABLE event_quotas (
  user_id           bigint  UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  product_id        integer UNIQUE REFERENCES products (id) ON DELETE CASCADE,
  events_per_second integer CHECK (events_per_second >= 0),
  events_burst      integer CHECK (events_burst >= 0),
  events_per_day    bigint  CHECK (events_per_day >= 0),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK ((user_id IS NULL) <> (product_id IS NULL))
);

-- Events per tenant and UTC day: how many the hub accepted, and how many it refused, by reason. A
-- tenant is a product (its devices' events), an account (the events of its devices in no product, and
-- those it publishes through the API) or 'cloud' (tenant_id 0: the cloud's own events and those of
-- devices nobody owns). Every hub node adds its counts every quotas.flush-seconds and reads back the
-- day's accepted total, which is what the per-day quota is held against across the cluster. No foreign
-- key: the counts of a deleted account or product stay until they age out: after events.retention-days,
-- and never before 90 days (EventRetention).
CREATE TABLE event_tenant_days (
  scope                   text   NOT NULL CHECK (scope IN ('account', 'product', 'cloud')),
  tenant_id               bigint NOT NULL,
  day                     date   NOT NULL,
  accepted                bigint NOT NULL DEFAULT 0,
  refused_overloaded      bigint NOT NULL DEFAULT 0,
  refused_quota_per_second bigint NOT NULL DEFAULT 0,
  refused_quota_per_day   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, tenant_id, day)
);
CREATE INDEX event_tenant_days_by_day ON event_tenant_days (day);
