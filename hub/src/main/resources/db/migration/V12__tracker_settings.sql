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
