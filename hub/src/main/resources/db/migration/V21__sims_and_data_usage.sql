-- Issue 19, SIMs: the SIM cards of an account or a product, and the bytes their devices moved per day.
-- A SIM belongs to an account (owner_id) or to a product (product_id), never both: a product's SIM is
-- the team's. Its device (device_id) is the one it was imported with; that device is then "cellular":
-- its sessions are metered into sim_data_usage and refused while the SIM is not active.
CREATE TABLE sims (
  iccid                     text PRIMARY KEY CHECK (iccid ~ '^[0-9]{19,20}$'),
  owner_id                  bigint REFERENCES users (id) ON DELETE CASCADE,
  product_id                integer REFERENCES products (id) ON DELETE CASCADE,
  -- particle-api-js's values: 'deactivated' by a person, 'inactive' paused at its data limit
  status                    text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'deactivated')),
  carrier                   text NOT NULL DEFAULT 'drover',
  base_country_code         text,
  device_id                 text REFERENCES devices (id) ON DELETE SET NULL,
  -- what device_id was last, kept when the device goes (Particle's last_device_id)
  last_device_id            text,
  -- megabytes (10^6 bytes) a calendar month (UTC); null: no limit
  mb_limit                  integer CHECK (mb_limit IS NULL OR mb_limit > 0),
  activations_count         integer NOT NULL DEFAULT 1,
  deactivations_count       integer NOT NULL DEFAULT 0,
  first_activated_on        timestamptz NOT NULL DEFAULT now(),
  last_activated_on         timestamptz NOT NULL DEFAULT now(),
  last_status_change_action text NOT NULL DEFAULT 'activate',
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  CHECK ((owner_id IS NULL) <> (product_id IS NULL))
);
CREATE UNIQUE INDEX sims_device ON sims (device_id) WHERE device_id IS NOT NULL;
CREATE INDEX sims_owner ON sims (owner_id, iccid) WHERE owner_id IS NOT NULL;
CREATE INDEX sims_product ON sims (product_id, iccid) WHERE product_id IS NOT NULL;

-- Bytes on the wire (MQTT or DTLS, headers included) per SIM per UTC day, summed from the gateways'
-- periodic batches: one upsert per batch, never one per packet.
CREATE TABLE sim_data_usage (
  iccid     text NOT NULL REFERENCES sims (iccid) ON DELETE CASCADE,
  day       date NOT NULL,
  bytes_in  bigint NOT NULL DEFAULT 0,
  bytes_out bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (iccid, day)
);
