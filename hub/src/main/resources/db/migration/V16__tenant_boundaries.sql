-- Issue 15: what must not cross from one tenant to another.

-- The product a device was in when it published the event (null: in none), stamped by the hub as it
-- accepts the event, from the same in-memory directory that stamps owner_id. A product's replay and
-- history read by this column, never by the device's product now: a device's history in a product
-- starts when it joined that product, so a product that imports a device never reads what the device
-- published for its previous owner. Events stored before this column existed have none, so no product
-- replays them (the account routes, by owner_id, still do).
ALTER TABLE events ADD COLUMN product_id integer;
CREATE INDEX events_by_product ON events (product_id, id) WHERE product_id IS NOT NULL;

-- Wrong activation codes (private beta), counted per product across all its customers and per
-- customer, in the database so that every hub node of a cluster counts the same guesses. scope is
-- 'product' for the product's tally, or 'customer:<users.id>'; each tally counts from window_start for
-- its own window (ActivationCodeGuesses) and starts again after it.
CREATE TABLE activation_code_guesses (
  product_id   integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  scope        text NOT NULL,
  window_start timestamptz NOT NULL,
  wrong        integer NOT NULL,
  PRIMARY KEY (product_id, scope)
);

-- Claim codes (POST /v1/device_claims, POST /v1/products/:pid/device_claims): what a device reports to
-- prove that whoever holds it means it for an account or a product. Only the SHA-256 of a code is kept.
-- product_id is set for a product's code (a team member's: the device may be imported; a customer's:
-- the customer may claim it). device_id is the device that reported the code (its spark/device/claim/code
-- event): a code binds to the first device that reports it and is spent when that device is claimed or
-- imported with it.
CREATE TABLE claim_codes (
  code_hash   bytea PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  product_id  integer REFERENCES products (id) ON DELETE CASCADE,
  device_id   text REFERENCES devices (id) ON DELETE CASCADE,
  reported_at timestamptz,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claim_codes_by_user ON claim_codes (user_id);
CREATE INDEX claim_codes_by_device ON claim_codes (device_id) WHERE device_id IS NOT NULL;

-- Email verification (Login with Drover links a person to a product's customer by the person's email,
-- so the person must have shown that the address is theirs). A person's username is their email
-- address; email_verified_at is when they opened a link mailed to it. Only the SHA-256 of a link's
-- token is kept; email is the address the link was mailed to, which must still be the username.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
CREATE TABLE email_verifications (
  token_hash bytea PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  email      text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_verifications_by_user ON email_verifications (user_id, created_at);
