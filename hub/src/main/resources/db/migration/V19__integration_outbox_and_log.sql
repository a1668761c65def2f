-- Issue 18: the webhook delivery engine's durable outbox, its delivery log and hourly counts.
--
-- One outbox row per (accepted event, integration it matched), written by the event writer in the
-- same statement as the event itself, so an acknowledged event (PUBACK, 2.04) implies its rows. The
-- event's fields are read from events at claim time (a row holds no copy of the data). A hub node
-- claims due rows with FOR UPDATE SKIP LOCKED and a lease (claimed_by, lease_until); a node that
-- dies leaves its rows to be claimed again once the lease has run out. The accepting node writes its
-- rows already claimed by itself when it has room to deliver them at once (no claim round trip).
-- A delivered row is deleted; a failed one comes due again after its back-off; one whose retries are
-- spent stays as a dead letter (dead = true) until replayed or pruned by the retention.
--
-- No foreign key to integrations in these three tables, on purpose: an integration deleted between the
-- moment an event matched it (in memory) and the event's commit would fail the events' own INSERT
-- (23503) and so lose the event. Rows of a deleted integration are dropped by the engine when it meets
-- them and by the retention job.
CREATE TABLE integration_outbox (
  event_id       bigint NOT NULL,
  integration_id text   NOT NULL,
  attempts       integer NOT NULL DEFAULT 0,
  due_at         timestamptz NOT NULL DEFAULT now(),
  claimed_by     text,
  lease_until    timestamptz,
  dead           boolean NOT NULL DEFAULT false,
  last_error     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, integration_id)
);
-- what the claim scans: live rows by due time
CREATE INDEX integration_outbox_due ON integration_outbox (due_at) WHERE NOT dead;
CREATE INDEX integration_outbox_dead ON integration_outbox (integration_id, created_at) WHERE dead;

-- Each delivery attempt (the delivery log). request holds the request line and headers with secret
-- header values masked; response the first KiB of the answer.
CREATE TABLE integration_attempts (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  integration_id text NOT NULL,
  event_id       bigint NOT NULL,
  attempt        integer NOT NULL,
  at             timestamptz NOT NULL,
  outcome        text NOT NULL CHECK (outcome IN ('success', 'error', 'retry', 'dead', 'skipped')),
  request        text,
  status         integer,
  latency_ms     integer,
  response       text,
  error          text
);
CREATE INDEX integration_attempts_by_integration ON integration_attempts (integration_id, at DESC);
CREATE INDEX integration_attempts_by_time ON integration_attempts USING brin (at);

-- Counts per integration per UTC hour: Particle's success / error / skipped (disabled) / throttled
-- ("sleep"). Each hub node adds what it counted every few seconds.
CREATE TABLE integration_counts (
  integration_id text NOT NULL,
  hour           timestamptz NOT NULL,
  success        bigint NOT NULL DEFAULT 0,
  error          bigint NOT NULL DEFAULT 0,
  skipped        bigint NOT NULL DEFAULT 0,
  throttled      bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (integration_id, hour)
);
