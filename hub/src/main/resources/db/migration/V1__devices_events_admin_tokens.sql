-- Devices: the identity a gateway authenticates, and what the cloud knows of the device's sessions.
CREATE TABLE devices (
  id                text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{24}$'),
  -- 16 bytes of salt followed by SHA-256(salt || secret); see DeviceSecrets for why not a slow hash
  secret_hash       bytea NOT NULL,
  name              text,
  notes             text,
  platform_id       integer,
  online            boolean NOT NULL DEFAULT false,
  last_heard        timestamptz,
  last_handshake_at timestamptz,
  last_ip_address   text,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- Events, append-only. device_id is not a foreign key: events outlive a removed device, cloud events
-- carry 'api', and the batch insert on the hot path should not pay for a lookup per row.
CREATE TABLE events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id    text NOT NULL,
  name         text NOT NULL,
  data         text,
  published_at timestamptz NOT NULL,
  ttl          integer NOT NULL,
  public       boolean NOT NULL
);
CREATE INDEX events_by_device ON events (device_id, published_at);
-- Rows arrive in time order, so a BRIN index on time is tiny and serves range scans and pruning.
CREATE INDEX events_by_time ON events USING brin (published_at);

-- Bootstrap admin tokens: only the SHA-256 of each is kept; the token itself is shown once.
CREATE TABLE admin_tokens (
  id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
