-- Issue 18: integrations (webhooks, Azure IoT Hub, Google Cloud Pub/Sub). One row per integration of
-- an account's sandbox (user_id) or of a product (product_id), never both.
--
-- settings holds the integration as Particle's API spells it (url, requestType, json, form, body,
-- query, responseTopic, errorResponseTopic, responseTemplate, noDefaults, rejectUnauthorized,
-- unchunked, name, and the type's own keys such as topic or hub_name), WITHOUT its secrets. The
-- secrets (the keys auth, headers, and a type's keys such as policy_key or the service-account key)
-- are one JSON object sealed with the node's master key (SecretSealer, the integration's id as
-- associated data) in sealed_secrets; null when there are none. event and device_id are columns of
-- their own because every hub node matches events against them in memory (reloaded on
-- hub.integrations.changed).
CREATE TABLE integrations (
  id               text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{24}$'),
  user_id          bigint  REFERENCES users (id) ON DELETE CASCADE,
  product_id       integer REFERENCES products (id) ON DELETE CASCADE,
  integration_type text NOT NULL CHECK (integration_type IN ('Webhook', 'AzureIotHub', 'GoogleCloudPubSub')),
  -- an event-name prefix, case-sensitive, at least one character (Particle's rule)
  event            text NOT NULL CHECK (length(event) BETWEEN 1 AND 64),
  -- only events of this device trigger it (the API's deviceID, deviceId or deviceid); null: all in scope
  device_id        text CHECK (device_id IS NULL OR device_id ~ '^[0-9a-f]{24}$'),
  settings         jsonb NOT NULL,
  sealed_secrets   bytea,
  -- Particle's "disabled" (set by the user): no delivery while true; events that match are counted as skipped
  disabled         boolean NOT NULL DEFAULT false,
  created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((user_id IS NULL) <> (product_id IS NULL))
);

CREATE INDEX integrations_user ON integrations (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX integrations_product ON integrations (product_id) WHERE product_id IS NOT NULL;
