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
