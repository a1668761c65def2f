-- Issue 15: what must not cross from one tenant to another.

-- The product a device was in when it published the event (null: in none), stamped by the hub as it
-- accepts the event, from the same in-memory directory that stamps owner_id. A product's replay and
-- history read by this column, never by the device's product now: a device's history in a product
-- starts when it joined that product, so a product that imports a device never reads what the device
-- published for its previous owner. Events stored before this column existed have none, so no product
-- replays them (the account routes, by owner_id, still do).
ALTER TABLE events ADD COLUMN product_id integer;
CREATE INDEX events_by_product ON events (product_id, id) WHERE product_id IS NOT NULL;
