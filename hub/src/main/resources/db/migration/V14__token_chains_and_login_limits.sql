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
