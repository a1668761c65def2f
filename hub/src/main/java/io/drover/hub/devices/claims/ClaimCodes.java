package io.drover.hub.devices.claims;

import io.drover.hub.auth.Secrets;
import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Claim codes in the database: made for an account (or for a product, by a team member or one of its
 * customers), and bound to the device that reports one. A code is 32 random bytes in base64url (43
 * characters: Device OS keeps up to 63); only its SHA-256 is stored, so the table gives no one a code
 * to report. Codes live {@value #LIFETIME_HOURS} hours; an account holds at most
 * {@value #MAX_LIVE_PER_ACCOUNT} at once.
 */
public final class ClaimCodes {

  static final int LIFETIME_HOURS = 24;
  static final int MAX_LIVE_PER_ACCOUNT = 100;
  /** {@code device_ids} lists at most this many of the account's devices. */
  static final int MAX_DEVICE_IDS = 1000;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Taken first, so that two requests at once cannot both pass the cap. */
  private static final String LOCK_ACCOUNT = "SELECT 1 FROM users WHERE id = $1 FOR UPDATE";
  private static final String DROP_EXPIRED = "DELETE FROM claim_codes WHERE user_id = $1 AND expires_at <= now()";
  private static final String LIVE = "SELECT count(*) FROM claim_codes WHERE user_id = $1";
  private static final String INSERT = """
      INSERT INTO claim_codes (code_hash, user_id, product_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(hours => $4))""";
  private static final String OWN_DEVICES = "SELECT id FROM devices WHERE owner_id = $1 ORDER BY id LIMIT " + MAX_DEVICE_IDS;
  /**
   * Binds each reported code to its device, once: a code already bound (to this device or another),
   * expired or unknown binds nothing. Answers the new bindings with their account.
   */
  private static final String BIND = """
      WITH reported AS (SELECT * FROM unnest($1::text[], $2::bytea[]) AS r (device_id, code_hash)),
      bound AS (
        UPDATE claim_codes c SET device_id = r.device_id, reported_at = now()
        FROM reported r
        WHERE c.code_hash = r.code_hash AND c.device_id IS NULL AND c.expires_at > now()
          AND EXISTS (SELECT 1 FROM devices d WHERE d.id = r.device_id)
        RETURNING c.device_id, c.user_id, c.product_id)
      SELECT b.device_id, b.user_id, u.username, u.kind, b.product_id, u.product_id FROM bound b JOIN users u ON u.id = b.user_id""";

  private final Pool pool;

  public ClaimCodes(Pool pool) {
    this.pool = pool;
  }

  /** A code and the account's devices, as {@code POST /v1/device_claims} answers them. */
  public record Made(String code, List<String> deviceIds) {
  }

  /**
   * A code a device reported, bound to it: whose it is ({@code kind} as in users.kind, and the product
   * an API user or customer belongs to), and for which product it was made (null: none).
   */
  public record Binding(String deviceId, long userId, String username, String kind, Integer accountProductId, Integer productId) {
  }

  /** A code for the account, or for a product when {@code productId} is set; 429 past the account's cap. */
  public Future<Made> create(long userId, Integer productId) {
    String code = newCode();
    return pool.withTransaction(connection -> connection.preparedQuery(LOCK_ACCOUNT).execute(Tuple.of(userId))
        .compose(locked -> connection.preparedQuery(DROP_EXPIRED).execute(Tuple.of(userId)))
        .compose(dropped -> connection.preparedQuery(LIVE).execute(Tuple.of(userId)))
        .compose(live -> live.iterator().next().getLong(0) >= MAX_LIVE_PER_ACCOUNT
            ? Future.failedFuture(new ApiException(429, "too_many_claim_codes", "This account holds " + MAX_LIVE_PER_ACCOUNT
                + " unexpired claim codes already, the most it may; each expires " + LIFETIME_HOURS + " hours after it was made"))
            : connection.preparedQuery(INSERT).execute(Tuple.of(hash(code), userId, productId, LIFETIME_HOURS)))
        .compose(inserted -> connection.preparedQuery(OWN_DEVICES).execute(Tuple.of(userId)))
        .map(rows -> {
          List<String> ids = new ArrayList<>(rows.size());
          for (Row row : rows) {
            ids.add(row.getString(0));
          }
          return new Made(code, ids);
        }));
  }

  /**
   * Binds reported codes to their devices in one statement.
   *
   * @param deviceIds and {@code codes}: the reports, pairwise
   * @return the codes that were bound now (a code binds once)
   */
  Future<List<Binding>> bind(List<String> deviceIds, List<String> codes) {
    Buffer[] hashes = new Buffer[codes.size()];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = hash(codes.get(i));
    }
    return pool.preparedQuery(BIND).execute(Tuple.tuple().addArrayOfString(deviceIds.toArray(new String[0])).addArrayOfBuffer(hashes)).map(rows -> {
      List<Binding> bindings = new ArrayList<>(rows.size());
      for (Row row : rows) {
        bindings.add(new Binding(row.getString(0), row.getLong(1), row.getString(2), row.getString(3), row.getInteger(5), row.getInteger(4)));
      }
      return bindings;
    });
  }

  private static String newCode() {
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  private static Buffer hash(String code) {
    return Buffer.buffer(Secrets.sha256(code));
  }
}
