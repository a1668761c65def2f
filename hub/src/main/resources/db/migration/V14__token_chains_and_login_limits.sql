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
