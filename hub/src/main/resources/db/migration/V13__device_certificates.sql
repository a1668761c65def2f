-- X.509 device identities (issue 14). A device presenting a certificate is identified either by the
-- certificate's SHA-256 fingerprint registered here, or by the subject CN of a certificate chained to
-- a trusted device CA: the node's own, the operator's (devices.ca-file), or its product's (below).
--
-- device_certificates: one row per fingerprint (lower-case hex of the SHA-256 of the DER). A row
-- with the certificate registers it to its device; revoked_at set refuses the fingerprint from then on.
-- A certificate issued by a device CA that was never registered is revoked by its fingerprint alone:
-- a row without certificate (and without not_after), revoked from the start.
CREATE TABLE device_certificates (
  fingerprint text PRIMARY KEY CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  device_id   text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  certificate bytea,
  not_after   timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  CHECK ((certificate IS NULL) = (not_after IS NULL)),
  CHECK (certificate IS NOT NULL OR revoked_at IS NOT NULL)
);
CREATE INDEX device_certificates_by_device ON device_certificates (device_id, created_at);

-- A product's own device CAs: a certificate chained to one identifies a device of that product only.
CREATE TABLE product_device_cas (
  product_id  integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  certificate bytea NOT NULL,
  subject     text NOT NULL,
  not_after   timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
  PRIMARY KEY (product_id, fingerprint)
);
