-- Devices in a product: the indexes that let one product's list of 1,000,000 devices be searched,
-- sorted and paged without reading the product's rows, a per-product device count kept by triggers,
-- and the denial list of devices removed from a product.

-- Every sort of the product device list is a key that is never null (so that keyset paging compares
-- plain values) followed by the ID, in the "C" collation (byte order: prefix search with LIKE can use
-- the same index, and the order does not depend on the server's locale). ProductDeviceQuery writes
-- these exact expressions; an index serves a query only when the expressions match.
CREATE INDEX devices_product_by_id ON devices (product_id, (id COLLATE "C")) WHERE product_id IS NOT NULL;
CREATE INDEX devices_product_by_name ON devices (product_id, (lower(coalesce(name, '')) COLLATE "C"), (id COLLATE "C"))
  WHERE product_id IS NOT NULL;
CREATE INDEX devices_product_by_last_heard ON devices (product_id, (coalesce(last_heard, '-infinity'::timestamptz)), (id COLLATE "C"))
  WHERE product_id IS NOT NULL;
CREATE INDEX devices_product_by_firmware ON devices (product_id, (coalesce(firmware_version, -1)), (id COLLATE "C"))
  WHERE product_id IS NOT NULL;
CREATE INDEX devices_product_by_serial ON devices (product_id, (coalesce(serial_number, '') COLLATE "C"))
  WHERE product_id IS NOT NULL;
-- the group filter starts from a group's members: (product_id, group_name, device_id) is the V6 key

-- How many devices each product holds, so that the list's total needs no count over a million rows.
-- Statement-level triggers with transition tables: a bulk import adds its rows once per statement,
-- where a row-level trigger would update the same counter row once per device (and a long chain of
-- row versions inside one transaction makes each update slower than the last). The update trigger
-- fires for every UPDATE of devices (PostgreSQL allows no column list with transition tables); when
-- no product_id moved it aggregates the batch and writes nothing.
CREATE TABLE product_device_counts (
  product_id integer PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
  devices    bigint NOT NULL DEFAULT 0
);

CREATE FUNCTION product_device_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO product_device_counts AS c (product_id, devices)
      SELECT n.product_id, count(*) FROM new_rows n
      WHERE n.product_id IS NOT NULL AND EXISTS (SELECT 1 FROM products p WHERE p.id = n.product_id)
      GROUP BY n.product_id
    ON CONFLICT (product_id) DO UPDATE SET devices = c.devices + excluded.devices;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE product_device_counts c SET devices = c.devices - o.gone
      FROM (SELECT product_id, count(*) AS gone FROM old_rows WHERE product_id IS NOT NULL GROUP BY product_id) o
      WHERE c.product_id = o.product_id;
  ELSE
    WITH delta AS (
      SELECT product_id, sum(change) AS change FROM (
        SELECT product_id, 1 AS change FROM new_rows WHERE product_id IS NOT NULL
        UNION ALL
        SELECT product_id, -1 AS change FROM old_rows WHERE product_id IS NOT NULL) moves
      GROUP BY product_id HAVING sum(change) <> 0)
    INSERT INTO product_device_counts AS c (product_id, devices)
      SELECT d.product_id, d.change FROM delta d WHERE EXISTS (SELECT 1 FROM products p WHERE p.id = d.product_id)
    ON CONFLICT (product_id) DO UPDATE SET devices = c.devices + excluded.devices;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER devices_count_inserted AFTER INSERT ON devices REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION product_device_counts_apply();
CREATE TRIGGER devices_count_deleted AFTER DELETE ON devices REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION product_device_counts_apply();
CREATE TRIGGER devices_count_updated AFTER UPDATE ON devices REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION product_device_counts_apply();

-- Devices removed from a product. A removed device that still runs the product's firmware reports the
-- product ID at its handshake; while it is listed here it does not rejoin the product by itself (see
-- ProductDenials). Importing the device again lifts the denial.
CREATE TABLE product_device_denials (
  product_id integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  device_id  text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  denied_by  bigint REFERENCES users (id) ON DELETE SET NULL,
  denied_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, device_id)
);
CREATE INDEX product_device_denials_by_device ON product_device_denials (device_id);
