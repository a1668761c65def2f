-- Asset Tracker settings (issue 9). Both tables hold only the fields someone set, as
-- {section: {field: value}} (TrackerSettings); a device's effective settings are the defaults, then
-- its product's fleet settings, then, for a development device only, its own.
CREATE TABLE tracker_fleet_config (
  product_id integer PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
  settings   jsonb NOT NULL DEFAULT '{}',
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by bigint REFERENCES users (id) ON DELETE SET NULL
);

-- Per-device settings. Kept when a device stops being a development device (they apply again if it
-- becomes one), dropped when it leaves the product or is removed.
CREATE TABLE tracker_device_config (
  device_id  text PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  product_id integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  settings   jsonb NOT NULL DEFAULT '{}',
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX tracker_device_config_by_product ON tracker_device_config (product_id);

-- What each tracker device says it runs and what was last sent to it, written in batches by
-- ConfigSyncRecorder. Whether it is in sync is decided when asked, against the effective settings:
-- reported = effective is in sync; sent = effective is pending (awaiting cfg/ack); else stale.
CREATE TABLE tracker_config_sync (
  device_id         text PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  reported_checksum text,
  reported_at       timestamptz,
  sent_checksum     text,
  sent_at           timestamptz
);

-- Locations published by tracker devices (event "loc", console-guide.md "Data Usage"), written in
-- batches by LocationRecorder. `at` is the device's fix time (its "time", else the publish time).
CREATE TABLE tracker_locations (
  device_id   text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  product_id  integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  loc         jsonb NOT NULL,
  trig        jsonb NOT NULL DEFAULT '[]',
  req_id      bigint
);
CREATE INDEX tracker_locations_by_device ON tracker_locations (device_id, at DESC);
CREATE INDEX tracker_locations_by_product ON tracker_locations (product_id, at DESC);

-- Each device's last known location (the latest `at` wins, whatever the arrival order).
CREATE TABLE tracker_last_locations (
  device_id   text PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  product_id  integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  lat         double precision NOT NULL,
  lon         double precision NOT NULL,
  loc         jsonb NOT NULL,
  trig        jsonb NOT NULL DEFAULT '[]',
  req_id      bigint
);
CREATE INDEX tracker_last_locations_by_product ON tracker_last_locations (product_id, device_id);
