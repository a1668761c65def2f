-- Which session, on which gateway node, last opened for each device (see ConnectivityRecorder): a
-- "closed" applies only to that session, and when a node leaves the cluster the leader marks its
-- devices offline by gateway_node.
ALTER TABLE devices
  ADD COLUMN session_id   text,
  ADD COLUMN gateway_node text;
CREATE INDEX devices_online_by_gateway_node ON devices (gateway_node) WHERE online;

-- Fingerprints (SHA-256 of a domain tag and the key) of keys every hub node must share: a node started
-- with another master key refuses to start instead of sealing secrets the others cannot open.
CREATE TABLE key_fingerprints (
  name        text PRIMARY KEY,
  fingerprint bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
