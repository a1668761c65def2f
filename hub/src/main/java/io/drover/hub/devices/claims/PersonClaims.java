package io.drover.hub.devices.claims;

import io.drover.hub.devices.DeviceNames;
import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * A person's claim of a device ({@code POST /v1/devices {id}}, or a claim code the device reported):
 * the device must be no one else's, and, when it is in a product, the person a member of that
 * product's team; and the device must be online and have reported a claim code of this person
 * ({@code POST /v1/device_claims}), unless the person already owns it or is a node administrator. A
 * claim spends the claim codes the device reported. One statement, so that two claims at once cannot
 * both win.
 */
public final class PersonClaims {

  /** Answered when the proof is missing, whether the device is offline or reported no code: the answer tells no one which. */
  public static final String CLAIM_CODE_REQUIRED = "claim_code_required";

  /**
   * $1 device, $2 person, $3 a friendly name for an unnamed device, $4 the person is an administrator,
   * $5 the device has just reported one of the person's codes (it is online: the report came over its session).
   */
  private static final String CLAIM = """
      WITH claimed AS (
        UPDATE devices d SET owner_id = $2, name = coalesce(name, $3)
        WHERE id = $1 AND (owner_id IS NULL OR owner_id = $2)
          AND (product_id IS NULL OR $4
               OR EXISTS (SELECT 1 FROM product_members m WHERE m.product_id = d.product_id AND m.user_id = $2))
          AND ($4 OR owner_id = $2
               OR (($5 OR (SELECT k.online FROM device_connectivity k WHERE k.device_id = d.id)) AND EXISTS (SELECT 1 FROM claim_codes c
                    WHERE c.device_id = d.id AND c.user_id = $2 AND c.product_id IS NULL AND c.expires_at > now())))
        RETURNING id, name),
      spent AS (
        DELETE FROM claim_codes WHERE device_id = $1 AND EXISTS (SELECT 1 FROM claimed))
      SELECT k.online, claimed.name FROM claimed JOIN device_connectivity k ON k.device_id = claimed.id""";
  private static final String WHY_NOT = """
      SELECT d.owner_id, d.product_id,
             EXISTS (SELECT 1 FROM product_members m WHERE m.product_id = d.product_id AND m.user_id = $2)
      FROM devices d WHERE d.id = $1""";

  private final Pool pool;

  public PersonClaims(Pool pool) {
    this.pool = pool;
  }

  /**
   * @param proven the device has just reported a code of this person (see {@link ClaimCodeReports})
   * @return the claimed device's {@code online, name}, as the claim route answers them
   */
  public Future<Row> claim(String deviceId, long personId, boolean admin, boolean proven) {
    return claim(deviceId, personId, admin, proven, 0);
  }

  /** A claim gives an unnamed device a friendly name; a clash with another of the owner's names draws again. */
  private Future<Row> claim(String deviceId, long personId, boolean admin, boolean proven, int attempt) {
    return pool.preparedQuery(CLAIM)
        .execute(Tuple.of(deviceId, personId, DeviceNames.friendly(attempt), admin, proven))
        .transform(claimed -> {
          if (claimed.failed()) {
            return claimed.cause() instanceof PgException pg && "23505".equals(pg.getSqlState()) && attempt < 5
                ? claim(deviceId, personId, admin, proven, attempt + 1)
                : Future.failedFuture(claimed.cause());
          }
          if (claimed.result().size() == 1) {
            return Future.succeededFuture(claimed.result().iterator().next());
          }
          return pool.preparedQuery(WHY_NOT).execute(Tuple.of(deviceId, personId)).compose(rows -> {
            if (rows.size() == 0) {
              return Future.failedFuture(new ApiException(404, "not_found", "No device with this ID is registered"));
            }
            Row row = rows.iterator().next();
            Long owner = row.getLong(0);
            Integer product = row.getInteger(1);
            if (owner != null && owner != personId) {
              return Future.failedFuture(new ApiException(403, "forbidden", "That device belongs to someone else"));
            }
            if (product != null && !admin && !row.getBoolean(2)) {
              return Future.failedFuture(new ApiException(403, "forbidden", "That device is in product " + product
                  + ": only its team members and customers may claim it"));
            }
            return Future.failedFuture(claimCodeRequired());
          });
        });
  }

  /** The answer to a claim without proof. */
  public static ApiException claimCodeRequired() {
    return new ApiException(403, CLAIM_CODE_REQUIRED, "To be claimed, a device must be online and have reported a claim code of "
        + "yours: make one with POST /v1/device_claims and give it to the device (it publishes spark/device/claim/code)");
  }
}
