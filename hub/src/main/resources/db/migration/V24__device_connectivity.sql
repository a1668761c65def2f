-- A device's connectivity (online, its session and gateway node, last IP address, handshake and
-- last heard) in a narrow table of its own. Every connect and disconnect, and every batch of events,
-- updated these columns in devices: a wide row with eleven indexes, one of them (the product list by
-- last heard) over last_heard and one (the offline sweep's) over online, and the statement-level
-- trigger devices_count_updated, which copies the old and new rows of every UPDATE of devices into
-- transition tables. Here an update of a device's connectivity writes a short row with three indexes
-- and fires no trigger.
--
-- Every device has its row: inserted with the device (devices_connectivity_inserted, one statement
-- for a whole bulk insert) and removed with it (ON DELETE CASCADE).
--
-- product_id is a copy of devices.product_id, for the product device list sorted by last heard
-- (ProductDeviceQuery.Sort.LAST_HEARD): one index holds the product, the time and the ID, so a page of
-- a 1,000,000-device product is read from the index alone. devices_connectivity_product keeps it exact
-- on every change of devices.product_id, whatever statement makes it (a move, an import, an approval,
-- a removal, a product's deletion setting it to null).
--
-- No fillfactor below 100: every update here changes an indexed value (a connect or disconnect sets
-- online, gateway_node and last_heard; an event batch sets last_heard, which the product list's index
-- holds), so none can be a heap-only tuple update and free room in the pages would only be wasted.
CREATE TABLE device_connectivity (
  device_id         text PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  product_id        integer,
  online            boolean NOT NULL DEFAULT false,
  session_id        text,
  gateway_node      text,
  last_ip_address   text,
  last_handshake_at timestamptz,
  last_heard        timestamptz
);

INSERT INTO device_connectivity (device_id, product_id, online, session_id, gateway_node, last_ip_address, last_handshake_at, last_heard)
  SELECT id, product_id, online, session_id, gateway_node, last_ip_address, last_handshake_at, last_heard FROM devices;

-- The same expressions as the V8 index it replaces: ProductDeviceQuery writes them.
CREATE INDEX device_connectivity_product_by_last_heard
  ON device_connectivity (product_id, (coalesce(last_heard, '-infinity'::timestamptz)), (device_id COLLATE "C"))
  WHERE product_id IS NOT NULL;
-- The offline sweep: the devices a gateway node held.
CREATE INDEX device_connectivity_online_by_gateway_node ON device_connectivity (gateway_node) WHERE online;

-- Dropping the columns drops devices_product_by_last_heard and devices_online_by_gateway_node.
ALTER TABLE devices
  DROP COLUMN online,
  DROP COLUMN session_id,
  DROP COLUMN gateway_node,
  DROP COLUMN last_ip_address,
  DROP COLUMN last_handshake_at,
  DROP COLUMN last_heard;

CREATE FUNCTION device_connectivity_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO device_connectivity (device_id, product_id) SELECT id, product_id FROM new_rows;
  RETURN NULL;
END $$;

CREATE TRIGGER devices_connectivity_inserted AFTER INSERT ON devices REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION device_connectivity_insert();

-- Row level, and only for rows whose product_id changed: an UPDATE of devices that moves no device
-- (a rename, a firmware version) does not fire it.
CREATE FUNCTION device_connectivity_product() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE device_connectivity SET product_id = NEW.product_id WHERE device_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER devices_connectivity_product AFTER UPDATE OF product_id ON devices
  FOR EACH ROW WHEN (OLD.product_id IS DISTINCT FROM NEW.product_id)
  EXECUTE FUNCTION device_connectivity_product();
