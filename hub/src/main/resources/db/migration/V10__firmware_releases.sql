-- Product firmware (issue 8). The binary is kept in the row (bytea): every node of a cluster reads
-- the same database and no node has to share a file system; binaries are small (Particle caps them
-- at a few hundred kilobytes to a few megabytes), and the hub keeps the ones being delivered in memory.
CREATE TABLE product_firmware (
  product_id      integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  version         integer NOT NULL CHECK (version > 0),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
  description     text NOT NULL DEFAULT '',
  -- the uploaded file's name
  name            text NOT NULL,
  platform_id     integer NOT NULL,
  -- the binary's length, header included (kept apart so that listing never reads the binaries)
  size            integer NOT NULL,
  -- SHA-256 of the payload, as the binary's header states and the upload checked
  sha256          bytea NOT NULL,
  -- the whole binary, header included: what devices receive ("binary" is a reserved word)
  content         bytea NOT NULL,
  uploaded_by     bigint REFERENCES users (id) ON DELETE SET NULL,
  uploaded_on     timestamptz NOT NULL DEFAULT now(),
  product_default boolean NOT NULL DEFAULT false,
  -- set at the first release and never cleared: a firmware once released cannot be deleted
  released_at     timestamptz,
  PRIMARY KEY (product_id, version),
  UNIQUE (product_id, title)
);
CREATE UNIQUE INDEX product_firmware_one_default ON product_firmware (product_id) WHERE product_default;

-- Which firmware is released to each group: one release per group (the group's fw_version).
CREATE TABLE firmware_group_releases (
  product_id  integer NOT NULL,
  group_name  text NOT NULL,
  version     integer NOT NULL,
  released_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, group_name),
  FOREIGN KEY (product_id, group_name) REFERENCES device_groups (product_id, name) ON DELETE CASCADE ON UPDATE CASCADE,
  FOREIGN KEY (product_id, version) REFERENCES product_firmware (product_id, version)
);

-- A device locked to a version (firmware precedence rule 2); null when not locked.
ALTER TABLE devices ADD COLUMN desired_firmware_version integer;

-- Staged rollouts (hawkBit's idea, beyond Particle's): a release admitted to the fleet in batches of
-- batch_percent of the devices it targets. While not admitted, a device keeps the target the releases
-- before the rollout gave it (previous_default, previous_groups: {group: version}). A release or a
-- new rollout supersedes the product's rollout; only the newest unsuperseded one gates targeting.
CREATE TABLE firmware_rollouts (
  id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id                integer NOT NULL,
  version                   integer NOT NULL,
  batch_percent             integer NOT NULL CHECK (batch_percent BETWEEN 1 AND 100),
  failure_threshold_percent integer NOT NULL CHECK (failure_threshold_percent BETWEEN 0 AND 100),
  admitted_percent          integer NOT NULL CHECK (admitted_percent BETWEEN 0 AND 100),
  state                     text NOT NULL CHECK (state IN ('running', 'paused', 'halted', 'aborted', 'completed')),
  superseded                boolean NOT NULL DEFAULT false,
  previous_default          integer,
  previous_groups           jsonb NOT NULL DEFAULT '{}',
  created_at                timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (product_id, version) REFERENCES product_firmware (product_id, version) ON DELETE CASCADE
);
CREATE INDEX firmware_rollouts_by_product ON firmware_rollouts (product_id, id);

-- What each device of a rollout reported at the end of its update, with the batch it was admitted
-- in (the admitted_percent then): a batch whose failed share passes the threshold halts the rollout.
CREATE TABLE firmware_rollout_outcomes (
  rollout_id  bigint NOT NULL REFERENCES firmware_rollouts (id) ON DELETE CASCADE,
  device_id   text NOT NULL,
  batch       integer NOT NULL,
  succeeded   boolean NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rollout_id, device_id)
);

-- Off-the-shelf firmware (Tracker Edge releases): binaries an administrator adds for a platform
-- (their header names product 0, any product). A tracker product that has uploaded no firmware of
-- its own gets them in its list automatically (copied, off_the_shelf = true), so that they release
-- and deliver like its own; once it uploads its own, no more are added.
CREATE TABLE off_the_shelf_firmware (
  platform_id integer NOT NULL,
  version     integer NOT NULL CHECK (version > 0),
  title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '',
  size        integer NOT NULL,
  sha256      bytea NOT NULL,
  content     bytea NOT NULL,
  added_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform_id, version)
);
ALTER TABLE product_firmware ADD COLUMN off_the_shelf boolean NOT NULL DEFAULT false;
