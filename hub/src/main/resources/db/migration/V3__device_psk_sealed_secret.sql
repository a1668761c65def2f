-- The device secret itself, sealed with the node's master key (AES-256-GCM, see SecretSealer), for
-- DTLS PSK: a handshake needs the key, not a hash of it. Null for devices registered before this
-- migration: they keep MQTT, and need a new registration to use CoAP over DTLS with PSK.
ALTER TABLE devices ADD COLUMN sealed_secret bytea;
