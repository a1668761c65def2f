package io.drover.hub.devices.certificates;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** The device_certificates and product_device_cas tables (V13). */
public final class CertificateRepository {

  /** At most this many CAs per product: each is a trust anchor every certificate check may try. */
  static final int MAX_PRODUCT_CAS = 20;

  private final Pool pool;

  public CertificateRepository(Pool pool) {
    this.pool = pool;
  }

  /** What became of a registration. */
  public enum Registered {
    /** A new row. */
    CREATED,
    /** This device had it already: nothing changed. */
    ALREADY,
    /** This device had it, and it was revoked: it stays revoked. */
    REVOKED,
    /** Another device has it. */
    OTHER_DEVICE
  }

  /** Every known fingerprint: fingerprint, device_id, revoked. */
  Future<RowSet<Row>> allFingerprints() {
    return pool.query("SELECT fingerprint, device_id, revoked_at IS NOT NULL FROM device_certificates").execute();
  }

  /** One fingerprint's row (device_id, revoked), or null. */
  Future<Row> fingerprint(String fingerprint) {
    return pool.preparedQuery("SELECT device_id, revoked_at IS NOT NULL FROM device_certificates WHERE fingerprint = $1")
        .execute(Tuple.of(fingerprint))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** Every product CA: product_id, certificate (DER). */
  Future<RowSet<Row>> allProductCas() {
    return pool.query("SELECT product_id, certificate FROM product_device_cas").execute();
  }

  /** A product's CAs, oldest first: fingerprint, certificate, subject, not_after, created_at. */
  Future<RowSet<Row>> productCas(int productId) {
    return pool.preparedQuery("""
            SELECT fingerprint, certificate, subject, not_after, created_at FROM product_device_cas
            WHERE product_id = $1 ORDER BY created_at, fingerprint""")
        .execute(Tuple.of(productId));
  }

  /** @param added false when the product had the CA already */
  record ProductCa(OffsetDateTime createdAt, boolean added) {
  }

  /**
   * Adds a CA to a product unless it has it already or has {@link #MAX_PRODUCT_CAS}.
   *
   * @return when the product got the CA and whether it is new; null when the product is full
   */
  Future<ProductCa> addProductCa(int productId, String fingerprint, byte[] der, String subject, OffsetDateTime notAfter, Long createdBy) {
    return pool.preparedQuery("""
            WITH existing AS (SELECT created_at FROM product_device_cas WHERE product_id = $1 AND fingerprint = $2),
                 added AS (
                   INSERT INTO product_device_cas (product_id, fingerprint, certificate, subject, not_after, created_by)
                   SELECT $1, $2, $3, $4, $5, $6
                   WHERE NOT EXISTS (SELECT 1 FROM existing)
                     AND (SELECT count(*) FROM product_device_cas WHERE product_id = $1) < $7
                   ON CONFLICT (product_id, fingerprint) DO NOTHING
                   RETURNING created_at)
            SELECT created_at, false FROM existing UNION ALL SELECT created_at, true FROM added""")
        .execute(Tuple.from(new Object[] {productId, fingerprint, Buffer.buffer(der), subject, notAfter, createdBy, MAX_PRODUCT_CAS}))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row row = rows.iterator().next();
          return new ProductCa(row.getOffsetDateTime(0), row.getBoolean(1));
        });
  }

  /** @return whether the product had that CA */
  Future<Boolean> removeProductCa(int productId, String fingerprint) {
    return pool.preparedQuery("DELETE FROM product_device_cas WHERE product_id = $1 AND fingerprint = $2")
        .execute(Tuple.of(productId, fingerprint))
        .map(result -> result.rowCount() == 1);
  }

  /**
   * The device as an access check needs it: id, owner_id, product_id, and the caller's role in its
   * product (null when none); null when there is no such device.
   */
  Future<Row> deviceAccess(String deviceId, Long userId) {
    return pool.preparedQuery("""
            SELECT d.id, d.owner_id, d.product_id, m.role FROM devices d
            LEFT JOIN product_members m ON m.product_id = d.product_id AND m.user_id = $2
            WHERE d.id = $1""")
        .execute(Tuple.of(deviceId, userId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** A device's certificates and revoked fingerprints, oldest first: fingerprint, certificate, created_at, revoked_at. */
  Future<RowSet<Row>> deviceCertificates(String deviceId) {
    return pool.preparedQuery("""
            SELECT fingerprint, certificate, created_at, revoked_at FROM device_certificates
            WHERE device_id = $1 ORDER BY created_at, fingerprint""")
        .execute(Tuple.of(deviceId));
  }

  /** One row as {@link #deviceCertificates} reads it, or null. */
  Future<Row> deviceCertificate(String fingerprint) {
    return pool.preparedQuery("SELECT fingerprint, certificate, created_at, revoked_at, device_id FROM device_certificates WHERE fingerprint = $1")
        .execute(Tuple.of(fingerprint))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** Registers a certificate to a device: see {@link Registered} for what an existing row means. */
  Future<Registered> register(String fingerprint, String deviceId, byte[] der, OffsetDateTime notAfter) {
    return register(pool, fingerprint, deviceId, der, notAfter);
  }

  /** As {@link #register(String, String, byte[], OffsetDateTime)}, in a transaction of the caller's. */
  public static Future<Registered> register(SqlClient client, String fingerprint, String deviceId, byte[] der, OffsetDateTime notAfter) {
    return client.preparedQuery("""
            WITH added AS (
              INSERT INTO device_certificates (fingerprint, device_id, certificate, not_after) VALUES ($1, $2, $3, $4)
              ON CONFLICT (fingerprint) DO NOTHING
              RETURNING device_id, revoked_at, true AS created)
            SELECT device_id, revoked_at, created FROM added
            UNION ALL
            SELECT device_id, revoked_at, false FROM device_certificates WHERE fingerprint = $1 AND NOT EXISTS (SELECT 1 FROM added)""")
        .execute(Tuple.of(fingerprint, deviceId, Buffer.buffer(der), notAfter))
        .compose(rows -> {
          if (rows.size() == 0) {
            // a concurrent registration committed after this statement's snapshot: read it now
            return register(client, fingerprint, deviceId, der, notAfter);
          }
          Row row = rows.iterator().next();
          if (row.getBoolean(2)) {
            return Future.succeededFuture(Registered.CREATED);
          }
          if (!deviceId.equals(row.getString(0))) {
            return Future.succeededFuture(Registered.OTHER_DEVICE);
          }
          return Future.succeededFuture(row.getValue(1) == null ? Registered.ALREADY : Registered.REVOKED);
        });
  }

  /**
   * Revokes a fingerprint of a device: its registered certificate, or, with {@code unregistered}, a
   * certificate never registered (a row of the fingerprint alone). Revoking twice keeps the first time.
   *
   * @return the device the fingerprint belongs to and when it was revoked; null when it is unknown
   *     (and {@code unregistered} is false); another device's when it belongs to another device (then
   *     nothing changed)
   */
  Future<Revocation> revoke(String fingerprint, String deviceId, boolean unregistered) {
    Future<RowSet<Row>> revoked = unregistered
        ? pool.preparedQuery("""
                INSERT INTO device_certificates (fingerprint, device_id, revoked_at) VALUES ($1, $2, now())
                ON CONFLICT (fingerprint) DO UPDATE SET revoked_at = coalesce(device_certificates.revoked_at, now())
                  WHERE device_certificates.device_id = EXCLUDED.device_id
                RETURNING device_id, revoked_at, certificate IS NOT NULL""")
            .execute(Tuple.of(fingerprint, deviceId))
        : pool.preparedQuery("""
                UPDATE device_certificates SET revoked_at = coalesce(revoked_at, now())
                WHERE fingerprint = $1 AND device_id = $2
                RETURNING device_id, revoked_at, certificate IS NOT NULL""")
            .execute(Tuple.of(fingerprint, deviceId));
    return revoked.compose(rows -> {
      if (rows.size() == 1) {
        Row row = rows.iterator().next();
        return Future.succeededFuture(new Revocation(row.getString(0), row.getOffsetDateTime(1), row.getBoolean(2)));
      }
      return fingerprint(fingerprint).map(other -> other == null ? null : new Revocation(other.getString(0), null, true));
    });
  }

  /**
   * @param revokedAt null when nothing was revoked (the fingerprint is another device's)
   * @param registered whether the row holds the certificate (false: a fingerprint revoked unseen)
   */
  record Revocation(String deviceId, OffsetDateTime revokedAt, boolean registered) {
  }

  static OffsetDateTime utc(java.util.Date date) {
    return date.toInstant().atOffset(ZoneOffset.UTC);
  }
}
