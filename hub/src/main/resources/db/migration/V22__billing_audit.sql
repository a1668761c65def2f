-- Billing and SIMs: the audit's gaps (docs/operations.md, "Billing" and "SIMs").

-- A test gateway token is bound to the account that made it: a token another account learns is refused
-- (TestGateway.describe). Tokens made before this migration are bound to the account whose card they
-- are; any other is bound to no one and refused.
ALTER TABLE test_gateway_cards ADD COLUMN owner_id bigint REFERENCES users (id) ON DELETE CASCADE;
UPDATE test_gateway_cards c SET owner_id = a.user_id FROM billing_accounts a WHERE a.card_token = c.token;

-- The plan a billing period began on: the closed period's events (included events, overage rate) are
-- priced with it, whatever plan the product is on when the period is closed. A plan change takes effect
-- at once for the price (prorated) and the limits, and for the event allowance at the next period.
ALTER TABLE product_billing ADD COLUMN period_plan text;
UPDATE product_billing b SET period_plan = p.plan FROM products p WHERE p.id = b.product_id;

CREATE OR REPLACE FUNCTION product_billing_start() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO product_billing (product_id, anchor_at, period_start, period_end, period_plan)
  VALUES (NEW.id, NEW.created_at, NEW.created_at, NEW.created_at + CASE
    WHEN (SELECT period FROM billing_plans WHERE name = NEW.plan) = 'yearly' THEN interval '1 year' ELSE interval '1 month' END, NEW.plan);
  RETURN NULL;
END $$;
