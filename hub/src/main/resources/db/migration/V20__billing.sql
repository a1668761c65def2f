-- Issue 19: billing as real accounting over the node's own metering (docs/architecture.md, "Billing").
-- Money is integer cents with a currency. Invoices and their lines are immutable once issued: only
-- their payment state (status, attempts, next attempt, paid_at) changes, and triggers refuse the rest.

-- The plans of billing.plans-file (or the built-in ones), written by every hub node at start-up so that
-- SQL can join a product's plan (products.plan, V6) to its limits. Plans are configuration: the rows are
-- a copy, never edited through the API.
CREATE TABLE billing_plans (
  name            text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  label           text NOT NULL,
  device_limit    integer NOT NULL CHECK (device_limit > 0),
  team_limit      integer CHECK (team_limit > 0),
  included_events bigint NOT NULL CHECK (included_events >= 0),
  price_cents     bigint NOT NULL CHECK (price_cents >= 0),
  overage_cents_per_1000_events bigint NOT NULL DEFAULT 0 CHECK (overage_cents_per_1000_events >= 0),
  currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  period          text NOT NULL CHECK (period IN ('monthly', 'yearly')),
  self_service    boolean NOT NULL
);

-- Each product's billing period, anchored at its creation: period n runs from anchor + n x the plan's
-- length to anchor + (n + 1) x it (computed from the anchor, so a period starting on the 31st does not
-- drift to the 28th). A change between a monthly and a yearly plan re-anchors at the current period's end.
CREATE TABLE product_billing (
  product_id    integer PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
  anchor_at     timestamptz NOT NULL,
  period_number integer NOT NULL DEFAULT 0,
  period_start  timestamptz NOT NULL,
  period_end    timestamptz NOT NULL,
  CHECK (period_end > period_start)
);
CREATE INDEX product_billing_by_end ON product_billing (period_end);

CREATE FUNCTION product_billing_start() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO product_billing (product_id, anchor_at, period_start, period_end)
  VALUES (NEW.id, NEW.created_at, NEW.created_at, NEW.created_at + CASE
    WHEN (SELECT period FROM billing_plans WHERE name = NEW.plan) = 'yearly' THEN interval '1 year' ELSE interval '1 month' END);
  RETURN NULL;
END $$;
CREATE TRIGGER products_billing_started AFTER INSERT ON products FOR EACH ROW EXECUTE FUNCTION product_billing_start();

-- products made before billing: their current period, counted from their creation
INSERT INTO product_billing (product_id, anchor_at, period_number, period_start, period_end)
SELECT p.id, p.created_at, m.n, p.created_at + m.n * interval '1 month', p.created_at + (m.n + 1) * interval '1 month'
FROM products p,
     LATERAL (SELECT (extract(year FROM age(now(), p.created_at)) * 12 + extract(month FROM age(now(), p.created_at)))::integer AS n) m;

-- Plan changes take effect at once; the difference in price for the rest of the period is a proration
-- adjustment that the period's invoice takes (invoice_id set then).
CREATE TABLE billing_adjustments (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id   integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  description  text NOT NULL,
  amount_cents bigint NOT NULL,
  currency     text NOT NULL,
  created_at   timestamptz NOT NULL,
  invoice_id   bigint
);
CREATE INDEX billing_adjustments_open ON billing_adjustments (product_id) WHERE invoice_id IS NULL;

-- Outbound events (deliveries to stream subscribers, as event_usage counts them per account) per
-- product and UTC day; a billing period sums the days from its start's date to its end's date. No
-- foreign key: the counts of a deleted product stay with its invoices.
CREATE TABLE product_event_usage (
  product_id integer NOT NULL,
  day        date    NOT NULL,
  delivered  bigint  NOT NULL DEFAULT 0,
  PRIMARY KEY (product_id, day)
);

-- Devices in each product's fleet per UTC day: the most the leader's billing pass saw that day.
CREATE TABLE product_device_days (
  product_id integer NOT NULL,
  day        date    NOT NULL,
  devices    bigint  NOT NULL,
  PRIMARY KEY (product_id, day)
);

-- Who pays: a product's owner. The card as the payment gateway described it; never its number.
-- locked_at: the account is locked after billing.max-attempts failed charges (nothing is deleted).
CREATE TABLE billing_accounts (
  user_id        bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  card_brand     text,
  card_last4     text CHECK (card_last4 ~ '^[0-9]{4}$'),
  card_exp_month integer CHECK (card_exp_month BETWEEN 1 AND 12),
  card_exp_year  integer,
  card_token     text,
  card_updated_at timestamptz,
  locked_at      timestamptz
);
CREATE INDEX billing_accounts_locked ON billing_accounts (user_id) WHERE locked_at IS NOT NULL;

-- One invoice per product and closed period; the plan's price is for the next period (paid in advance,
-- as the Console guide says), usage over the plan's included events and the period's prorations for the
-- one that closed. No foreign keys to products or users: an invoice outlives them.
CREATE TABLE invoices (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id      integer NOT NULL,
  product_name    text NOT NULL,
  owner_id        bigint NOT NULL,
  plan            text NOT NULL,
  period_start    timestamptz NOT NULL,
  period_end      timestamptz NOT NULL,
  currency        text NOT NULL,
  total_cents     bigint NOT NULL,
  issued_at       timestamptz NOT NULL,
  due_at          timestamptz NOT NULL,
  -- the payment state, the only columns that change after issue
  status          text NOT NULL CHECK (status IN ('open', 'paid', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  paid_at         timestamptz,
  UNIQUE (product_id, period_start)
);
CREATE INDEX invoices_due ON invoices (next_attempt_at) WHERE status = 'open';
CREATE INDEX invoices_by_owner ON invoices (owner_id, id);

CREATE TABLE invoice_lines (
  invoice_id   bigint  NOT NULL REFERENCES invoices (id),
  position     integer NOT NULL,
  kind         text    NOT NULL CHECK (kind IN ('plan', 'devices', 'events', 'team', 'proration')),
  description  text    NOT NULL,
  quantity     bigint  NOT NULL,
  amount_cents bigint  NOT NULL,
  PRIMARY KEY (invoice_id, position)
);

CREATE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'an issued invoice is never deleted' USING ERRCODE = 'DR002';
  END IF;
  IF (NEW.product_id, NEW.product_name, NEW.owner_id, NEW.plan, NEW.period_start, NEW.period_end,
      NEW.currency, NEW.total_cents, NEW.issued_at, NEW.due_at) IS DISTINCT FROM (OLD.product_id, OLD.product_name, OLD.owner_id,
      OLD.plan, OLD.period_start, OLD.period_end, OLD.currency, OLD.total_cents, OLD.issued_at, OLD.due_at) THEN
    RAISE EXCEPTION 'an issued invoice is immutable' USING ERRCODE = 'DR002';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_immutable();
CREATE FUNCTION invoice_lines_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'an issued invoice''s lines are immutable' USING ERRCODE = 'DR002';
END $$;
CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON invoice_lines FOR EACH ROW EXECUTE FUNCTION invoice_lines_immutable();

-- Every charge attempt and what the gateway said.
CREATE TABLE payment_attempts (
  invoice_id  bigint  NOT NULL REFERENCES invoices (id),
  attempt     integer NOT NULL,
  at          timestamptz NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('succeeded', 'declined', 'failed', 'no_card')),
  message     text NOT NULL,
  reference   text,
  PRIMARY KEY (invoice_id, attempt)
);

-- The built-in test gateway's own store (billing.gateway=test): what a token stands for. It keeps the
-- behaviour its test card number chose, never the number.
CREATE TABLE test_gateway_cards (
  token      text PRIMARY KEY,
  brand      text NOT NULL,
  last4      text NOT NULL,
  exp_month  integer NOT NULL,
  exp_year   integer NOT NULL,
  behaviour  text NOT NULL CHECK (behaviour IN ('succeed', 'fail_charges')),
  created_at timestamptz NOT NULL DEFAULT now()
);
