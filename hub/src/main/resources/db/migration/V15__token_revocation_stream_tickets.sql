-- Issue 15, items 4 and 6.

-- Every token names a client row (TokenService.issue locks it while it writes the token, so that a
-- client deleted at the same moment cannot leave a token behind). API users' tokens are issued under
-- this built-in client; its secret is random and kept nowhere, so nobody can authenticate as it.
INSERT INTO oauth_clients (id, secret_hash, name, type)
VALUES ('drover-api-user', sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'Product API users', 'installed')
ON CONFLICT (id) DO NOTHING;

-- Deleting a client revokes the live tokens issued through it (TokenRevocation.issuedThrough).
CREATE INDEX access_tokens_by_client ON access_tokens (client_id);

-- Before this version, deleting a client left its tokens valid: revoke those of clients gone already.
UPDATE access_tokens t SET revoked_at = now(), refresh_hash = NULL
WHERE t.revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM oauth_clients c WHERE c.id = t.client_id);

-- Stream tickets (StreamTickets): what a browser's EventSource, which cannot send a header, puts in
-- the URL instead of an access token. Each opens the one stream it names, once, within a minute, as
-- the token that asked for it (so a revoked token's tickets die with it). Only the SHA-256 is kept.
CREATE TABLE stream_tickets (
  ticket_hash bytea PRIMARY KEY,
  token_id    text NOT NULL REFERENCES access_tokens (jti) ON DELETE CASCADE,
  path        text NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX stream_tickets_by_token ON stream_tickets (token_id);
CREATE INDEX stream_tickets_by_expiry ON stream_tickets (expires_at);
