-- The hub numbers events as it accepts them, so a live stream can send each event's id (SSE "id:")
-- before its batch is written: one nextval reserves a block of 10,000 ids (EventIds). A block left
-- unused at a restart is a gap in the numbering, never a clash.
ALTER TABLE events ALTER COLUMN id SET INCREMENT BY 10000;

-- History for an account, newest first, paged by id (GET /v1/history/events), and a resumed stream.
CREATE INDEX events_by_owner ON events (owner_id, id);

-- Events delivered to stream subscribers, per account and billing period (a calendar month, UTC),
-- added to in batches by the API instances; billing reads it.
CREATE TABLE event_usage (
  owner_id  bigint NOT NULL,
  period    date   NOT NULL,
  delivered bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (owner_id, period)
);
