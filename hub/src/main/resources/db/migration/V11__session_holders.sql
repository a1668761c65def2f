-- Which session, on which gateway node, last opened for each device (see ConnectivityRecorder): a
-- "closed" applies only to that session, and when a node leaves the cluster the leader marks its
-- devices offline by gateway_node.
ALTER TABLE devices
  ADD COLUMN session_id   text,
  ADD COLUMN gateway_node text;
CREATE INDEX devices_online_by_gateway_node ON devices (gateway_node) WHERE online;
