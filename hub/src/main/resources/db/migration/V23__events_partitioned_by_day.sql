-- Events partitioned by time, one partition per UTC day of published_at, so that the retention drops
-- a whole day's partition (no dead rows, no vacuum, no WAL for each row) instead of deleting rows one
-- by one. Days: the retention is set in days (events.retention-days, 1 to 36,500; 30 by default), so a
-- day is the finest width it can use, and about 30 partitions at the default is few enough for the
-- planner; published_at is stamped by the gateway or the hub as the event arrives (the node's clock),
-- so rows arrive in day order and a day's partition is written for one day only.
--
-- A DEFAULT partition takes any row no day partition holds (a node's clock far off, an event published
-- before its day's partition was made): an event is never refused for its time. The hub's upkeep
-- (EventPartitions, run by the node that leads the cluster's once-only work) makes the partitions of
-- today and the next days ahead, moving any rows of such a day out of DEFAULT as it does, and the
-- retention (EventRetention) drops the partitions entirely past the cutoff.
--
-- The primary key is (id, published_at): a unique key of a partitioned table must hold the partition
-- key. Ids stay unique by construction (each node takes them from blocks of the sequence, EventIds), and
-- a batch written again after a lost commit answer still finds its rows by ON CONFLICT (id, published_at),
-- as a row keeps its id and its time. The ids come from events_id_seq, a plain sequence owned by
-- events.id (pg_get_serial_sequence finds it) rather than an identity column, which PostgreSQL allows on
-- a partitioned table only from version 17 on (external servers from 13 are supported); it continues the
-- old identity sequence where it was, with the same increment (the block size).
--
-- Every row is copied once, in this migration's transaction: nothing writes events meanwhile (migrations
-- run before a node takes events; every hub node runs this version before it is started again).
ALTER TABLE events RENAME TO events_unpartitioned;
ALTER INDEX events_pkey RENAME TO events_unpartitioned_pkey;
ALTER INDEX events_by_device RENAME TO events_unpartitioned_by_device;
ALTER INDEX events_by_time RENAME TO events_unpartitioned_by_time;
ALTER INDEX events_by_owner RENAME TO events_unpartitioned_by_owner;
ALTER INDEX events_by_product RENAME TO events_unpartitioned_by_product;

DO $$
DECLARE
  old_sequence regclass := pg_get_serial_sequence('events_unpartitioned', 'id')::regclass;
  increment bigint;
  last bigint;
  called boolean;
BEGIN
  SELECT seqincrement INTO increment FROM pg_sequence WHERE seqrelid = old_sequence;
  EXECUTE format('SELECT last_value, is_called FROM %s', old_sequence) INTO last, called;
  EXECUTE format('ALTER SEQUENCE %s RENAME TO events_unpartitioned_id_seq', old_sequence);
  EXECUTE format('CREATE SEQUENCE events_id_seq AS bigint INCREMENT BY %s', increment);
  PERFORM setval('events_id_seq', last, called);
END $$;

CREATE TABLE events (
  id           bigint NOT NULL DEFAULT nextval('events_id_seq'),
  device_id    text NOT NULL,
  name         text NOT NULL,
  data         text,
  published_at timestamptz NOT NULL,
  ttl          integer NOT NULL,
  public       boolean NOT NULL,
  owner_id     bigint,
  product_id   integer
) PARTITION BY RANGE (published_at);
ALTER SEQUENCE events_id_seq OWNED BY events.id;

CREATE TABLE events_default PARTITION OF events DEFAULT;

-- A partition for each day that has rows, up to the days ahead the hub makes (EventPartitions.DAYS_AHEAD),
-- and for today and those days; rows further ahead stay in DEFAULT until their day comes near.
DO $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  day date;
BEGIN
  FOR day IN
    SELECT DISTINCT (published_at AT TIME ZONE 'UTC')::date FROM events_unpartitioned
    WHERE published_at < (today + 4)::timestamp AT TIME ZONE 'UTC'
    UNION
    SELECT today + ahead FROM generate_series(0, 3) AS ahead
  LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', 'events_' || to_char(day, 'YYYYMMDD'),
        day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
  END LOOP;
END $$;

INSERT INTO events (id, device_id, name, data, published_at, ttl, public, owner_id, product_id)
SELECT id, device_id, name, data, published_at, ttl, public, owner_id, product_id FROM events_unpartitioned;

DROP TABLE events_unpartitioned;

-- Built after the copy (one build per partition, faster than keeping them up row by row); declared on
-- the parent, so every partition has them, those made later included.
ALTER TABLE events ADD PRIMARY KEY (id, published_at);
CREATE INDEX events_by_device ON events (device_id, published_at);
-- Rows arrive in time order, so a BRIN index on time is tiny and serves range scans within a partition.
CREATE INDEX events_by_time ON events USING brin (published_at);
-- History for an account, newest first, paged by id (GET /v1/history/events), and a resumed stream.
CREATE INDEX events_by_owner ON events (owner_id, id);
CREATE INDEX events_by_product ON events (product_id, id) WHERE product_id IS NOT NULL;
