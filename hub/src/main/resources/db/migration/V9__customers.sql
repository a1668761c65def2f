-- Customers (issue 7): a product's OAuth clients, private-beta activation codes, and the codes of
-- "Login with Drover" (OAuth 2 authorization code, RFC 6749 section 4.1).

-- A product's clients: its customers' apps and servers authenticate with them. owner_id stays null
-- (the client belongs to the product, not to the team member who made it).
ALTER TABLE oauth_clients ADD COLUMN product_id integer REFERENCES products (id) ON DELETE CASCADE;
CREATE INDEX oauth_clients_by_product ON oauth_clients (product_id) WHERE product_id IS NOT NULL;

-- A customer made without a password (two-legged auth, or Login with Drover) has this in
-- users.password_hash: no PBKDF2 hash has this shape, so no password ever matches it.
COMMENT ON COLUMN users.password_hash IS 'pbkdf2-sha256$...; ''none'' for a customer without a password';

-- Private beta: 4-character codes the team hands out; a claim by a customer spends one. Kept in the
-- clear on purpose (the team lists them to hand them out); unique within a product.
CREATE TABLE activation_codes (
  product_id integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  code       text NOT NULL CHECK (code ~ '^[A-Z0-9]{4}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz,
  used_by    bigint REFERENCES users (id) ON DELETE SET NULL,
  device_id  text,
  PRIMARY KEY (product_id, code)
);

-- Authorization codes: single use (the exchange deletes the row), short-lived, only their SHA-256 kept.
-- redirect_uri is what the authorization request named (null if it named none): the exchange must
-- repeat it (RFC 6749 section 4.1.3).
CREATE TABLE authorization_codes (
  code_hash    bytea PRIMARY KEY,
  client_id    text NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
  customer_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  redirect_uri text,
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
