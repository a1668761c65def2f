package io.drover.hub.firmware;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** Product firmware in PostgreSQL: the uploads, their releases and device locks. */
public final class FirmwareRepository {

  private static final String SELECT = """
      SELECT f.version, f.title, f.description, f.name, f.size, f.product_default, f.uploaded_on, f.product_id,
             u.username, f.platform_id, encode(f.sha256, 'hex'), f.released_at,
             coalesce((SELECT array_agg(g.group_name ORDER BY g.group_name) FROM firmware_group_releases g
                       WHERE g.product_id = f.product_id AND g.version = f.version), '{}'),
             f.off_the_shelf
      FROM product_firmware f LEFT JOIN users u ON u.id = f.uploaded_by
      WHERE f.product_id = $1""";
  private static final String LIST = SELECT + " ORDER BY f.version DESC";
  private static final String ONE = SELECT + " AND f.version = $2";
  private static final String INSERT = """
      INSERT INTO product_firmware (product_id, version, title, description, name, platform_id, size, sha256, content, uploaded_by)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
      WHERE $2 > coalesce((SELECT max(version) FROM product_firmware WHERE product_id = $1), 0)""";
  private static final String HIGHEST = "SELECT max(version) FROM product_firmware WHERE product_id = $1";
  private static final String EDIT = """
      UPDATE product_firmware SET title = coalesce($3, title), description = coalesce($4, description)
      WHERE product_id = $1 AND version = $2""";
  private static final String DELETE = "DELETE FROM product_firmware WHERE product_id = $1 AND version = $2 AND released_at IS NULL";
  private static final String BINARY = "SELECT content FROM product_firmware WHERE product_id = $1 AND version = $2";
  private static final String LOCK_FOR_RELEASE = "SELECT 1 FROM product_firmware WHERE product_id = $1 AND version = $2 FOR UPDATE";
  private static final String KNOWN_GROUPS = "SELECT name FROM device_groups WHERE product_id = $1 AND name = ANY($2)";
  private static final String SET_DEFAULT = """
      UPDATE product_firmware SET product_default = (version = $2 AND $3)
      WHERE product_id = $1 AND (version = $2 OR ($3 AND product_default))""";
  private static final String CLEAR_GROUP_RELEASES = """
      DELETE FROM firmware_group_releases WHERE product_id = $1 AND (version = $2 OR group_name = ANY($3))""";
  private static final String ADD_GROUP_RELEASES = """
      INSERT INTO firmware_group_releases (product_id, group_name, version) SELECT $1, unnest($3::text[]), $2""";
  private static final String MARK_RELEASED = """
      UPDATE product_firmware SET released_at = coalesce(released_at, now()) WHERE product_id = $1 AND version = $2""";
  private static final String LOCK_DEVICE = """
      UPDATE devices SET desired_firmware_version = $3 WHERE id = $2 AND product_id = $1""";
  private static final String FLASH_TARGET_BY_ID = """
      SELECT id, owner_id, product_id, platform_id, development FROM devices WHERE id = $1""";
  private static final String FLASH_TARGET_BY_NAME = """
      SELECT id, owner_id, product_id, platform_id, development FROM devices WHERE owner_id = $1 AND lower(name) = lower($2)""";
  private static final String VERSION_EXISTS = "SELECT 1 FROM product_firmware WHERE product_id = $1 AND version = $2";
  private static final String LAST_FLASH_STATUS = """
      SELECT data, published_at FROM events WHERE device_id = $1 AND name = 'spark/flash/status' AND product_id = $2
      ORDER BY published_at DESC LIMIT 1""";
  private static final String SUPERSEDE_ROLLOUTS = "UPDATE firmware_rollouts SET superseded = true WHERE product_id = $1 AND NOT superseded";
  private static final String INSERT_ROLLOUT = """
      INSERT INTO firmware_rollouts (product_id, version, batch_percent, failure_threshold_percent, admitted_percent, state,
                                     previous_default, previous_groups)
      VALUES ($1, $2, $3, $4, $3, CASE WHEN $3 = 100 THEN 'completed' ELSE 'running' END, $5, $6::jsonb) RETURNING id""";
  private static final String ROLLOUT_NEXT = """
      UPDATE firmware_rollouts SET admitted_percent = least(100, admitted_percent + batch_percent),
             state = CASE WHEN admitted_percent + batch_percent >= 100 THEN 'completed' ELSE 'running' END
      WHERE id = $1 AND product_id = $2 AND NOT superseded AND state IN ('running', 'paused', 'halted')""";
  private static final String ROLLOUT_PAUSE = """
      UPDATE firmware_rollouts SET state = 'paused' WHERE id = $1 AND product_id = $2 AND NOT superseded AND state = 'running'""";
  private static final String ROLLOUT_RESUME = """
      UPDATE firmware_rollouts SET state = 'running' WHERE id = $1 AND product_id = $2 AND NOT superseded AND state IN ('paused', 'halted')""";
  private static final String ROLLOUT_ABORT = """
      UPDATE firmware_rollouts SET state = 'aborted'
      WHERE id = $1 AND product_id = $2 AND NOT superseded AND state IN ('running', 'paused', 'halted')""";
  private static final String ROLLOUT_HALT = "UPDATE firmware_rollouts SET state = 'halted' WHERE id = $1 AND state = 'running'";
  private static final String RECORD_OUTCOME = """
      INSERT INTO firmware_rollout_outcomes (rollout_id, device_id, batch, succeeded) VALUES ($1, $2, $3, $4)
      ON CONFLICT (rollout_id, device_id) DO UPDATE SET batch = $3, succeeded = $4, reported_at = now()""";
  private static final String BATCH_OUTCOMES = """
      SELECT count(*) FILTER (WHERE NOT succeeded)::int, count(*)::int FROM firmware_rollout_outcomes WHERE rollout_id = $1 AND batch = $2""";
  private static final String ROLLOUTS = """
      SELECT r.id, r.version, r.batch_percent, r.failure_threshold_percent, r.admitted_percent, r.state, r.superseded, r.created_at,
             (SELECT count(*) FROM firmware_rollout_outcomes o WHERE o.rollout_id = r.id AND o.succeeded)::int,
             (SELECT count(*) FROM firmware_rollout_outcomes o WHERE o.rollout_id = r.id AND NOT o.succeeded)::int
      FROM firmware_rollouts r WHERE r.product_id = $1 AND ($2::bigint IS NULL OR r.id = $2)""";
  private static final String ADD_OFF_THE_SHELF = """
      INSERT INTO off_the_shelf_firmware (platform_id, version, title, description, size, sha256, content)
      VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""";
  private static final String ADOPT_OFF_THE_SHELF = """
      INSERT INTO product_firmware (product_id, version, title, description, name, platform_id, size, sha256, content, off_the_shelf)
      SELECT $1, o.version, o.title, o.description, 'off-the-shelf-v' || o.version || '.bin', o.platform_id, o.size, o.sha256, o.content, true
      FROM off_the_shelf_firmware o
      WHERE o.platform_id = $2 AND NOT EXISTS (SELECT 1 FROM product_firmware f WHERE f.product_id = $1 AND NOT f.off_the_shelf)
      ON CONFLICT DO NOTHING""";
  private static final String RECORD_RUNNING = "UPDATE devices SET firmware_version = $2 WHERE id = $1";

  private final Pool pool;

  public FirmwareRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<List<JsonObject>> list(int productId) {
    return pool.preparedQuery(LIST).execute(Tuple.of(productId)).map(rows -> {
      List<JsonObject> all = new ArrayList<>();
      rows.forEach(row -> all.add(toJson(row)));
      return all;
    });
  }

  /** @return the firmware object, or null when the product has no such version */
  public Future<JsonObject> find(int productId, int version) {
    return pool.preparedQuery(ONE).execute(Tuple.of(productId, version))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  /**
   * Stores an upload. Versions only increase: the insert itself checks it, so two uploads racing for
   * the same version cannot both win.
   */
  public Future<Void> insert(int productId, FirmwareBinary parsed, byte[] binary, String title, String description,
      String fileName, long uploadedBy) {
    Tuple values = Tuple.tuple().addInteger(productId).addInteger(parsed.version()).addString(title).addString(description)
        .addString(fileName).addInteger(parsed.platformId()).addInteger(binary.length).addBuffer(Buffer.buffer(parsed.sha256()))
        .addBuffer(Buffer.buffer(binary)).addLong(uploadedBy > 0 ? uploadedBy : null);
    return pool.preparedQuery(INSERT).execute(values)
        .recover(cause -> Future.failedFuture(isUniqueViolation(cause, "title")
            ? new ApiException(400, "title_taken", "Another firmware of this product is titled \"" + title + "\"")
            : cause))
        .compose(inserted -> inserted.rowCount() == 1 ? Future.<Void>succeededFuture() : highest(productId).compose(highest ->
            Future.failedFuture(new ApiException(400, "invalid_version",
                "Versions must increase: version " + parsed.version() + " is not above this product's highest, " + highest))));
  }

  /** @return false when the platform has this version already */
  public Future<Boolean> addOffTheShelf(FirmwareBinary parsed, byte[] binary, String title, String description) {
    return pool.preparedQuery(ADD_OFF_THE_SHELF).execute(Tuple.tuple().addInteger(parsed.platformId()).addInteger(parsed.version())
        .addString(title).addString(description).addInteger(binary.length).addBuffer(Buffer.buffer(parsed.sha256())).addBuffer(Buffer.buffer(binary)))
        .map(added -> added.rowCount() == 1);
  }

  /**
   * Adds the platform's off-the-shelf releases to a tracker product's list, unless it has uploaded
   * firmware of its own (then the list stays as it is: Particle's "no longer added automatically").
   */
  public Future<Void> adoptOffTheShelf(int productId, int platformId) {
    return pool.preparedQuery(ADOPT_OFF_THE_SHELF).execute(Tuple.of(productId, platformId)).mapEmpty();
  }

  public Future<Integer> highest(int productId) {
    return pool.preparedQuery(HIGHEST).execute(Tuple.of(productId)).map(rows -> {
      Integer highest = rows.iterator().next().getInteger(0);
      return highest == null ? 0 : highest;
    });
  }

  /** @return false when there is no such version */
  public Future<Boolean> edit(int productId, int version, String title, String description) {
    return pool.preparedQuery(EDIT).execute(Tuple.of(productId, version, title, description))
        .recover(cause -> Future.failedFuture(isUniqueViolation(cause, "title")
            ? new ApiException(400, "title_taken", "Another firmware of this product is titled \"" + title + "\"")
            : cause))
        .map(updated -> updated.rowCount() == 1);
  }

  /** @return true when deleted; false when there is no such version or it was released */
  public Future<Boolean> deleteUnreleased(int productId, int version) {
    return pool.preparedQuery(DELETE).execute(Tuple.of(productId, version)).map(deleted -> deleted.rowCount() == 1);
  }

  /** @return the whole binary (header and payload), or null when there is no such version */
  public Future<Buffer> binary(int productId, int version) {
    return pool.preparedQuery(BINARY).execute(Tuple.of(productId, version))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getBuffer(0));
  }

  /**
   * Releases {@code version} as the default (or stops it being one) and to exactly {@code groups},
   * in one transaction; any staged rollout of the product ends (superseded).
   *
   * @throws ApiException 404 for an unknown version, 400 naming groups the product does not have
   */
  public Future<Void> release(int productId, int version, boolean asDefault, List<String> groups) {
    return pool.withTransaction(connection -> applyRelease(connection, productId, version, asDefault, groups)
        .compose(ignored -> connection.preparedQuery(SUPERSEDE_ROLLOUTS).execute(Tuple.of(productId)).<Void>mapEmpty()));
  }

  /**
   * A release admitted in batches: the release itself, and a rollout that remembers the releases
   * before it ({@code before}) for the devices not admitted yet. The first batch is admitted at once.
   *
   * @return the rollout's ID
   */
  public Future<Long> startRollout(int productId, int version, boolean asDefault, List<String> groups, int batchPercent,
      int failureThresholdPercent, Releases before) {
    JsonObject previousGroups = new JsonObject();
    before.byGroup().forEach(previousGroups::put);
    return pool.withTransaction(connection -> applyRelease(connection, productId, version, asDefault, groups)
        .compose(ignored -> connection.preparedQuery(SUPERSEDE_ROLLOUTS).execute(Tuple.of(productId)))
        .compose(ignored -> connection.preparedQuery(INSERT_ROLLOUT).execute(Tuple.tuple().addInteger(productId).addInteger(version)
            .addInteger(batchPercent).addInteger(failureThresholdPercent).addInteger(before.productDefault() == 0 ? null : before.productDefault())
            .addJsonObject(previousGroups)))
        .map(inserted -> inserted.iterator().next().getLong(0)));
  }

  private Future<Void> applyRelease(SqlConnection connection, int productId, int version, boolean asDefault, List<String> groups) {
    String[] groupArray = groups.toArray(new String[0]);
    return connection.preparedQuery(LOCK_FOR_RELEASE).execute(Tuple.of(productId, version))
        .compose(found -> found.size() == 0
            ? Future.failedFuture(new ApiException(404, "not_found", "Product " + productId + " has no firmware version " + version))
            : knownGroups(connection, productId, groupArray))
        .compose(known -> {
          List<String> unknown = new ArrayList<>(groups);
          unknown.removeAll(known);
          if (!unknown.isEmpty()) {
            return Future.failedFuture(new ApiException(400, "invalid_request", "groups: product " + productId + " has no group " + String.join(", ", unknown)));
          }
          return connection.preparedQuery(SET_DEFAULT).execute(Tuple.of(productId, version, asDefault));
        })
        .compose(ignored -> connection.preparedQuery(CLEAR_GROUP_RELEASES).execute(Tuple.tuple().addInteger(productId).addInteger(version).addArrayOfString(groupArray)))
        .compose(ignored -> connection.preparedQuery(ADD_GROUP_RELEASES).execute(Tuple.tuple().addInteger(productId).addInteger(version).addArrayOfString(groupArray)))
        .compose(ignored -> asDefault || !groups.isEmpty()
            ? connection.preparedQuery(MARK_RELEASED).execute(Tuple.of(productId, version)).<Void>mapEmpty()
            : Future.<Void>succeededFuture());
  }

  /**
   * {@code next} admits another batch (the last completes the rollout), {@code pause}, {@code resume}
   * (also after a halt), {@code abort}.
   *
   * @throws ApiException 404 for no such rollout, 400 when its state does not allow the action
   */
  public Future<JsonObject> changeRollout(int productId, long rolloutId, String action) {
    String update = switch (action) {
      case "next" -> ROLLOUT_NEXT;
      case "pause" -> ROLLOUT_PAUSE;
      case "resume" -> ROLLOUT_RESUME;
      case "abort" -> ROLLOUT_ABORT;
      default -> throw new ApiException(400, "invalid_request", "action must be next, pause, resume or abort");
    };
    return pool.preparedQuery(update).execute(Tuple.of(rolloutId, productId)).compose(changed -> rollout(productId, rolloutId).compose(found -> {
      if (found == null) {
        return Future.failedFuture(new ApiException(404, "not_found", "Product " + productId + " has no rollout " + rolloutId));
      }
      if (changed.rowCount() == 0) {
        return Future.failedFuture(new ApiException(400, "invalid_state", "Rollout " + rolloutId + " is "
            + (found.getBoolean("superseded") ? "superseded by a newer release" : found.getString("state")) + ": it cannot " + action));
      }
      return Future.succeededFuture(found);
    }));
  }

  /** Halts a running rollout (its failed share passed the threshold). @return true when it was running */
  public Future<Boolean> haltRollout(long rolloutId) {
    return pool.preparedQuery(ROLLOUT_HALT).execute(Tuple.of(rolloutId)).map(halted -> halted.rowCount() == 1);
  }

  /**
   * Records how a device's update ended, in the batch it was admitted in.
   *
   * @return {failed, total} outcomes of that batch so far
   */
  public Future<int[]> recordOutcome(long rolloutId, String deviceId, int batch, boolean succeeded) {
    return pool.preparedQuery(RECORD_OUTCOME).execute(Tuple.of(rolloutId, deviceId, batch, succeeded))
        .compose(recorded -> pool.preparedQuery(BATCH_OUTCOMES).execute(Tuple.of(rolloutId, batch)))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new int[] {row.getInteger(0), row.getInteger(1)};
        });
  }

  public Future<List<JsonObject>> rollouts(int productId) {
    return pool.preparedQuery(ROLLOUTS + " ORDER BY r.id DESC").execute(Tuple.tuple().addInteger(productId).addLong(null)).map(rows -> {
      List<JsonObject> all = new ArrayList<>();
      rows.forEach(row -> all.add(rolloutJson(row)));
      return all;
    });
  }

  /** @return the rollout, or null when the product has none with this ID */
  public Future<JsonObject> rollout(int productId, long rolloutId) {
    return pool.preparedQuery(ROLLOUTS).execute(Tuple.of(productId, rolloutId))
        .map(rows -> rows.size() == 0 ? null : rolloutJson(rows.iterator().next()));
  }

  private static JsonObject rolloutJson(Row row) {
    return new JsonObject()
        .put("id", row.getLong(0))
        .put("version", row.getInteger(1))
        .put("batch_percent", row.getInteger(2))
        .put("failure_threshold_percent", row.getInteger(3))
        .put("admitted_percent", row.getInteger(4))
        .put("state", row.getString(5))
        .put("superseded", row.getBoolean(6))
        .put("created_at", timestamp(row.getOffsetDateTime(7)))
        .put("outcomes", new JsonObject().put("succeeded", row.getInteger(8)).put("failed", row.getInteger(9)));
  }

  private static Future<List<String>> knownGroups(SqlConnection connection, int productId, String[] groups) {
    return connection.preparedQuery(KNOWN_GROUPS).execute(Tuple.tuple().addInteger(productId).addArrayOfString(groups)).map(rows -> {
      List<String> known = new ArrayList<>();
      rows.forEach(row -> known.add(row.getString(0)));
      return known;
    });
  }

  public Future<Boolean> versionExists(int productId, int version) {
    return pool.preparedQuery(VERSION_EXISTS).execute(Tuple.of(productId, version)).map(rows -> rows.size() == 1);
  }

  /** @return false when the device is not a member of the product */
  public Future<Boolean> lock(int productId, String deviceId, Integer version) {
    return pool.preparedQuery(LOCK_DEVICE).execute(Tuple.of(productId, deviceId, version)).map(updated -> updated.rowCount() == 1);
  }

  /** A device as a cloud flash sees it. {@code ownerId}, {@code productId} and {@code platformId} are null when unset. */
  public record FlashTarget(String id, Long ownerId, Integer productId, Integer platformId, boolean development) {
  }

  /**
   * The device a cloud flash names: by ID, or by the name {@code ownerId} gave it.
   *
   * @return null when there is none
   */
  public Future<FlashTarget> flashTarget(String deviceId, Long ownerId, String name) {
    Future<io.vertx.sqlclient.RowSet<Row>> rows = deviceId != null
        ? pool.preparedQuery(FLASH_TARGET_BY_ID).execute(Tuple.of(deviceId))
        : pool.preparedQuery(FLASH_TARGET_BY_NAME).execute(Tuple.of(ownerId, name));
    return rows.map(found -> {
      if (found.size() != 1) {
        return null;
      }
      Row row = found.iterator().next();
      return new FlashTarget(row.getString(0), row.getLong(1), row.getInteger(2), row.getInteger(3), Boolean.TRUE.equals(row.getBoolean(4)));
    });
  }

  public Future<Void> recordRunning(String deviceId, int version) {
    return pool.preparedQuery(RECORD_RUNNING).execute(Tuple.of(deviceId, version)).mapEmpty();
  }

  /**
   * The device's last {@code spark/flash/status} published while in this product (an earlier
   * product's updates are not this one's to see): {@code {"status": "started", "at": "..."}}, or null.
   */
  public Future<JsonObject> lastFlashStatus(int productId, String deviceId) {
    return pool.preparedQuery(LAST_FLASH_STATUS).execute(Tuple.of(deviceId, productId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return new JsonObject().put("status", row.getString(0)).put("at", timestamp(row.getOffsetDateTime(1)));
    });
  }

  private static boolean isUniqueViolation(Throwable cause, String constraintPart) {
    return cause instanceof PgException pg && "23505".equals(pg.getSqlState())
        && pg.getConstraint() != null && pg.getConstraint().contains(constraintPart);
  }

  private static JsonObject toJson(Row row) {
    String[] groups = row.getArrayOfStrings(12);
    return new JsonObject()
        .put("version", row.getInteger(0))
        .put("title", row.getString(1))
        .put("description", row.getString(2))
        .put("name", row.getString(3))
        .put("size", row.getInteger(4))
        .put("product_default", row.getBoolean(5))
        .put("uploaded_on", timestamp(row.getOffsetDateTime(6)))
        .put("product_id", row.getInteger(7))
        .put("uploaded_by", row.getString(8) == null ? null : new JsonObject().put("username", row.getString(8)))
        .put("platform_id", row.getInteger(9))
        .put("sha256", row.getString(10))
        .put("released_at", timestamp(row.getOffsetDateTime(11)))
        .put("groups", new JsonArray(groups == null ? List.of() : List.of(groups)))
        .put("off_the_shelf", row.getBoolean(13));
  }

  private static String timestamp(java.time.OffsetDateTime time) {
    return time == null ? null : time.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.MILLIS).format(DateTimeFormatter.ISO_INSTANT);
  }
}
