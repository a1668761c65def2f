-- Issue 15: what must not cross from one tenant to another.

-- The product a device was in when it published the event (null: in none), stamped by the hub as it
-- accepts the event, from the same in-memory directory that stamps owner_id. A product's replay and
-- history read by this column, never by the device's product now: a device's history in a product
-- starts when it joined that product, so a product that imports a device never reads what the device
-- published for its previous owner. Events stored before this column existed have none, so no product
-- replays them (the account routes, by owner_id, still do).
ALTER TABLE events ADD COLUMN product_id integer;
CREATE INDEX events_by_product ON events (product_id, id) WHERE product_id IS NOT NULL;

-- Wrong activation codes (private beta), counted per product across all its customers and per
-- customer, in the database so that every hub node of a cluster counts the same guesses. scope is
-- 'product' for the product's tally, or 'customer:<users.id>'; each tally counts from window_start for
-- its own window (ActivationCodeGuesses) and starts again after it.
CREATE TABLE activation_code_guesses (
  product_id   integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  scope        text NOT NULL,
  window_start timestamptz NOT NULL,
  wrong        integer NOT NULL,
  PRIMARY KEY (product_id, scope)
);
