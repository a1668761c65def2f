-- A device may authenticate CoAP over DTLS with an ECDSA P-256 raw public key (RFC 7250) instead of
-- its secret: the DER SubjectPublicKeyInfo registered for it. One device per key.
ALTER TABLE devices ADD COLUMN public_key bytea UNIQUE;
