package io.drover.hub.sims;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The SIMs table and the data usage of each SIM. Every statement names the holder (an account or a
 * product: {@link Holder}), so a SIM of another one is never read nor changed through it.
 */
final class SimRepository {

  /** Whose SIMs: an account's (owner_id) or a product's (product_id). */
  record Holder(String column, long id) {

    static Holder account(long userId) {
      return new Holder("owner_id", userId);
    }

    static Holder product(int productId) {
      return new Holder("product_id", productId);
    }

    boolean product() {
      return column.equals("product_id");
    }
  }

  static final String COLUMNS = """
      s.iccid, s.owner_id, s.product_id, s.status, s.carrier, s.base_country_code, s.device_id, d.name AS device_name,
      s.last_device_id, ld.name AS last_device_name, s.mb_limit, s.activations_count, s.deactivations_count,
      s.first_activated_on, s.last_activated_on, s.last_status_change_action, s.updated_at, u.username AS owner""";
  static final String FROM = """
      sims s LEFT JOIN devices d ON d.id = s.device_id LEFT JOIN devices ld ON ld.id = s.last_device_id
      LEFT JOIN users u ON u.id = s.owner_id""";

  /** The SIMs named, locked for the rest of the import's transaction. */
  private static final String LOCK = "SELECT iccid, owner_id, product_id FROM sims WHERE iccid = ANY($1) FOR UPDATE";
  /** The devices SIMs moved to no longer keep another SIM: a device holds one. */
  private static final String DETACH = "UPDATE sims SET device_id = NULL, updated_at = now() WHERE device_id = ANY($1) AND NOT (iccid = ANY($2))";
  private static final String ATTACH = """
      UPDATE sims s SET device_id = n.device_id, last_device_id = n.device_id, updated_at = now()
      FROM unnest($1::text[], $2::text[]) AS n(iccid, device_id) WHERE s.iccid = n.iccid AND n.device_id IS NOT NULL
      RETURNING s.device_id, s.status""";

  private final Pool pool;

  SimRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Imports SIMs into {@code holder}, all or none: a SIM another account or product holds (409
   * {@code sim_taken}), or a device the holder does not hold (400 {@code invalid_device}), refuses the
   * import and nothing is stored. A SIM the holder has already stays, its device updated when one is given.
   *
   * @return the ICCIDs added and the ones the holder had already
   */
  Future<ImportOutcome> importSims(Holder holder, SimImport sims, String country) {
    String[] iccids = sims.iccids();
    String[] devices = sims.deviceIds();
    List<String> named = new ArrayList<>();
    for (String device : devices) {
      if (device != null) {
        named.add(device);
      }
    }
    return pool.withTransaction(connection -> checkDevices(connection, holder, named)
        .compose(checked -> connection.preparedQuery(LOCK).execute(Tuple.of((Object) iccids)))
        .compose(locked -> {
          Set<String> existing = new HashSet<>();
          JsonArray taken = new JsonArray();
          for (Row row : locked) {
            Object holderId = holder.product() ? row.getInteger("product_id") : row.getLong("owner_id");
            if (holderId != null && ((Number) holderId).longValue() == holder.id()) {
              existing.add(row.getString("iccid"));
            } else {
              taken.add(row.getString("iccid"));
            }
          }
          if (!taken.isEmpty()) {
            return Future.failedFuture(taken(taken));
          }
          java.util.Map<String, Boolean> blocks = new java.util.HashMap<>();
          return connection.preparedQuery(DETACH).execute(Tuple.of((Object) named.toArray(new String[0]), (Object) iccids))
              .compose(detached -> connection.preparedQuery("""
                  INSERT INTO sims (iccid, %s, device_id, last_device_id, base_country_code)
                  SELECT n.iccid, $3, n.device_id, n.device_id, $4 FROM unnest($1::text[], $2::text[]) AS n(iccid, device_id)
                  ON CONFLICT (iccid) DO NOTHING RETURNING iccid""".formatted(holder.column()))
                  .execute(Tuple.of((Object) iccids, (Object) devices, holder.id(), country)))
              .compose(inserted -> {
                List<String> added = new ArrayList<>();
                for (Row row : inserted) {
                  added.add(row.getString(0));
                }
                JsonArray raced = new JsonArray();
                for (String iccid : iccids) {
                  if (!existing.contains(iccid) && !added.contains(iccid)) {
                    raced.add(iccid);
                  }
                }
                if (!raced.isEmpty()) {
                  // another import took them between the lock and the insert: this one is rolled back
                  return Future.failedFuture(taken(raced));
                }
                return connection.preparedQuery(ATTACH).execute(Tuple.of((Object) iccids, (Object) devices))
                    .map(attached -> {
                      for (Row row : attached) {
                        blocks.put(row.getString(0), !"active".equals(row.getString(1)));
                      }
                      return new ImportOutcome(added, List.copyOf(existing), blocks);
                    });
              });
        }));
  }

  /** @param blocks the devices given, each with whether its SIM now refuses it (a SIM imported inactive) */
  record ImportOutcome(List<String> added, List<String> existing, java.util.Map<String, Boolean> blocks) {
  }

  private static ApiException taken(JsonArray iccids) {
    return new ApiException(409, "sim_taken", iccids.size() + " of the SIMs belong to another account or product; nothing was imported",
        new JsonObject().put("iccids", iccids));
  }

  private Future<Void> checkDevices(SqlConnection connection, Holder holder, List<String> devices) {
    if (devices.isEmpty()) {
      return Future.succeededFuture();
    }
    String[] wanted = devices.toArray(new String[0]);
    return connection.preparedQuery("SELECT id FROM devices WHERE id = ANY($1) AND %s = $2".formatted(holder.column()))
        .execute(Tuple.of((Object) wanted, holder.id()))
        .compose(rows -> {
          Set<String> held = new HashSet<>();
          for (Row row : rows) {
            held.add(row.getString(0));
          }
          JsonArray missing = new JsonArray();
          for (String device : devices) {
            if (!held.contains(device)) {
              missing.add(device);
            }
          }
          return missing.isEmpty() ? Future.<Void>succeededFuture() : Future.failedFuture(new ApiException(400, "invalid_device",
              missing.size() + " of the devices named are not " + (holder.product() ? "in this product" : "yours") + "; nothing was imported",
              new JsonObject().put("device_ids", missing)));
        });
  }

  /** One page of the holder's SIMs by ICCID, each filter a partial match; one more row than asked tells whether more follow. */
  Future<RowSet<Row>> list(Holder holder, String iccid, String deviceId, String deviceName, int page, int perPage) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM " + FROM + " WHERE s." + holder.column() + """
         = $1
          AND ($2::text IS NULL OR s.iccid LIKE '%' || $2 || '%')
          AND ($3::text IS NULL OR s.device_id LIKE '%' || lower($3) || '%')
          AND ($4::text IS NULL OR d.name ILIKE '%' || $4 || '%')
        ORDER BY s.iccid LIMIT $5 OFFSET $6""")
        .execute(Tuple.of(holder.id(), likeSafe(iccid), likeSafe(deviceId), likeSafe(deviceName), perPage + 1, (long) (page - 1) * perPage));
  }

  /** @return the row, or null when the holder has no such SIM */
  Future<Row> find(Holder holder, String iccid) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM " + FROM + " WHERE s.iccid = $1 AND s." + holder.column() + " = $2")
        .execute(Tuple.of(iccid, holder.id()))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** Who holds a SIM at all: {@code {owner_id, product_id, status}}, or null when no one does. */
  Future<Row> holderOf(String iccid) {
    return pool.preparedQuery("SELECT owner_id, product_id, status FROM sims WHERE iccid = $1").execute(Tuple.of(iccid))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /**
   * Moves the SIM to {@code status} as {@code action} did, and sets its limit when {@code mbLimit} is
   * given (0 clears it).
   *
   * @return the row after the change, or null when the holder has no such SIM
   */
  Future<Row> changeStatus(Holder holder, String iccid, String status, String action, Integer mbLimit) {
    return pool.preparedQuery("""
        UPDATE sims SET status = $3, last_status_change_action = $4,
          mb_limit = CASE WHEN $5::integer IS NULL THEN mb_limit WHEN $5 = 0 THEN NULL ELSE $5 END,
          activations_count = activations_count + CASE WHEN $3 = 'active' AND status <> 'active' THEN 1 ELSE 0 END,
          deactivations_count = deactivations_count + CASE WHEN $3 <> 'active' AND status = 'active' THEN 1 ELSE 0 END,
          last_activated_on = CASE WHEN $3 = 'active' AND status <> 'active' THEN now() ELSE last_activated_on END,
          updated_at = now()
        WHERE iccid = $1 AND %s = $2 RETURNING iccid""".formatted(holder.column()))
        .execute(Tuple.of(iccid, holder.id(), status, action, mbLimit))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture(null) : find(holder, iccid));
  }

  /** @return the SIM's device at release (null if none), or fails 404 when the holder has no such SIM */
  Future<String> release(Holder holder, String iccid) {
    return pool.preparedQuery("DELETE FROM sims WHERE iccid = $1 AND %s = $2 RETURNING device_id".formatted(holder.column()))
        .execute(Tuple.of(iccid, holder.id()))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new ApiException(404, "not_found", "No SIM " + iccid + " here"))
            : Future.succeededFuture(rows.iterator().next().getString(0)));
  }

  /** Bytes per day of one SIM from {@code from} on: rows (day, bytes). */
  Future<RowSet<Row>> usage(String iccid, LocalDate from) {
    return pool.preparedQuery("SELECT day, bytes_in + bytes_out FROM sim_data_usage WHERE iccid = $1 AND day >= $2 ORDER BY day")
        .execute(Tuple.of(iccid, from));
  }

  /** Bytes per day of a product's SIMs from {@code from} on, and how many of its SIMs count as active (paused ones included). */
  Future<FleetUsage> fleetUsage(int productId, LocalDate from) {
    Future<RowSet<Row>> days = pool.preparedQuery("""
        SELECT u.day, sum(u.bytes_in + u.bytes_out) FROM sim_data_usage u JOIN sims s ON s.iccid = u.iccid
        WHERE s.product_id = $1 AND u.day >= $2 GROUP BY u.day ORDER BY u.day""").execute(Tuple.of(productId, from));
    Future<RowSet<Row>> active = pool.preparedQuery("SELECT count(*) FROM sims WHERE product_id = $1 AND status IN ('active', 'inactive')")
        .execute(Tuple.of(productId));
    return Future.all(days, active).map(both -> new FleetUsage(days.result(), active.result().iterator().next().getLong(0)));
  }

  record FleetUsage(RowSet<Row> days, long activeSims) {
  }

  /** Devices whose SIM is not active: refused at connect. Read at start. */
  Future<List<String>> blockedDevices() {
    return pool.query("SELECT device_id FROM sims WHERE device_id IS NOT NULL AND status <> 'active'").execute().map(rows -> {
      List<String> devices = new ArrayList<>(rows.size());
      for (Row row : rows) {
        devices.add(row.getString(0));
      }
      return devices;
    });
  }

  /** A partial match's text with LIKE's wildcards taken literally; null for no filter. */
  private static String likeSafe(String given) {
    if (given == null || given.isBlank()) {
      return null;
    }
    return given.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
