-- events_by_owner holds the events that have an owner only. Every query that reads it names an owner
-- (owner_id = $n: an account's history, a resumed stream), which the planner proves implies
-- owner_id IS NOT NULL, so the partial index serves them all as the full one did. What it no longer
-- holds is an entry (NULL, id) for each event of a device without an owner: the spark/status online
-- and offline of every connect and disconnect of an unclaimed device (a product's fleet, say), and
-- every event such a device publishes. Each of those rows now costs a B-tree insert and its WAL record
-- less (about a fifth of the row's WAL: docs/benchmarks.md, "PostgreSQL's work per connect").
--
-- Declared on the partitioned table, so every partition has it, those made later included. The
-- build reads every partition once, in this migration's transaction (migrations run before a node
-- takes events), as V23's did.
DROP INDEX events_by_owner;
CREATE INDEX events_by_owner ON events (owner_id, id) WHERE owner_id IS NOT NULL;
