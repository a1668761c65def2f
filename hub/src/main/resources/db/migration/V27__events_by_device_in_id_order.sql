-- events_by_device keys a device's rows by id, the order every reader of a device's events wants: an
-- account's or a product's history narrowed to a device (newest first, paged by id), and a device's
-- stream replay (an id range). Keyed by (device_id, published_at) it could give them in no id order
-- (ids come in blocks per node, so id order is not time order across nodes), and the planner walked
-- the primary key backwards instead, filtering every newer row of every other device. The same key
-- width and one B-tree as before, so an insert costs what it did.
--
-- The one reader that wants a device's rows by time, a product device's last spark/flash/status
-- (FirmwareRepository), gets its own partial index: it holds the flash status rows only, a few per
-- OTA update, so it costs nothing for the rest.
--
-- Declared on the partitioned table, so every partition has them, those made later included. The
-- builds read every retained partition, in this migration's transaction (migrations run before a node
-- takes events): docs/operations.md, "Upgrading".
DROP INDEX events_by_device;
CREATE INDEX events_by_device ON events (device_id, id);
CREATE INDEX events_flash_status ON events (device_id, published_at) WHERE name = 'spark/flash/status';
