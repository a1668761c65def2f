-- Issue 15: refresh chains, the first administrator, and limits on password guessing.

-- A refresh chain is the tokens one sign-in led to, each issued by spending the previous one's
-- refresh token. chain_id is the jti of the chain's first token. A spent refresh token keeps its
-- hash and gets refreshed_at, so that spending it again is recognised (and revokes the chain)
-- rather than looking like a token that never existed.
ALTER TABLE access_tokens
  ADD COLUMN chain_id     text,
  ADD COLUMN refreshed_at timestamptz;
UPDATE access_tokens SET chain_id = jti;
ALTER TABLE access_tokens ALTER COLUMN chain_id SET NOT NULL;
CREATE INDEX access_tokens_by_chain ON access_tokens (chain_id);

-- The node's first administrator. Signing up never makes one: an operator does, with the bootstrap
-- admin token or `drover admin create`. The primary key admits one row, so two first administrators
-- made at the same moment cannot both succeed. Administrators made later by administrators leave
-- this row alone.
CREATE TABLE first_administrator (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  made_at   timestamptz NOT NULL DEFAULT now()
);
-- a node that made its first sign-up the administrator keeps that account as its first administrator
INSERT INTO first_administrator (user_id) SELECT id FROM users WHERE is_admin AND kind = 'person' ORDER BY id LIMIT 1;

-- Limits on password guessing and on sign-ups, shared by every hub node of a cluster. One row per
-- counted key ('login-account:...', 'login-address:...', 'create-address:...', ...; see AttemptLimits):
-- how many attempts, and when the last one came. Whether a key must wait is derived from the two.
CREATE TABLE login_attempts (
  key      text PRIMARY KEY,
  attempts integer NOT NULL CHECK (attempts >= 0),
  last_at  timestamptz NOT NULL
);
CREATE INDEX login_attempts_by_age ON login_attempts (last_at);

-- The client addresses each account signed in from lately: a guesser elsewhere holds the account
-- back everywhere but there. Keyed by the account's name as typed, as the counts are, so that a
-- name that names no account is treated exactly like one that does.
CREATE TABLE login_known_addresses (
  account         text NOT NULL,
  address         text NOT NULL,
  last_success_at timestamptz NOT NULL,
  PRIMARY KEY (account, address)
);
CREATE INDEX login_known_addresses_by_age ON login_known_addresses (last_success_at);
