-- Accounts. The username is an email address, kept in lower case.
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username = lower(username)),
  -- "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>"; see Passwords
  password_hash text NOT NULL,
  is_admin      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- OAuth clients. Built-in ones (owner_id null) are those the official tools use; their secrets are
-- public by design (particle-cli/particle-cli), so they identify a tool, not a person.
CREATE TABLE oauth_clients (
  id          text PRIMARY KEY,
  secret_hash bytea NOT NULL,
  name        text NOT NULL,
  type        text NOT NULL CHECK (type IN ('installed', 'web')),
  owner_id    bigint REFERENCES users (id) ON DELETE CASCADE,
  redirect_uri text,
  scope       text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Every access token issued. The token itself is a signed JWT naming its jti; this row makes it
-- revocable, and holds the SHA-256 of its refresh token.
CREATE TABLE access_tokens (
  jti          text PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  client_id    text NOT NULL,
  scope        text NOT NULL,
  expires_at   timestamptz NOT NULL,
  refresh_hash bytea UNIQUE,
  revoked_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_tokens_by_user ON access_tokens (user_id);

-- The key that signs access tokens: made on first start, shared by every node of a cluster.
CREATE TABLE signing_keys (
  id         integer PRIMARY KEY,
  secret     bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE devices
  ADD COLUMN owner_id  bigint REFERENCES users (id) ON DELETE SET NULL,
  ADD COLUMN functions jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN variables jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN cellular  boolean NOT NULL DEFAULT false,
  ADD COLUMN serial_number text,
  ADD COLUMN iccid text,
  ADD COLUMN imei text,
  ADD COLUMN system_firmware_version text,
  ADD COLUMN firmware_version integer,
  ADD COLUMN product_id integer;
CREATE INDEX devices_by_owner ON devices (owner_id);
-- Names are unique per owner, whatever their case.
CREATE UNIQUE INDEX devices_name_per_owner ON devices (owner_id, lower(name)) WHERE owner_id IS NOT NULL AND name IS NOT NULL;

-- Who may see an event on a stream: the owner of the publishing device when it was published, or the
-- account that published it through the API.
ALTER TABLE events ADD COLUMN owner_id bigint;

-- The clients the official tools use, with the public secrets those tools send.
INSERT INTO oauth_clients (id, secret_hash, name, type) VALUES
  ('particle-api', sha256('particle-api'::bytea), 'particle-api-js', 'installed'),
  ('particle-cli', sha256('particle-cli'::bytea), 'particle-cli', 'installed'),
  ('drover-console', sha256('drover-console'::bytea), 'Drover Console', 'installed');
